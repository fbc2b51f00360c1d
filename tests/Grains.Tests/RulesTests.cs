using ClearingCluster.Grains.Participants;
using ClearingCluster.Grains.Products;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;

namespace ClearingCluster.Grains.Tests;

public sealed class RulesTests
{
    [Theory]
    [InlineData(ParticipantStatus.Pending, true)]
    [InlineData(ParticipantStatus.Suspended, true)]
    [InlineData(ParticipantStatus.Active, false)]
    public void Approval_admits_or_reinstates_only(ParticipantStatus from, bool allowed)
    {
        if (allowed)
        {
            Assert.Equal(ParticipantStatus.Active, ParticipantRules.Approve(from));
        }
        else
        {
            Assert.Equal("invalid_transition", Assert.Throws<DomainException>(() => ParticipantRules.Approve(from)).Code);
        }
    }

    [Theory]
    [InlineData(ParticipantStatus.Active, true)]
    [InlineData(ParticipantStatus.Pending, false)]
    [InlineData(ParticipantStatus.Suspended, false)]
    public void Only_an_active_participant_can_be_suspended(ParticipantStatus from, bool allowed)
    {
        if (allowed)
        {
            Assert.Equal(ParticipantStatus.Suspended, ParticipantRules.Suspend(from));
        }
        else
        {
            Assert.Equal(DomainErrorKind.Conflict, Assert.Throws<DomainException>(() => ParticipantRules.Suspend(from)).Kind);
        }
    }

    [Theory]
    [InlineData("", "name", "provider", 1, "invalid_id")]
    [InlineData("Acme", "name", "provider", 1, "invalid_id")]
    [InlineData("exchange", "name", "provider", 1, "reserved_id")]
    [InlineData("acme", "", "provider", 1, "invalid_name")]
    [InlineData("acme", " padded", "provider", 1, "invalid_name")]
    [InlineData("acme", "name", "admin", 1, "invalid_roles")]
    [InlineData("acme", "name", "provider", 0, "invalid_tier")]
    [InlineData("acme", "name", "provider", 4, "invalid_tier")]
    public void A_registration_breaking_a_rule_is_refused_naming_it(string id, string name, string role, int tier, string code)
    {
        var error = Assert.Throws<DomainException>(() => ParticipantRules.Validate(new RegisterParticipant(id, name, [role], tier)));

        Assert.Equal(code, error.Code);
        Assert.Equal(DomainErrorKind.Invalid, error.Kind);
    }

    [Fact]
    public void Roles_must_be_listed_once_each_and_come_back_sorted()
    {
        Assert.Equal("invalid_roles", Assert.Throws<DomainException>(() =>
            ParticipantRules.Validate(new RegisterParticipant("a", "A", ["buyer", "buyer"], 1))).Code);
        Assert.Equal("invalid_roles", Assert.Throws<DomainException>(() =>
            ParticipantRules.Validate(new RegisterParticipant("a", "A", [], 1))).Code);

        Assert.Equal(["buyer", "provider"], ParticipantRules.Validate(new RegisterParticipant("a", "A", ["provider", "buyer"], 1)).Roles);
    }

    [Fact]
    public void Tiers_bound_more_tightly_as_they_rise()
    {
        Assert.True(TierLimits.For(1).MaxOpenBuyValueMicros > TierLimits.For(2).MaxOpenBuyValueMicros);
        Assert.True(TierLimits.For(2).MaxOrderQuantity > TierLimits.For(3).MaxOrderQuantity);
    }

    [Theory]
    [InlineData("kind", "invalid_kind")]
    [InlineData("unit", "invalid_unit")]
    [InlineData("delivery", "invalid_delivery")]
    [InlineData("scenarios", "invalid_scenarios")]
    [InlineData("category", "invalid_category")]
    public void A_product_with_a_bad_field_is_refused_naming_it(string field, string code)
    {
        var good = new SubmitProduct("geo-api", "acme", "Geo API", "api", "call", "geo", ["credit-risk"], "api");
        var bad = field switch
        {
            "kind" => good with { Kind = "service" },
            "unit" => good with { Unit = "byte" },
            "delivery" => good with { Delivery = "email" },
            "scenarios" => good with { Scenarios = [] },
            _ => good with { Category = "Geo Data" },
        };

        Assert.Equal(code, Assert.Throws<DomainException>(() => ProductRules.Validate(bad)).Code);
        Assert.Equal(good.Scenarios, ProductRules.Validate(good).Scenarios);
    }

    private static readonly SubmitProduct Shared = new("geo-api", "acme", "Geo API", "api", "call", "geo", ["credit-risk"], "api",
    [
        new ProductRevenueShare("vault", RevenueShareRoles.Custody, 100),
        new ProductRevenueShare("valuer", RevenueShareRoles.Valuation, 250),
    ]);

