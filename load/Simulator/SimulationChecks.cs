using ClearingCluster.Client;

namespace ClearingCluster.Load.Simulator;

/// <summary>One check at the end of a run: its name, whether it held, and what it found.</summary>
public sealed record CheckOutcome(string Name, bool Held, string Detail);

/// <summary>
/// Every check's outcome, each failure's precise difference, and the chaos report's sums: units acknowledged but not
/// counted (lost), counted beyond what was acknowledged (doubled), and µ¥ that appeared or vanished.
/// </summary>
public sealed record SimulationCheckReport(IReadOnlyList<CheckOutcome> Checks, IReadOnlyList<string> Failures, long LostUnits, long DoubleCountedUnits,
    long MicrosCreated);

/// <summary>
/// What must hold at the end of every run, each a precise difference when it does not: every acknowledged usage
/// record counted exactly once (the simulator's tally against each contract's <c>used</c> and against the settled
/// statements), money conserved (all accounts together changed by exactly the deposits made), no account negative,
/// held equal to the resting buys and escrow to the contracts (reconciliation), and the ledger verifying.
/// </summary>
public static class SimulationChecks
{
    public static async Task<SimulationCheckReport> RunAsync(SimulationWorld world, SimulationTally tally, long totalBefore, long exchangeBefore,
        long firstCycle, long lastCycle)
    {
        var failures = new List<string>();
        var admin = world.Admin;
        long lost = 0, doubled = 0, units = 0;

        foreach (var contract in world.Contracts)
        {
            var counted = (await admin.GetContractAsync(contract)).Used;
            var acknowledged = tally.UnitsByContract.GetValueOrDefault(contract);
            units += acknowledged;
            lost += Math.Max(0, acknowledged - counted);
            doubled += Math.Max(0, counted - acknowledged);
            if (counted != acknowledged)
            {
                failures.Add($"usage: contract {contract} used {counted} units, the simulator had {acknowledged} acknowledged");
            }
        }

        var settled = new Dictionary<string, long>(StringComparer.Ordinal);
        var ours = world.Contracts.ToHashSet(StringComparer.Ordinal);
        for (var number = firstCycle; number <= lastCycle; number++)
        {
            foreach (var buyer in world.Buyers)
            {
                string? after = null;
                do
                {
                    var statement = await admin.GetStatementAsync(buyer.Id, $"c{number}", after, 10_000);
                    foreach (var line in statement.Lines.Where(l => ours.Contains(l.ContractId)))
                    {
                        settled[line.ContractId] = settled.GetValueOrDefault(line.ContractId) + line.Units;
                    }
                    after = statement.NextAfter;
                }
                while (after is not null);
            }
        }
        foreach (var contract in world.Contracts)
        {
            if (settled.GetValueOrDefault(contract) != tally.UnitsByContract.GetValueOrDefault(contract))
            {
                failures.Add($"statements: contract {contract} settled {settled.GetValueOrDefault(contract)} units over cycles c{firstCycle}–c{lastCycle}, "
                    + $"the simulator had {tally.UnitsByContract.GetValueOrDefault(contract)} acknowledged");
            }
        }

        var (totalAfter, negative) = await MoneyAsync(admin);
        if (totalAfter - totalBefore != world.DepositedMicros)
        {
            failures.Add($"money: all accounts hold {totalAfter} µ¥, {totalAfter - totalBefore} more than before the run; the run deposited {world.DepositedMicros}"
                + $" ({totalAfter - totalBefore - world.DepositedMicros:+#;-#;0} µ¥ created)");
        }
        failures.AddRange(negative.Select(n => $"money: account {n} is negative"));

        // The exchange earns nothing but fees: what it received is what the run's cycles charged.
        long fees = 0;
        for (var number = firstCycle; number <= lastCycle; number++)
        {
            fees += (await admin.GetCycleAsync($"c{number}")).Report?.Fees ?? 0;
        }
        var received = await ExchangeAsync(admin) - exchangeBefore;
        if (received != fees)
        {
            failures.Add($"fees: the cycles c{firstCycle}–c{lastCycle} charged {fees} µ¥ of fees, the exchange received {received} µ¥");
        }

        var reconciliation = await admin.ReconcileTradingAsync();
        if (!reconciliation.Ok)
        {
            failures.AddRange(reconciliation.Mismatches.Select(m =>
                $"reconciliation: {m.Participant} holds {m.Held} µ¥ for buys the books value at {m.HeldByBooks}, escrow {m.Escrow} against {m.EscrowByBooks}"));
        }
        var ledger = await admin.VerifyLedgerAsync();
        if (!ledger.Ok)
        {
            failures.Add($"ledger: entry {ledger.FirstBadSeq} does not verify: {ledger.Problem}");
        }

        var created = totalAfter - totalBefore - world.DepositedMicros;
        CheckOutcome Check(string name, string held)
        {
            var first = failures.FirstOrDefault(f => f.StartsWith(name + ":", StringComparison.Ordinal));
            return new CheckOutcome(name, first is null, first ?? held);
        }
        CheckOutcome[] checks =
        [
            Check("usage", $"{world.Contracts.Count} contracts used exactly the {units:N0} units acknowledged"),
            Check("statements", $"cycles c{firstCycle}–c{lastCycle} settled exactly the {units:N0} units acknowledged"),
            Check("money", $"all accounts changed by the {world.DepositedMicros:N0} µ¥ deposited; none negative"),
            Check("fees", $"the exchange received the {fees:N0} µ¥ of fees its cycles charged"),
            Check("reconciliation", "held equals the resting buys, escrow the contracts, for every participant"),
            Check("ledger", $"{ledger.Entries:N0} entries verify"),
        ];
        return new SimulationCheckReport(checks, failures, lost, doubled, created);
    }

    /// <summary>The exchange's own account, all of it (0 before its first fee).</summary>
    public static async Task<long> ExchangeAsync(ClearingClient admin)
    {
        try
        {
            var account = await admin.GetAccountAsync("exchange");
            return account.Available + account.Held + account.Escrow + account.Backing;
        }
        catch (ClearingProblemException missing) when (missing.Code == "unknown_account")
        {
            return 0;
        }
    }

    /// <summary>The sum of every account (all participants and the exchange's own), and any below zero.</summary>
    public static async Task<(long Total, IReadOnlyList<string> Negative)> MoneyAsync(ClearingClient admin)
    {
        var ids = new List<string> { "exchange", "voucher-fund" };
        string? cursor = null;
        do
        {
            var page = await admin.ListParticipantsAsync(cursor: cursor, limit: 200);
            ids.AddRange(page.Items.Select(p => p.Id));
            cursor = page.Next;
        }
        while (cursor is not null);

        long total = 0;
        var negative = new List<string>();
        foreach (var id in ids)
        {
            try
            {
                var account = await admin.GetAccountAsync(id);
                total += account.Available + account.Held + account.Escrow + account.Backing;
                if (account.Available < 0 || account.Held < 0 || account.Escrow < 0 || account.Backing < 0)
                {
                    negative.Add(id);
                }
            }
            catch (ClearingProblemException missing) when (missing.Code == "unknown_account")
            {
                // A participant that never held money has no account.
            }
        }
        return (total, negative);
    }
}
