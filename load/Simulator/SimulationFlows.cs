using System.Diagnostics;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// The flows that run at once, each until told to stop: providers quoting, buyers bidding (GTC below the market, IOC
/// crossing it, market orders, now and then a batch of bids in one request) and cancelling, data gateways reporting
/// usage skewed to a few hot contracts, members reading their balances, and staff cutting off, computing and settling
/// cycles on a schedule. Orders and usage are sent on the profile's schedules (<see cref="SendSchedule"/>), latency
/// measured from each request's due time. A refusal the exchange answers by its rules (funds, limits, band) is an
/// outcome, not an error; anything else is an error.
/// </summary>
public sealed class SimulationFlows(SimulationProfile profile, SimulationWorld world, SimulationTally tally, string runId)
{
    private readonly SendSchedule orders = profile.OrdersPerSecond is { } o ? SendSchedule.OpenLoop(o) : SendSchedule.ClosedLoop();
    private readonly SendSchedule usage = profile.UsageRecordsPerSecond is { } u ? SendSchedule.OpenLoop(u) : SendSchedule.ClosedLoop();
    private long orderSequence;
    private volatile string? lastSettled;

    /// <summary>Called with each cycle step as it ends (the timeline's events).</summary>
    public Action<string, string>? OnEvent { get; init; }

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
            await OrderAsync(provider.Client, stop, new OrderRequest(NextId("ask"), provider.Id, product, "sell",
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
            if (roll == 9 && profile.OrderBatch > 1)
            {
                var bids = Enumerable.Range(0, profile.OrderBatch).Select(_ => new OrderRequest(NextId("batch"), buyer.Id,
                    world.Products[random.Next(world.Products.Count)].Id, "buy", Price: SimulationWorld.Price - 1 - random.Next(3),
                    Quantity: 1 + random.Next(20), Scenario: "sim")).ToArray();
                resting.AddRange(await OrderBatchAsync(buyer.Client, stop, bids));
                continue;
            }
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
            if (await OrderAsync(buyer.Client, stop, order) is { Status: "resting" or "partially_filled" } placed)
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
            long due;
            try
            {
                due = await usage.NextAsync(records.Count, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                // Not cancelled by the stop: a request in flight is finished, as a client would.
                Count(batch, await world.Gateway.Client.SubmitUsageAsync(batch, profile.UsageFormat));
                tally.UsageLatency.Record(Micros(due));
            }
            catch (Exception error)
            {
                // Not acknowledged: perhaps counted, perhaps not. Resent at the end, it says which.
                tally.InDoubt.Enqueue(batch);
                Interlocked.Increment(ref tally.InDoubtRequests);
                tally.Error($"usage {name}/{sequence} in doubt: {Describe(error)}");
            }
        }
    }

    /// <summary>Resends every batch whose answer never came, exactly as it was: its answer (the first, if it was counted) goes into the tally.</summary>
    public async Task ResendInDoubtAsync()
    {
        while (tally.InDoubt.TryDequeue(out var batch))
        {
            Count(batch, await world.Gateway.Client.SubmitUsageAsync(batch, profile.UsageFormat));
            Interlocked.Increment(ref tally.Resent);
        }
        while (tally.InDoubtOrders.TryDequeue(out var inDoubt))
        {
            try
            {
                // Its first attempt's outcome, or a fresh one if it never arrived.
                if (inDoubt.Orders.Count == 1)
                {
                    await inDoubt.Client.PlaceOrderAsync(inDoubt.Orders[0]);
                }
                else
                {
                    await inDoubt.Client.PlaceOrdersAsync(inDoubt.Orders);
                }
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

    /// <summary>Members reading their balances, and one read in ten their statement of the last settled cycle, at the profile's rate.</summary>
    private async Task QueryAsync(CancellationToken stop)
    {
        var random = new Random(3000);
        var schedule = SendSchedule.OpenLoop(profile.QueriesPerSecond);
        while (!stop.IsCancellationRequested)
        {
            var buyer = world.Buyers[random.Next(world.Buyers.Count)];
            var statement = random.Next(10) == 0 ? lastSettled : null;
            await CallAsync(async () =>
            {
                await schedule.NextAsync(1, stop);
                if (statement is null)
                {
                    await buyer.Client.GetAccountAsync(buyer.Id, CancellationToken.None);
                }
                else
                {
                    await buyer.Client.GetStatementAsync(buyer.Id, statement, after: null, limit: 100, CancellationToken.None);
                }
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
                    var clock = Stopwatch.StartNew();
                    var cut = await world.Staff.Client.CutOffCycleAsync(CancellationToken.None);
                    tally.CutOffMs.Enqueue(clock.Elapsed.TotalMilliseconds);
                    OnEvent?.Invoke("cut-off", $"{cut.CycleId} cut off in {clock.Elapsed.TotalMilliseconds:0} ms");
                    await SettleThroughAsync(world.Staff.Client, cut, tally, OnEvent);
                    lastSettled = cut.CycleId;
                    Interlocked.Increment(ref tally.CutOffs);
                });
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped between cut-offs.
        }
    }

    /// <summary>Computes and settles every cycle cut off up to <paramref name="last"/>, oldest first, timing each step.</summary>
    public static async Task SettleThroughAsync(ClearingClient staff, CycleResponse last, SimulationTally tally, Action<string, string>? onEvent = null)
    {
        var cycles = await staff.ListCyclesAsync(limit: 100);
        foreach (var cycle in cycles.Cycles.Where(c => c.Number <= last.Number && c.Status is not ("open" or "settled")).OrderBy(c => c.Number))
        {
            var clock = Stopwatch.StartNew();
            if (cycle.Status is "cut_off" or "failed" or "cutting_off")
            {
                await staff.ComputeCycleAsync(cycle.CycleId);
                tally.ComputeMs.Enqueue(clock.Elapsed.TotalMilliseconds);
            }
            var computed = clock.Elapsed;
            await staff.SettleCycleAsync(cycle.CycleId);
            tally.SettleMs.Enqueue((clock.Elapsed - computed).TotalMilliseconds);
            onEvent?.Invoke("settle", $"{cycle.CycleId} computed and settled in {clock.Elapsed.TotalMilliseconds:0} ms");
        }
    }

    private static long Micros(long due) => (long)Stopwatch.GetElapsedTime(due).TotalMicroseconds;

    private async Task<OrderResponse?> OrderAsync(ClearingClient client, CancellationToken stop, OrderRequest order)
    {
        OrderResponse? placed = null;
        await CallAsync(async () =>
        {
            var due = await orders.NextAsync(1, stop);
            try
            {
                placed = await client.PlaceOrderAsync(order, CancellationToken.None);
                Interlocked.Increment(ref tally.OrdersPlaced);
            }
            catch (ClearingProblemException refused) when ((int)refused.Status == 422)
            {
                Interlocked.Increment(ref tally.OrdersRefused);
            }
            catch (Exception error) when (error is not ClearingProblemException { Status: < (System.Net.HttpStatusCode)500 })
            {
                // No answer, or one that does not say: resent at the end with the same client order id.
                tally.InDoubtOrders.Enqueue((client, [order]));
                Interlocked.Increment(ref tally.InDoubtRequests);
                throw;
            }
            tally.OrderLatency.Record(Micros(due));
        });
        return placed;
    }

    /// <summary>One batch request; returns the ids of the orders left resting. Each order counts the batch's latency.</summary>
    private async Task<IReadOnlyList<string>> OrderBatchAsync(ClearingClient client, CancellationToken stop, OrderRequest[] batch)
    {
        IReadOnlyList<string> resting = [];
        await CallAsync(async () =>
        {
            var due = await orders.NextAsync(batch.Length, stop);
            BatchOrdersResponse answer;
            try
            {
                answer = await client.PlaceOrdersAsync(batch, CancellationToken.None);
            }
            catch (Exception error) when (error is not ClearingProblemException { Status: < (System.Net.HttpStatusCode)500 })
            {
                tally.InDoubtOrders.Enqueue((client, batch));
                Interlocked.Increment(ref tally.InDoubtRequests);
                throw;
            }
            Interlocked.Add(ref tally.OrdersPlaced, answer.Placed);
            Interlocked.Add(ref tally.OrdersRefused, answer.Refused);
            Interlocked.Increment(ref tally.OrderBatches);
            var micros = Micros(due);
            for (var i = 0; i < batch.Length; i++)
            {
                tally.OrderLatency.Record(micros);
            }
            resting = [.. answer.Results.Where(r => r.Order is { Status: "resting" or "partially_filled" }).Select(r => r.Order!.OrderId)];
        });
        return resting;
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