    [Fact]
    public void A_revenue_share_schedule_comes_back_in_role_order_and_none_is_an_empty_one()
    {
        Assert.Equal([RevenueShareRoles.Custody, RevenueShareRoles.Valuation], ProductRules.Validate(Shared).RevenueShares!.Select(r => r.Role));
        Assert.Empty(ProductRules.Validate(Shared with { RevenueShares = null }).RevenueShares!);
        Assert.Empty(ProductRules.Validate(Shared with { RevenueShares = [] }).RevenueShares!);

        var full = ProductRules.Validate(Shared with
        {
            RevenueShares =
            [
                new("valuer", RevenueShareRoles.Valuation, 1),
                new("auditor", RevenueShareRoles.ComplianceAudit, 4_998),
                new("vault", RevenueShareRoles.Custody, 1),
            ],
        });
        Assert.Equal(5_000, full.RevenueShares!.Sum(r => r.BasisPoints));
        Assert.Equal(["compliance_audit", "custody", "valuation"], RevenueShareRoles.All.Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, ProductRevenueShare[]> BadSchedules => new()
    {
        { "invalid_revenue_shares", [new("a", "valuation", 1), new("b", "custody", 1), new("c", "compliance_audit", 1), new("d", "valuation", 1)] },
        { "invalid_revenue_shares", [new("a", "valuation", 100), new("b", "valuation", 100)] },
        { "invalid_revenue_shares", [new("a", "valuation", 2_500), new("b", "custody", 2_501)] },
        { "invalid_revenue_shares", [null!] },
        { "invalid_role", [new("a", "broker", 100)] },
        { "invalid_role", [new("a", null!, 100)] },
        { "invalid_basis_points", [new("a", "valuation", 0)] },
        { "invalid_basis_points", [new("a", "valuation", -5)] },
        { "invalid_basis_points", [new("a", "valuation", 5_001)] },
        { "invalid_intermediary", [new("Not An Id", "valuation", 100)] },
        { "invalid_intermediary", [new(null!, "valuation", 100)] },
        { "invalid_intermediary", [new("acme", "custody", 100)] },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public void A_revenue_share_schedule_breaking_a_bound_is_refused_naming_the_field(string code, ProductRevenueShare[] shares)
    {
        var error = Assert.Throws<DomainException>(() => ProductRules.Validate(Shared with { RevenueShares = shares }));

        Assert.Equal(code, error.Code);
        Assert.Equal(DomainErrorKind.Invalid, error.Kind);
    }

    [Fact]
    public void A_product_is_reviewed_once_then_suspended_or_delisted()
    {
        Assert.Equal(ProductStatus.Listed, ProductRules.Review(ProductStatus.PendingReview, approve: true));
        Assert.Equal(ProductStatus.Rejected, ProductRules.Review(ProductStatus.PendingReview, approve: false));
        Assert.Throws<DomainException>(() => ProductRules.Review(ProductStatus.Listed, approve: true));
        Assert.Equal(ProductStatus.Suspended, ProductRules.Suspend(ProductStatus.Listed));
        Assert.Throws<DomainException>(() => ProductRules.Suspend(ProductStatus.PendingReview));
        Assert.Equal(ProductStatus.Delisted, ProductRules.Delist(ProductStatus.Suspended));
        Assert.Throws<DomainException>(() => ProductRules.Delist(ProductStatus.Rejected));
        Assert.Equal("pending_review", ProductRules.Wire(ProductStatus.PendingReview));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(Inputs.AmountMicrosMax + 1)]
    public void Amounts_outside_bounds_are_refused(long amount) =>
        Assert.Equal("invalid_amount", Assert.Throws<DomainException>(() => Inputs.Amount(amount)).Code);

    [Theory]
    [InlineData("limit", 0, 1, "invalid_price")]
    [InlineData("limit", 10_000_000_001, 1, "invalid_price")]
    [InlineData("limit", 100, 0, "invalid_quantity")]
    [InlineData("limit", 100, 1_000_000_001, "invalid_quantity")]
    [InlineData("market", 100, 1, "invalid_price")]
    [InlineData("limit", 1, 1, null)]
    [InlineData("limit", 10_000_000_000, 1_000_000_000, null)]
    public void An_order_bound_is_one_rule_on_either_side(string type, long price, long quantity, string? code)
    {
        var order = new Interfaces.Trading.PlaceOrder("c-1", "m", "p", "sell", type, type == "market" ? "ioc" : "gtc", price, quantity, 0, null, 0);
        var limits = new ClearingCluster.Grains.Trading.Matching.EngineLimits();
        if (code is null)
        {
            Assert.Same(order, ClearingCluster.Grains.Trading.OrderRules.Validate(order, limits));
        }
        else
        {
            Assert.Equal(code, Assert.Throws<DomainException>(() => ClearingCluster.Grains.Trading.OrderRules.Validate(order, limits)).Code);
        }
    }

    [Fact]
    public void An_engine_refusal_is_answered_by_its_catalogued_type() =>
        Assert.Equal("book_full", ClearingCluster.Grains.Trading.OrderRules.RejectCode(ClearingCluster.Grains.Trading.Matching.RejectReason.BookFull));
}
