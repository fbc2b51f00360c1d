using System.Diagnostics;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// The flows that run at once, each until told to stop: providers quoting, buyers bidding (GTC below the market, IOC
/// crossing it, market orders) and cancelling, data gateways reporting usage skewed to a few hot contracts, members
/// reading their balances, and staff cutting off, computing and settling cycles on a schedule. A refusal the exchange
/// answers by its rules (funds, limits, band) is an outcome, not an error; anything else is an error.
/// </summary>
public sealed class SimulationFlows(SimulationProfile profile, SimulationWorld world, SimulationTally tally, string runId)
{
    private long orderSequence;

    public Task RunAsync(CancellationToken stop) => Task.WhenAll(
        [
            .. world.Providers.Select((p, i) => Task.Run(() => QuoteAsync(p, i, stop))),
            .. world.Buyers.Select((b, i) => Task.Run(() => BidAsync(b, i, stop))),
            .. Enumerable.Range(0, profile.UsageProducers).Select(i => Task.Run(() => ProduceUsageAsync(i, stop))),
            Task.Run(() => QueryAsync(stop)),
            Task.Run(() => CutOffOnScheduleAsync(stop)),
        ]);

    private async Task QuoteAsync(SimMember provider, int index, CancellationToken stop)
    {
        var random = new Random(index);
        var products = world.Products.Where(p => p.Provider == provider.Id).Select(p => p.Id).ToArray();
        while (!stop.IsCancellationRequested)
        {
            var product = products[random.Next(products.Length)];
            await OrderAsync(provider.Client, new OrderRequest(NextId("ask"), provider.Id, product, "sell",
                Price: SimulationWorld.Price + random.Next(0, 3), Quantity: 1 + random.Next(50)));
        }
    }

