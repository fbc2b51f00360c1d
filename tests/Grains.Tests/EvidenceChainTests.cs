using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Tests;

public sealed class EvidenceChainTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_hash_matches_an_independently_computed_vector()
    {
        // sha256("0"×64 ‖ canonical) computed with Python's hashlib over the documented canonical form.
        var payload = new JsonObject { ["reference"] = "d-1", ["amount"] = 5_000_000, ["name"] = "数据" };

        var entry = EvidenceChain.Next(EvidenceChain.Genesis, new EvidenceRecord("e-1", "account.deposit", "acme", payload), At);

        Assert.Equal(1, entry.Seq);
        Assert.Equal(EvidenceChain.GenesisHash, entry.PrevHash);
        Assert.Equal("9143a9cc350c37fd39be8954629a0276489aab695f19866f85d11915914d90a8", entry.Hash);
        Assert.Equal(
            """{"at":"2026-11-21T08:00:00.000000Z","eventId":"e-1","kind":"account.deposit","payload":{"amount":5000000,"name":"数据","reference":"d-1"},"seq":1,"subject":"acme"}""",
            EvidenceChain.Canonical(1, "e-1", "account.deposit", "acme", payload, At));
    }

    [Fact]
    public void Each_entry_chains_to_the_one_before_and_any_change_breaks_verification()
    {
        var first = EvidenceChain.Next(EvidenceChain.Genesis, new EvidenceRecord("a", "k", "s", new JsonObject { ["n"] = 1 }), At);
        var second = EvidenceChain.Next(new LedgerHead(first.Seq, first.Hash), new EvidenceRecord("b", "k", "s", new JsonObject { ["n"] = 2 }), At);

        Assert.Equal(first.Hash, second.PrevHash);
        Assert.True(EvidenceChain.Verifies(first, EvidenceChain.GenesisHash));
        Assert.True(EvidenceChain.Verifies(second, first.Hash));
        Assert.False(EvidenceChain.Verifies(second with { Payload = new JsonObject { ["n"] = 3 } }, first.Hash));
        Assert.False(EvidenceChain.Verifies(second with { Kind = "other" }, first.Hash));
        Assert.False(EvidenceChain.Verifies(second with { At = At.AddTicks(10) }, first.Hash));
        Assert.False(EvidenceChain.Verifies(second with { Seq = 3 }, first.Hash));
        Assert.False(EvidenceChain.Verifies(second, EvidenceChain.GenesisHash));
    }

    [Fact]
    public void Times_are_kept_to_the_microsecond_so_stored_entries_rehash_identically()
    {
        var entry = EvidenceChain.Next(EvidenceChain.Genesis, new EvidenceRecord("t", "k", "s", []), At.AddTicks(1234567));

        Assert.Equal(At.AddTicks(1234560), entry.At);
        Assert.True(EvidenceChain.Verifies(entry, EvidenceChain.GenesisHash));
    }
}
