using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// What tests do often through the API: admit members, issue keys, read state. Every call is real HTTP; the set-up
/// goes through the typed client (ClearingCluster.Client), the tests' own requests mostly by hand, to see the wire.
/// </summary>
public sealed class Exchange(GatewayFactory gateway, string adminKey)
{
    public HttpClient Admin { get; } = gateway.Client(adminKey);

    /// <summary>The typed client as admin.</summary>
    public ClearingClient Staff { get; } = new(gateway.Client(adminKey));

    /// <summary>The typed client over a Gateway's HTTP client presenting <paramref name="apiKey"/>.</summary>
    public ClearingClient Typed(string? apiKey) => new(gateway.Client(apiKey));

    public HttpClient Anonymous { get; } = gateway.Client();

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Registers, approves and returns a client holding a fresh key of the member.</summary>
    public async Task<(string Id, HttpClient Client)> MemberAsync(string prefix, params string[] roles)
    {
        var id = NewId(prefix);
        await Staff.RegisterParticipantAsync(new RegisterParticipantRequest(id, $"{prefix} Ltd", roles, 2));
        await Staff.ApproveParticipantAsync(id);
        return (id, gateway.Client(await KeyAsync(id)));
    }

    /// <summary>A member with the clearing role (the only one that cuts off, computes and settles) and the typed client holding its key.</summary>
    public async Task<(string Id, ClearingClient Client)> ClearingStaffAsync()
    {
        var (id, http) = await MemberAsync("clr", "clearing");
        return (id, new ClearingClient(http));
    }

    /// <summary>
    /// Brings every cycle before the open one to settled, so a test starts from a clean sequence: the tests of the
    /// collection share one Gateway, and a cycle another test left cut off would hold every later one back.
    /// </summary>
    public static async Task SettleAllOpenAsync(ClearingClient clearingStaff)
    {
        var page = await clearingStaff.ListCyclesAsync(limit: 100);
        foreach (var cycle in page.Cycles.Where(c => c.Status is not ("open" or "settled")).OrderBy(c => c.Number))
        {
            if (cycle.Status is "cut_off" or "failed")
            {
                await clearingStaff.ComputeCycleAsync(cycle.CycleId);
            }
            await clearingStaff.SettleCycleAsync(cycle.CycleId);
        }
    }

    public async Task<string> KeyAsync(string participant) => (await Staff.IssueKeyAsync(participant)).Key;

    public Task<AccountResponse> DepositAsync(string account, long amount, string reference) => Staff.DepositFundsAsync(account, amount, reference);

    /// <summary>Money for vouchers: the voucher fund backs every voucher it issues from its available balance.</summary>
    public Task<AccountResponse> FundVouchersAsync(long amount) => Staff.DepositFundsAsync(AccountIdsVoucherFund, amount, NewId("voucher-funding"));

    public const string AccountIdsVoucherFund = "voucher-fund";

    public async Task<JsonElement> AccountAsync(string account) => await Ok(await Admin.GetAsync($"/v1/accounts/{account}"));

    public async Task<string> ListedProductAsync(string provider, HttpClient providerClient)
    {
        var id = NewId("prod");
        await new ClearingClient(providerClient).SubmitProductAsync(
            new SubmitProductRequest(id, provider, "Geo API", "api", "call", "geo", ["credit-risk", "logistics"], "api"));
        await Staff.ReviewProductAsync(id, approve: true, "compliant");
        return id;
    }

    public static object Product(string id, string provider) => new
    {
        id,
        provider,
        name = "Geo API",
        kind = "api",
        unit = "call",
        category = "geo",
        scenarios = new[] { "credit-risk", "logistics" },
        delivery = "api",
    };

    public async Task<long> LedgerHeadAsync() =>
        (await Ok(await Admin.GetAsync("/v1/ledger/verify"))).GetProperty("head").GetProperty("seq").GetInt64();

    /// <summary>
    /// Posts a body the Gateway will refuse by its length. The server answers 413 and closes the connection without
    /// reading the body, so a client still sending it may see a broken pipe instead of the answer; asking for
    /// <c>100-continue</c> first lets the refusal arrive before a byte of the body is sent.
    /// </summary>
    public static Task<HttpResponseMessage> PostOversizedAsync(HttpClient client, string path, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        return client.SendAsync(request);
    }

    public static async Task<JsonElement> Ok(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
