using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void Keys_are_sorted_ordinally_at_every_level_without_whitespace()
    {
        var node = JsonNode.Parse("""{ "b": 1, "a": { "z": true, "B": null, "y": [3, 1] }, "A": "x" }""");

        Assert.Equal("""{"A":"x","a":{"B":null,"y":[3,1],"z":true},"b":1}""", CanonicalJson.SerializeToString(node));
    }

    [Fact]
    public void Strings_escape_only_what_JSON_requires()
    {
        var node = new JsonObject { ["s"] = "引号\"反斜杠\\换行\n<tag>&'" };

        Assert.Equal("{\"s\":\"引号\\\"反斜杠\\\\换行\\n<tag>&'\"}", CanonicalJson.SerializeToString(node));
    }

    [Fact]
    public void Fractions_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(new JsonObject { ["price"] = 1.5 }));
    }

    [Fact]
    public void The_order_properties_were_added_in_does_not_change_the_bytes()
    {
        var property = Prop.ForAll(
            Gen.Choose(0, 1_000_000).Select(n => (long)n).ArrayOf().ToArbitrary(),
            values =>
            {
                var forward = new JsonObject();
                var backward = new JsonObject();
                for (var i = 0; i < values.Length; i++)
                {
                    forward[$"k{i}"] = values[i];
                }
                for (var i = values.Length - 1; i >= 0; i--)
                {
                    backward[$"k{i}"] = values[i];
                }
                return CanonicalJson.Serialize(forward).AsSpan().SequenceEqual(CanonicalJson.Serialize(backward));
            });
        Check.One(Config.QuickThrowOnFailure.WithReplay(674386, 1), property);
    }
}
