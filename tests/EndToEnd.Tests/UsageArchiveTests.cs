using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>A settled cycle's usage partition is archived to a file and dropped while usage flows into the open cycle's.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UsageArchiveTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_settled_cycles_usage_is_archived_and_dropped_while_usage_flows_on()
    {
        var clock = new ShiftedClock();
        await using var gateway = GatewayFactory.Start(await fixture.Postgres.CreateDatabaseAsync(), GatewayFixture.AdminKey,
            services: s => s.AddSingleton<TimeProvider>(clock));
        var exchange = new Exchange(gateway, GatewayFixture.AdminKey);
        var (_, staff) = await exchange.ClearingStaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        var (provider, providerClient) = await exchange.MemberAsync("prov", "provider");
        var (buyer, buyerClient) = await exchange.MemberAsync("buyer", "buyer");
        var (_, apiGateway) = await exchange.MemberAsync("apigw", "gateway");
        await exchange.DepositAsync(buyer, 1_000_000_000, "f");
        var product = await exchange.ListedProductAsync(provider, providerClient);
        await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s", participant = provider, product, side = "sell", price = 10, quantity = 100_000 });
        var order = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "b", participant = buyer, product, side = "buy", price = 10, quantity = 100_000, scenario = "credit-risk", validityDays = 30,
        }), HttpStatusCode.Created);
        var contract = order.GetProperty("contracts")[0].GetString()!;
        var at = (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contract}"))).GetProperty("validFrom").GetDateTimeOffset().AddSeconds(1);
        var producer = new ClearingClient(apiGateway);
        var sequence = 0L;
        Task<UsageResponse> SendAsync(string call) =>
            producer.SubmitUsageAsync(new UsageBatchRequest("flow", Interlocked.Increment(ref sequence), [new UsageRecordRequest(call, contract, at, 1)]));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, (await SendAsync($"settled-{i}")).Accepted);
        }
        var closed = await staff.CutOffCycleAsync();
        await staff.ComputeCycleAsync(closed.CycleId);
        await staff.SettleCycleAsync(closed.CycleId);
        var open = (await staff.ListCyclesAsync(limit: 1)).Cycles[0].CycleId;
        Assert.Equal("cycle_not_settled", (await Assert.ThrowsAsync<ClearingProblemException>(() => staff.ArchiveCycleUsageAsync(open))).Code);
        // Its calls are inside the deduplication window (24 h and the 5 minutes calls may be dated ahead): not yet.
        Assert.Equal("cycle_in_call_window", (await Assert.ThrowsAsync<ClearingProblemException>(() => staff.ArchiveCycleUsageAsync(closed.CycleId))).Code);
        clock.Shift = TimeSpan.FromHours(24) + TimeSpan.FromMinutes(6);

        // Usage goes on into the open cycle, one batch after another, before, while and after the archive runs.
        var firstSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var flow = Task.Run(async () =>
        {
            var sent = 0;
            while (!stop.IsCancellationRequested || sent < 2)
            {
                Assert.Equal(1, (await SendAsync($"open-{sent}")).Accepted);
                sent++;
                firstSent.TrySetResult();
            }
            return sent;
        });
        await firstSent.Task;
        var archived = await staff.ArchiveCycleUsageAsync(closed.CycleId);
        await stop.CancelAsync();
        var flowed = await flow;

        var archive = archived.UsageArchive!;
        Assert.Equal(5, archive.Records);
        Assert.Equal(5, archive.Units);
        Assert.True(File.Exists(archive.File), archive.File);
        Assert.Equal(archive.Bytes, new FileInfo(archive.File).Length);
        Assert.Equal(archive.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(archive.File))));
        // Once archived, a dispute no longer finds the cycle's calls; the open cycle's are all there.
        Assert.Equal("call_not_found",
            (await Assert.ThrowsAsync<ClearingProblemException>(() => new ClearingClient(buyerClient).FindUsageCallAsync("settled-0", contract))).Code);
        for (var i = 0; i < flowed; i++)
        {
            Assert.Single((await new ClearingClient(buyerClient).FindUsageCallAsync($"open-{i}", contract)).Occurrences);
        }
        // Archiving again answers the same archive and changes nothing.
        Assert.Equal(archive, (await staff.ArchiveCycleUsageAsync(closed.CycleId)).UsageArchive);
        Assert.Equal(archive, (await staff.GetCycleAsync(closed.CycleId)).UsageArchive);
    }
}
