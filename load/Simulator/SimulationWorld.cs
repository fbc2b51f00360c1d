using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Load.Simulator;

/// <summary>A member of the simulated exchange with its key and its own typed client.</summary>
public sealed record SimMember(string Id, string Key, ClearingClient Client);

/// <summary>
/// The exchange the simulator builds through the public API, as its members would: admitted participants with keys,
/// deposits, products through review, a voucher, a data gateway authorised by every buyer, clearing staff, and one
/// contract per buyer and product to meter usage against. Counts every µ¥ it deposits.
/// </summary>
public sealed class SimulationWorld
{
    public const long Price = 10;

    public required IReadOnlyList<SimMember> Providers { get; init; }
    public required IReadOnlyList<SimMember> Buyers { get; init; }
    public required IReadOnlyList<(string Id, string Provider)> Products { get; init; }
    public required SimMember Gateway { get; init; }
    public required SimMember Staff { get; init; }
    public required ClearingClient Admin { get; init; }
    public required List<string> Contracts { get; init; }
    public long DepositedMicros { get; set; }

    public string KeyOf(string member) => Buyers.Concat(Providers).Append(Gateway).Append(Staff).Single(m => m.Id == member).Key;

    public static async Task<SimulationWorld> BuildAsync(SimulationProfile profile, ClearingClient admin, Func<string, ClearingClient> clientFor, string runId)
    {
        async Task<SimMember> MemberAsync(string id, params string[] roles)
        {
            await admin.RegisterParticipantAsync(new RegisterParticipantRequest(id, id, roles, 3));
            await admin.ApproveParticipantAsync(id);
            var key = (await admin.IssueKeyAsync(id)).Key;
            return new SimMember(id, key, clientFor(key));
        }
        var providers = new List<SimMember>();
        var buyers = new List<SimMember>();
        for (var p = 0; p < profile.Providers; p++)
        {
            providers.Add(await MemberAsync($"{runId}-prov-{p}", "provider"));
        }
        for (var b = 0; b < profile.Buyers; b++)
        {
            buyers.Add(await MemberAsync($"{runId}-buyer-{b}", "buyer"));
        }
        var gateway = await MemberAsync($"{runId}-gw", "gateway");
        var staff = await MemberAsync($"{runId}-clearing", "clearing");
        long deposited = 0;
        foreach (var buyer in buyers)
        {
            await admin.DepositFundsAsync(buyer.Id, profile.BuyerDepositMicros, $"{runId}-deposit");
            deposited += profile.BuyerDepositMicros;
            await admin.AuthoriseGatewayAsync(buyer.Id, gateway.Id);
        }
        const long voucherMicros = 1_000_000;
        await admin.DepositFundsAsync("voucher-fund", voucherMicros, $"{runId}-voucher-funding");
        deposited += voucherMicros;
        await admin.IssueVoucherAsync(new IssueVoucherRequest($"{runId}-voucher", buyers[0].Id, voucherMicros, ["sim"], DateTimeOffset.UtcNow.AddDays(7),
            $"{runId}-voucher"));

        var products = new List<(string, string)>();
        foreach (var provider in providers)
        {
            for (var k = 0; k < profile.ProductsPerProvider; k++)
            {
                var product = $"{provider.Id}-api-{k}";
                await provider.Client.SubmitProductAsync(new SubmitProductRequest(product, provider.Id, "Simulated API", "api", "call", "sim", ["sim"], "api"));
                await admin.ReviewProductAsync(product, approve: true, "simulated");
                products.Add((product, provider.Id));
            }
        }
        var contracts = new List<string>();
        foreach (var (product, providerId) in products)
        {
            var provider = providers.Single(p => p.Id == providerId);
            foreach (var buyer in buyers)
            {
                for (var c = 0; c < profile.ContractsPerPair; c++)
                {
                    await provider.Client.PlaceOrderAsync(new OrderRequest($"{runId}-seed-ask-{product}-{buyer.Id}-{c}", provider.Id, product, "sell", Price: Price,
                        Quantity: profile.ContractQuota));
                    var bought = await buyer.Client.PlaceOrderAsync(new OrderRequest($"{runId}-seed-bid-{product}-{c}", buyer.Id, product, "buy", Price: Price,
                        Quantity: profile.ContractQuota, Scenario: "sim", ValidityDays: 30));
                    contracts.AddRange(bought.Contracts);
                }
            }
        }
        return new SimulationWorld
        {
            Providers = providers, Buyers = buyers, Products = products, Gateway = gateway, Staff = staff, Admin = admin, Contracts = contracts,
            DepositedMicros = deposited,
        };
    }
}