    private async Task BidAsync(SimMember buyer, int index, CancellationToken stop)
    {
        var random = new Random(1000 + index);
        var resting = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            var product = world.Products[random.Next(world.Products.Count)].Id;
            var roll = random.Next(10);
            if (roll < 2 && resting.Count > 0)
            {
                var orderId = resting[random.Next(resting.Count)];
                resting.Remove(orderId);
                await CallAsync(async () =>
                {
                    await buyer.Client.CancelOrderAsync(orderId);
                    Interlocked.Increment(ref tally.OrdersCancelled);
                });
                continue;
            }
            var order = roll switch
            {
                < 5 => new OrderRequest(NextId("bid"), buyer.Id, product, "buy", Price: SimulationWorld.Price - 1 - random.Next(3), Quantity: 1 + random.Next(20),
                    Scenario: "sim"),
                < 8 => new OrderRequest(NextId("ioc"), buyer.Id, product, "buy", TimeInForce: "ioc", Price: SimulationWorld.Price + 2, Quantity: 1 + random.Next(20),
                    Scenario: "sim"),
                _ => new OrderRequest(NextId("mkt"), buyer.Id, product, "buy", Type: "market", TimeInForce: "ioc", Quantity: 1 + random.Next(5),
                    Scenario: "sim", MaxCost: 500),
            };
            if (await OrderAsync(buyer.Client, order) is { Status: "resting" or "partially_filled" } placed)
            {
                resting.Add(placed.OrderId);
            }
        }
    }

    /// <summary>Usage batches from one data gateway, four records in five to the first fifth of the contracts.</summary>
    private async Task ProduceUsageAsync(int producer, CancellationToken stop)
    {
        var random = new Random(2000 + producer);
        var name = $"{runId}-producer-{producer}";
        var hot = Math.Max(1, world.Contracts.Count / 5);
        for (long sequence = 1; !stop.IsCancellationRequested; sequence++)
        {
            var records = Enumerable.Range(0, profile.UsageBatchRecords).Select(i =>
            {
                var contract = world.Contracts[random.Next(5) < 4 ? random.Next(hot) : random.Next(world.Contracts.Count)];
                return new UsageRecordRequest($"{name}-{sequence}-{i}", contract, DateTimeOffset.UtcNow, 1 + random.Next(3));
            }).ToList();
            var batch = new UsageBatchRequest(name, sequence, records);
            var clock = Stopwatch.StartNew();
            try
            {
                // Not cancelled by the stop: a request in flight is finished, as a client would.
                Count(batch, await world.Gateway.Client.SubmitUsageAsync(batch, UsageEncoding.Json));
                tally.UsageLatency(clock.Elapsed.TotalMilliseconds);
            }
            catch (Exception error)
            {
                // Not acknowledged: perhaps counted, perhaps not. Resent at the end, it says which.
                tally.InDoubt.Enqueue(batch);
                tally.Error($"usage {name}/{sequence} in doubt: {Describe(error)}");
            }
        }
    }

    /// <summary>Resends every batch whose answer never came, exactly as it was: its answer (the first, if it was counted) goes into the tally.</summary>
    public async Task ResendInDoubtAsync()
    {
        while (tally.InDoubt.TryDequeue(out var batch))
        {
            Count(batch, await world.Gateway.Client.SubmitUsageAsync(batch, UsageEncoding.Json));
            Interlocked.Increment(ref tally.Resent);
        }
        while (tally.InDoubtOrders.TryDequeue(out var inDoubt))
        {
            try
            {
                // Its first attempt's outcome, or a fresh one if it never arrived.
                await inDoubt.Client.PlaceOrderAsync(inDoubt.Order);
            }
            catch (ClearingProblemException refused) when ((int)refused.Status < 500)
            {
                // A definite refusal is an outcome too.
            }
            Interlocked.Increment(ref tally.Resent);
        }
    }

    private void Count(UsageBatchRequest batch, UsageResponse answer)
    {
        var rejected = answer.Rejected.Select(r => r.Index).ToHashSet();
        for (var i = 0; i < batch.Records.Count; i++)
        {
            if (!rejected.Contains(i))
            {
                var units = batch.Records[i].Units;
                tally.UnitsByContract.AddOrUpdate(batch.Records[i].Contract, units, (_, sum) => sum + units);
            }
        }
        Interlocked.Add(ref tally.UsageRecordsAccepted, answer.Accepted);
        Interlocked.Add(ref tally.UsageRecordsRejected, answer.Rejected.Count);
    }

    private static string Describe(Exception error) =>
        error is ClearingProblemException problem ? $"{(int)problem.Status} {problem.Code}: {problem.Detail}" : error.Message;

    private async Task QueryAsync(CancellationToken stop)
    {
        var random = new Random(3000);
        while (!stop.IsCancellationRequested)
        {
            var buyer = world.Buyers[random.Next(world.Buyers.Count)];
            await CallAsync(async () =>
            {
                await buyer.Client.GetAccountAsync(buyer.Id);
                Interlocked.Increment(ref tally.Queries);
            });
        }
    }

    private async Task CutOffOnScheduleAsync(CancellationToken stop)
    {
        using var schedule = new PeriodicTimer(profile.CutOffEvery);
        try
        {
            while (await schedule.WaitForNextTickAsync(stop))
            {
                await CallAsync(async () =>
                {
                    await SettleThroughAsync(world.Staff.Client, await world.Staff.Client.CutOffCycleAsync(CancellationToken.None));
                    Interlocked.Increment(ref tally.CutOffs);
                });
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped between cut-offs.
        }
    }

    /// <summary>Computes and settles every cycle cut off up to <paramref name="last"/>, oldest first.</summary>
    public static async Task SettleThroughAsync(ClearingClient staff, CycleResponse last)
    {
        var cycles = await staff.ListCyclesAsync(limit: 100);
        foreach (var cycle in cycles.Cycles.Where(c => c.Number <= last.Number && c.Status is not ("open" or "settled")).OrderBy(c => c.Number))
        {
            if (cycle.Status is "cut_off" or "failed" or "cutting_off")
            {
                await staff.ComputeCycleAsync(cycle.CycleId);
            }
            await staff.SettleCycleAsync(cycle.CycleId);
        }
    }

    private async Task<OrderResponse?> OrderAsync(ClearingClient client, OrderRequest order)
    {
        var clock = Stopwatch.StartNew();
        OrderResponse? placed = null;
        await CallAsync(async () =>
        {
            try
            {
                placed = await client.PlaceOrderAsync(order);
                Interlocked.Increment(ref tally.OrdersPlaced);
            }
            catch (ClearingProblemException refused) when ((int)refused.Status == 422)
            {
                Interlocked.Increment(ref tally.OrdersRefused);
            }
            catch (Exception error) when (error is not ClearingProblemException { Status: < (System.Net.HttpStatusCode)500 })
            {
                // No answer, or one that does not say: resent at the end with the same client order id.
                tally.InDoubtOrders.Enqueue((client, order));
                throw;
            }
            tally.OrderLatency(clock.Elapsed.TotalMilliseconds);
        });
        return placed;
    }

    private async Task CallAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (OperationCanceledException)
        {
            // The run is stopping.
        }
        catch (Exception error)
        {
            tally.Error(Describe(error));
        }
    }

    private string NextId(string kind) => $"{runId}-{kind}-{Interlocked.Increment(ref orderSequence)}";
}
