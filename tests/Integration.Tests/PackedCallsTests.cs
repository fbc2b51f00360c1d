using System.Buffers.Binary;
using System.Text;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Silo.Storage;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Integration.Tests;

/// <summary>The packed form of accepted calls: whatever goes in comes out, in either format, and a dispute's needle is in it.</summary>
public sealed class PackedCallsTests
{
    private static readonly Gen<string> CallIds = Gen.OneOf(
        Gen.Elements("0123456789abcdef".ToCharArray()).ArrayOf().Where(a => a.Length is > 0 and < 127).Select(a => new string(a)),
        Gen.Elements("0123456789ABCDEFabcdef-".ToCharArray()).ArrayOf().Where(a => a.Length is > 0 and <= 40).Select(a => new string(a)),
        Gen.Fresh(() => Guid.NewGuid().ToString()),
        Gen.Fresh(() => Guid.NewGuid().ToString().ToUpperInvariant()),
        Gen.Elements("call-", "呼叫-", "x", "gw/7:").SelectMany(p => Gen.Choose(0, 1_000_000).Select(n => p + n)),
        // The longest ids the Gateway takes (64 UTF-16 units): up to 192 bytes of UTF-8, past the one-byte kind's 127.
        Gen.Elements("呼", "😀", "é", "a").ArrayOf().Select(parts => string.Concat(parts)).Where(id => id.Length is > 0 and <= 64));

    [Fact]
    public void Every_call_comes_back_as_it_went_in_and_its_needle_is_in_the_packed_bytes()
    {
        var calls = CallIds.SelectMany(id => Gen.Choose(-3_000_000, 3_000_000).SelectMany(delta => Gen.Choose(1, 1_000_000)
            .SelectMany(units => Gen.Elements("gw/a", "gw/b", "other/c").Select(producer => (producer, new UsageRecord(id, "K-1", 1_764_000_000_000_000 + delta * 997L, units))))))
            .NonEmptyListOf();
        var property = Prop.ForAll(calls.ToArbitrary(), list =>
        {
            var (producers, packed) = PackedCalls.Pack(list);
            var reader = new PackedCalls.Reader(packed);
            var read = new List<(string, long, long, string)>();
            while (reader.Next(out var id, out var at, out var units, out var producer))
            {
                read.Add((Encoding.UTF8.GetString(id), at, units, producers[producer]));
            }
            var expected = list.Select(c => (c.Item2.CallId, c.Item2.AtMicros, c.Item2.Units, c.producer)).ToList();
            var needlesFound = list.All(c => packed.AsSpan().IndexOf(PackedCalls.Needles(c.Item2.CallId).V2) >= 0);
            return read.SequenceEqual(expected) && needlesFound;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(674386, 1), property);
    }

    [Fact]
    public void Rows_written_in_the_first_format_still_read()
    {
        var v1 = new List<byte>();
        foreach (var (id, at, units, producer) in new[] { ("call-1", 1_764_000_000_000_000L, 3u, (ushort)0), ("呼叫", 1_764_000_000_000_123L, 1u, (ushort)1) })
        {
            var bytes = Encoding.UTF8.GetBytes(id);
            v1.Add((byte)bytes.Length);
            v1.AddRange(bytes);
            var fixedPart = new byte[14];
            BinaryPrimitives.WriteInt64LittleEndian(fixedPart, at);
            BinaryPrimitives.WriteUInt32LittleEndian(fixedPart.AsSpan(8), units);
            BinaryPrimitives.WriteUInt16LittleEndian(fixedPart.AsSpan(12), producer);
            v1.AddRange(fixedPart);
        }
        var reader = new PackedCalls.Reader(v1.ToArray());
        Assert.True(reader.Next(out var first, out var firstAt, out var firstUnits, out _));
        Assert.Equal(("call-1", 1_764_000_000_000_000L, 3u), (Encoding.UTF8.GetString(first), firstAt, firstUnits));
        Assert.True(reader.Next(out var second, out _, out _, out var secondProducer));
        Assert.Equal(("呼叫", (ushort)1), (Encoding.UTF8.GetString(second), secondProducer));
        Assert.False(reader.Next(out _, out _, out _, out _));
        Assert.True(v1.ToArray().AsSpan().IndexOf(PackedCalls.Needles("呼叫").V1) >= 0);
    }

    [Fact]
    public void A_trace_id_call_packs_in_about_a_dozen_bytes_and_a_uuid_in_about_twenty()
    {
        var at = 1_764_000_000_000_000L;
        var traceIds = Enumerable.Range(0, 1000).Select(i => ("gw/a", new UsageRecord(Convert.ToHexStringLower(BitConverter.GetBytes(i * 2_654_435_761L)), "K-1", at + i * 1_000, 1)));
        var uuids = Enumerable.Range(0, 1000).Select(i => ("gw/a", new UsageRecord(Guid.NewGuid().ToString(), "K-1", at + i * 1_000, 1)));

        Assert.InRange(PackedCalls.Pack(traceIds).Packed.Length / 1000.0, 12, 14);
        Assert.InRange(PackedCalls.Pack(uuids).Packed.Length / 1000.0, 20, 22);
    }

    [Fact]
    public void The_longest_call_id_the_gateway_takes_packs_and_reads_back()
    {
        var longest = new string('呼', 64);
        Assert.Equal(192, Encoding.UTF8.GetByteCount(longest));
        var (_, packed) = PackedCalls.Pack([("gw", new UsageRecord(longest, "K-1", 1_764_000_000_000_000L, 2)), ("gw", new UsageRecord("after", "K-1", 1_764_000_000_000_001L, 1))]);
        var reader = new PackedCalls.Reader(packed);
        Assert.True(reader.Next(out var id, out _, out var units, out _));
        Assert.Equal((longest, 2u), (Encoding.UTF8.GetString(id), units));
        Assert.True(reader.Next(out var next, out _, out _, out _));
        Assert.Equal("after", Encoding.UTF8.GetString(next));
        Assert.True(packed.AsSpan().IndexOf(PackedCalls.Needles(longest).V2) >= 0);
    }

    [Fact]
    public void A_damaged_value_is_refused_not_misread()
    {
        var (_, packed) = PackedCalls.Pack([("gw", new UsageRecord("0123abcd", "K-1", 1_764_000_000_000_000L, 5))]);
        Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new PackedCalls.Reader(packed.AsSpan(0, packed.Length - 2));
            while (reader.Next(out _, out _, out _, out _))
            {
            }
        });
    }
}
