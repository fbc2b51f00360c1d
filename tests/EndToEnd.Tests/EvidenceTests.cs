using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using Npgsql;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// Contracts on the evidence ledger, a batch under one Merkle root: each contract's proof is checked here the way a
/// regulator would check it, from the answer alone (RFC 9162 inclusion proof, the entry's root, the verified chain).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class EvidenceTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Fact]
    public async Task Every_contract_of_a_batch_proves_itself_under_the_root_of_one_verified_ledger_entry()
    {
        var (product, provider, providerClient, buyer, buyerClient) = await MarketAsync(exchange);
        foreach (var (price, i) in new[] { (1_000L, 1), (1_010L, 2), (1_020L, 3) })
        {
            await Exchange.Ok(await providerClient.PostAsJsonAsync("/v1/orders", new
            {
                clientOrderId = $"s-{i}", participant = provider, product, side = "sell", price, quantity = 10,
            }), HttpStatusCode.Created);
        }
        var buy = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "b-1", participant = buyer, product, side = "buy", price = 1_020, quantity = 30, scenario = "credit-risk", validityDays = 30,
        }), HttpStatusCode.Created);
        var contracts = buy.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(3, contracts.Count);

        var roots = new HashSet<string>();
        foreach (var contract in contracts)
        {
            var evidence = await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contract}/evidence"));
            var terms = evidence.GetProperty("canonicalTerms").GetString()!;
            var leaf = SHA256.HashData([0x00, .. Encoding.UTF8.GetBytes(terms)]);
            Assert.Equal(Convert.ToHexStringLower(leaf), evidence.GetProperty("evidenceCode").GetString());
            Assert.Equal(evidence.GetProperty("evidenceCode").GetString(), (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contract}"))).GetProperty("evidenceCode").GetString());
            Assert.Contains($"\"id\":\"{contract}\"", terms);

            var root = evidence.GetProperty("root").GetString()!;
            var path = evidence.GetProperty("auditPath").EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!)).ToList();
            Assert.True(Included(leaf, evidence.GetProperty("leafIndex").GetInt64(), evidence.GetProperty("leafCount").GetInt64(), path, Convert.FromHexString(root)));

            var entry = evidence.GetProperty("entry");
            Assert.Equal("contracts.evidenced", entry.GetProperty("kind").GetString());
            Assert.Equal(product, entry.GetProperty("subject").GetString());
            Assert.Equal(root, entry.GetProperty("payload").GetProperty("root").GetString());
            Assert.Equal(3, entry.GetProperty("payload").GetProperty("count").GetInt64());
            roots.Add(root);

            // The entry is the ledger's own, and the chain through it verifies.
            var stored = (await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/ledger/entries?after={entry.GetProperty("seq").GetInt64() - 1}&limit=1")))
                .GetProperty("entries")[0];
            Assert.Equal(entry.GetProperty("hash").GetString(), stored.GetProperty("hash").GetString());
        }
        Assert.Single(roots);
        Assert.True((await Exchange.Ok(await exchange.Admin.GetAsync("/v1/ledger/verify"))).GetProperty("ok").GetBoolean());

        var (_, stranger) = await exchange.MemberAsync("stranger", "buyer");
        await ProblemAssert.IsProblem(await stranger.GetAsync($"/v1/contracts/{contracts[0]}/evidence"), HttpStatusCode.NotFound, "unknown_contract");
        await Exchange.Ok(await providerClient.GetAsync($"/v1/contracts/{contracts[0]}/evidence"));
    }

    [Fact]
    public async Task Contracts_a_crash_left_off_the_ledger_stay_usable_and_are_put_on_it_by_their_book_or_by_the_sweep_at_start()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        string contract, product, buyerKey, gatewayKey;
        DateTimeOffset from;
        await using (var first = GatewayFactory.Start(database, GatewayFixture.AdminKey))
        {
            var x = new Exchange(first, GatewayFixture.AdminKey);
            (product, var provider, var providerClient, var buyer, var buyerClient) = await MarketAsync(x);
            buyerKey = await x.KeyAsync(buyer);
            var (gateway, _) = await x.MemberAsync("gw", "gateway");
            gatewayKey = await x.KeyAsync(gateway);
            await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s", participant = provider, product, side = "sell", price = 100, quantity = 50 });
            var buy = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
            {
                clientOrderId = "b", participant = buyer, product, side = "buy", price = 100, quantity = 50, scenario = "credit-risk", validityDays = 30,
            }), HttpStatusCode.Created);
            contract = buy.GetProperty("contracts")[0].GetString()!;
            from = buy.GetProperty("createdAt").GetDateTimeOffset();
        }

        // As if the process died after the batch committed and before its evidence entry did.
        await DropEvidenceAsync(database, product);
        var usage = new { producer = "p", sequence = 1, records = new[] { new { callId = "c1", contract, at = from.AddSeconds(1), units = 1 } } };
        await using (var noSweep = GatewayFactory.Start(database, GatewayFixture.AdminKey, settings: new Dictionary<string, string>
        {
            ["Clearing:Trading:EvidenceSweepAtStart"] = "false",
        }))
        {
            using var buyer = noSweep.Client(buyerKey);
            using var gateway = noSweep.Client(gatewayKey);
            var view = await Exchange.Ok(await buyer.GetAsync($"/v1/contracts/{contract}"));
            Assert.Equal("active", view.GetProperty("status").GetString());
            Assert.False(view.GetProperty("evidenced").GetBoolean());
            // The contract is binding without its entry: usage counts.
            Assert.Equal(1, (await Exchange.Ok(await gateway.PostAsJsonAsync("/v1/usage", usage))).GetProperty("accepted").GetInt32());

            // Asking for its proof wakes its book, which finds its contracts without evidence and puts them on the ledger.
            var proof = await Exchange.Ok(await buyer.GetAsync($"/v1/contracts/{contract}/evidence"));
            Assert.Equal(product, proof.GetProperty("entry").GetProperty("subject").GetString());
            Assert.True((await Exchange.Ok(await buyer.GetAsync($"/v1/contracts/{contract}"))).GetProperty("evidenced").GetBoolean());
        }

        // Again, and this time the silo's sweep at start does it before anyone asks.
        await DropEvidenceAsync(database, product);
        await using var swept = GatewayFactory.Start(database, GatewayFixture.AdminKey);
        using var buyerAgain = swept.Client(buyerKey);
        Assert.True((await Exchange.Ok(await buyerAgain.GetAsync($"/v1/contracts/{contract}"))).GetProperty("evidenced").GetBoolean());
        using var admin = swept.Client(GatewayFixture.AdminKey);
        Assert.True((await Exchange.Ok(await admin.GetAsync("/v1/ledger/verify"))).GetProperty("ok").GetBoolean());
    }

    /// <summary>
    /// A quiet book's first contract goes on the ledger at once; the next ones wait for the pace (here far longer than
    /// the test) and share one entry; asking for one's evidence ends the wait; one still waiting when the silo stops is
    /// not lost: the book's next activation puts it on the ledger (a leaving silo stops serving the ledger's partition
    /// before its books deactivate, so they cannot write it then).
    /// </summary>
    [Fact]
    public async Task Contracts_after_an_entry_wait_for_the_pace_and_share_an_entry_asking_for_evidence_ends_the_wait_and_a_stop_loses_none()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        var paced = new Dictionary<string, string> { ["Clearing:Trading:EvidenceEvery"] = "01:00:00" };
        string buyerKey, last;
        await using (var gateway = GatewayFactory.Start(database, GatewayFixture.AdminKey, settings: paced))
        {
            var x = new Exchange(gateway, GatewayFixture.AdminKey);
            var (product, provider, providerClient, buyer, buyerClient) = await MarketAsync(x);
            buyerKey = await x.KeyAsync(buyer);
            var contracts = new List<string>();
            for (var i = 1; i <= 4; i++)
            {
                await Exchange.Ok(await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = $"s-{i}", participant = provider, product, side = "sell", price = 100, quantity = 5 }),
                    HttpStatusCode.Created);
                var buy = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
                {
                    clientOrderId = $"b-{i}", participant = buyer, product, side = "buy", price = 100, quantity = 5, scenario = "credit-risk", validityDays = 30,
                }), HttpStatusCode.Created);
                contracts.Add(buy.GetProperty("contracts")[0].GetString()!);
                if (i == 1)
                {
                    // The first entry went at once; the pace counts from it.
                    var first = (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contracts[0]}/evidence"))).GetProperty("entry");
                    Assert.Equal(1, first.GetProperty("payload").GetProperty("count").GetInt64());
                }
            }

            // None of the later contracts is on the ledger yet: the pace holds them.
            foreach (var waiting in contracts.Skip(1))
            {
                Assert.False((await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{waiting}"))).GetProperty("evidenced").GetBoolean());
            }
            var entry = (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contracts[3]}/evidence"))).GetProperty("entry");
            Assert.Equal(3, entry.GetProperty("payload").GetProperty("count").GetInt64());
            Assert.Equal(entry.GetProperty("seq").GetInt64(),
                (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contracts[1]}/evidence"))).GetProperty("entry").GetProperty("seq").GetInt64());

            // One more under the pace, left for the stop.
            await Exchange.Ok(await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s-5", participant = provider, product, side = "sell", price = 100, quantity = 5 }),
                HttpStatusCode.Created);
            last = (await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
            {
                clientOrderId = "b-5", participant = buyer, product, side = "buy", price = 100, quantity = 5, scenario = "credit-risk", validityDays = 30,
            }), HttpStatusCode.Created)).GetProperty("contracts")[0].GetString()!;
            Assert.False((await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{last}"))).GetProperty("evidenced").GetBoolean());
        }

        paced["Clearing:Trading:EvidenceSweepAtStart"] = "false";
        await using var restarted = GatewayFactory.Start(database, GatewayFixture.AdminKey, settings: paced);
        using var buyerAgain = restarted.Client(buyerKey);
        var redelivered = (await Exchange.Ok(await buyerAgain.GetAsync($"/v1/contracts/{last}/evidence"))).GetProperty("entry");
        Assert.Equal(1, redelivered.GetProperty("payload").GetProperty("count").GetInt64());
        Assert.True((await Exchange.Ok(await buyerAgain.GetAsync($"/v1/contracts/{last}"))).GetProperty("evidenced").GetBoolean());
        Assert.True((await Exchange.Ok(await new Exchange(restarted, GatewayFixture.AdminKey).Admin.GetAsync("/v1/ledger/verify"))).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task A_contracts_entry_whose_root_is_not_its_contracts_root_fails_verify_at_that_entry_even_with_the_chain_rehashed()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        await using var gateway = GatewayFactory.Start(database, GatewayFixture.AdminKey);
        var x = new Exchange(gateway, GatewayFixture.AdminKey);
        var (product, provider, providerClient, buyer, buyerClient) = await MarketAsync(x);
        await Exchange.Ok(await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s", participant = provider, product, side = "sell", price = 100, quantity = 20 }),
            HttpStatusCode.Created);
        var buy = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "b", participant = buyer, product, side = "buy", price = 100, quantity = 20, scenario = "credit-risk", validityDays = 30,
        }), HttpStatusCode.Created);
        var entry = (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{buy.GetProperty("contracts")[0].GetString()}/evidence"))).GetProperty("entry");
        Assert.True((await Exchange.Ok(await x.Admin.GetAsync("/v1/ledger/verify"))).GetProperty("ok").GetBoolean());

        // A forger who swaps the root and recomputes the entry's hash keeps the chain whole; only the journal can tell.
        var seq = entry.GetProperty("seq").GetInt64();
        var payload = JsonNode.Parse(entry.GetProperty("payload").GetRawText())!.AsObject();
        payload["root"] = new string('a', 64);
        var hash = EvidenceChain.Hash(entry.GetProperty("prevHash").GetString()!, seq, entry.GetProperty("eventId").GetString()!,
            entry.GetProperty("kind").GetString()!, entry.GetProperty("subject").GetString()!, payload, entry.GetProperty("at").GetDateTimeOffset());
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var forge = new NpgsqlCommand("UPDATE ledger_entries SET payload = $1::jsonb, hash = $2 WHERE seq = $3 AND seq = (SELECT max(seq) FROM ledger_entries)",
                connection);
            forge.Parameters.Add(new NpgsqlParameter { Value = payload.ToJsonString() });
            forge.Parameters.Add(new NpgsqlParameter { Value = hash });
            forge.Parameters.Add(new NpgsqlParameter { Value = seq });
            Assert.Equal(1, await forge.ExecuteNonQueryAsync());
        }

        var verified = await Exchange.Ok(await x.Admin.GetAsync("/v1/ledger/verify"));
        Assert.False(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(seq, verified.GetProperty("firstBadSeq").GetInt64());
        Assert.Contains("Merkle root", verified.GetProperty("problem").GetString());
    }

    /// <summary>Removes the product's last evidence entry, which must be the ledger's last entry, so the chain stays whole.</summary>
    private static async Task DropEvidenceAsync(string database, string product)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand("""
            DELETE FROM ledger_entries WHERE kind = 'contracts.evidenced' AND subject = $1
                AND seq = (SELECT max(seq) FROM ledger_entries) RETURNING seq
            """, connection);
        drop.Parameters.Add(new NpgsqlParameter { Value = product });
        Assert.NotNull(await drop.ExecuteScalarAsync());
    }

    private static async Task<(string Product, string Provider, HttpClient ProviderClient, string Buyer, HttpClient BuyerClient)> MarketAsync(Exchange x)
    {
        var (provider, providerClient) = await x.MemberAsync("prov", "provider");
        var (buyer, buyerClient) = await x.MemberAsync("buyer", "buyer");
        await x.DepositAsync(buyer, 1_000_000_000, "funding");
        return (await x.ListedProductAsync(provider, providerClient), provider, providerClient, buyer, buyerClient);
    }

    /// <summary>RFC 9162 §2.1.3.2, written out here so the test does not trust the code under test.</summary>
    private static bool Included(byte[] leaf, long index, long size, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (index >= size)
        {
            return false;
        }
        long fn = index, sn = size - 1;
        var r = leaf;
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = SHA256.HashData([0x01, .. p, .. r]);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = SHA256.HashData([0x01, .. r, .. p]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }
}
