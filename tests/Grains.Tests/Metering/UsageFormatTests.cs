using ClearingCluster.Wire;
using System.Text;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Grains.Metering.Wire;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests.Metering;

public sealed class UsageFormatTests
{
    private static readonly UsageLimits Limits = new() { RecordsPerBatchMax = 100 };
    private static readonly long At = UsageEnvelope.ToMicros(new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void JSON_reads_the_API_batch_and_marks_each_malformed_record_at_its_index()
    {
        var json = """
            {"producer":"api-gw-7","sequence":42,"extra":{"ignored":[1,2]},"records":[
              {"callId":"c-1","contract":"K-19","at":"2026-11-21T08:00:00Z","units":1},
              {"callId":"c-2","contract":"K-19","at":"2026-11-21T08:00:00Z"},
              {"callId":"c-3","contract":"K-19","at":"yesterday","units":1},
              {"callId":"c-4","contract":"K-19","at":"2026-11-21T08:00:00Z","units":0},
              {"callId":{"nested":true},"contract":"K-19","at":"2026-11-21T08:00:00Z","units":1},
              7,
              {"callId":"c-7","contract":"K-20","at":"2026-11-21T08:00:00Z","units":3,"note":"unknown fields are skipped"}
            ]}
            """;

        var batch = UsageJson.Read(Encoding.UTF8.GetBytes(json), Limits);

        Assert.Equal(("api-gw-7", 42L), (batch.Producer, batch.Sequence));
        Assert.Equal(7, batch.Records.Count);
        Assert.Equal(new UsageRecord("c-1", "K-19", At, 1), batch.Records[0]);
        Assert.All(batch.Records.Skip(1).Take(5), r => Assert.Null(r));
        Assert.Equal(new UsageRecord("c-7", "K-20", At, 3), batch.Records[6]);
    }

    [Theory]
    [InlineData("""{"sequence":1,"records":[{"callId":"c","contract":"k","at":"2026-11-21T08:00:00Z","units":1}]}""", "producer")]
    [InlineData("""{"producer":"p","sequence":-1,"records":[{"callId":"c","contract":"k","at":"2026-11-21T08:00:00Z","units":1}]}""", "sequence")]
    [InlineData("""{"producer":"p","sequence":1,"records":[]}""", "at least one record")]
    [InlineData("""{"producer":"p","sequence":1,"records":[{"callId":"c",""", "not valid JSON")]
    [InlineData("""[1,2,3]""", "expected StartObject")]
    public void An_unusable_JSON_envelope_refuses_the_whole_batch(string json, string expected)
    {
        var error = Assert.Throws<UsageFormatException>(() => UsageJson.Read(Encoding.UTF8.GetBytes(json), Limits));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_batch_over_the_record_limit_is_refused_whole()
    {
        var records = Enumerable.Range(0, 101).Select(i => new UsageRecord($"c{i}", "K", At, 1)).ToList();

        Assert.Throws<UsageFormatException>(() => UsageJson.Read(Encoding.UTF8.GetBytes(Json("p", 1, records)), Limits));
        Assert.Throws<UsageFormatException>(() => UsageNdjson.Read(Encoding.UTF8.GetBytes(Ndjson("p", 1, records)), Limits));
        Assert.Throws<UsageFormatException>(() => UsageBinary.Read(Binary("p", 1, records), Limits));
    }

    [Fact]
    public void A_property_given_twice_refuses_the_envelope_or_makes_the_record_bad()
    {
        const string record = "{\"callId\":\"c\",\"contract\":\"K\",\"at\":\"2026-11-21T08:00:00Z\",\"units\":1}";
        const string twice = "{\"callId\":\"d\",\"contract\":\"K\",\"at\":\"2026-11-21T08:00:00Z\",\"units\":1,\"units\":900}";

        Assert.Contains("sequence is given twice", Assert.Throws<UsageFormatException>(() => UsageJson.Read(
            Encoding.UTF8.GetBytes($"{{\"producer\":\"p\",\"sequence\":1,\"sequence\":2,\"records\":[{record}]}}"), Limits)).Message);
        Assert.Contains("producer is given twice", Assert.Throws<UsageFormatException>(() => UsageNdjson.Read(
            Encoding.UTF8.GetBytes($"{{\"producer\":\"p\",\"producer\":\"q\",\"sequence\":1}}\n{record}"), Limits)).Message);
        var batch = UsageJson.Read(Encoding.UTF8.GetBytes($"{{\"producer\":\"p\",\"sequence\":1,\"records\":[{record},{twice}]}}"), Limits);
        Assert.Equal([new UsageRecord("c", "K", At, 1), null], batch.Records);
    }

    [Fact]
    public void NDJSON_reads_a_header_then_a_record_per_line()
    {
        var ndjson = "{\"producer\":\"gw\",\"sequence\":7}\n"
            + "{\"callId\":\"c-1\",\"contract\":\"K-1\",\"at\":\"2026-11-21T08:00:00Z\",\"units\":2}\r\n"
            + "\n"
            + "{not json}\n"
            + "{\"callId\":\"c-3\",\"contract\":\"K-1\",\"at\":\"2026-11-21T08:00:00Z\",\"units\":1} trailing\n"
            + "{\"callId\":\"c-4\",\"contract\":\"K-1\",\"at\":\"2026-11-21T08:00:00Z\",\"units\":1}";

        var batch = UsageNdjson.Read(Encoding.UTF8.GetBytes(ndjson), Limits);

        Assert.Equal(("gw", 7L), (batch.Producer, batch.Sequence));
        Assert.Equal([new UsageRecord("c-1", "K-1", At, 2), null, null, new UsageRecord("c-4", "K-1", At, 1)], batch.Records);
    }

    [Fact]
    public void A_binary_batch_with_broken_structure_is_refused_and_a_bad_field_is_a_bad_record()
    {
        var good = Binary("gw", 9, [new UsageRecord("c", "K", At, 1), new UsageRecord("d", "K", At, 0)]);

        var batch = UsageBinary.Read(good, Limits);
        Assert.Equal([new UsageRecord("c", "K", At, 1), null], batch.Records);
        Assert.Contains("truncated", Assert.Throws<UsageFormatException>(() => UsageBinary.Read(good.AsSpan(0, good.Length - 1), Limits)).Message);
        Assert.Contains("trailing", Assert.Throws<UsageFormatException>(() => UsageBinary.Read([.. good, 0], Limits)).Message);
        Assert.Contains("CCU1", Assert.Throws<UsageFormatException>(() => UsageBinary.Read([.. "JSON"u8, .. good.AsSpan(4)], Limits)).Message);
    }

    [Fact]
    public void The_three_formats_read_the_same_batch_the_same_way()
    {
        var records = Gen.Choose(1, 30).SelectMany(n =>
            Gen.Choose(0, 1_000_000).Select(i => new UsageRecord($"call-{i}", $"K-{i % 997}", At + i * 1_000_000L, 1 + i % 500)).ArrayOf(n));
        var property = Prop.ForAll(records.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (batch, sequence) =>
        {
            var fromJson = UsageJson.Read(Encoding.UTF8.GetBytes(Json("producer-1", sequence, batch)), Limits);
            var fromNdjson = UsageNdjson.Read(Encoding.UTF8.GetBytes(Ndjson("producer-1", sequence, batch)), Limits);
            var fromBinary = UsageBinary.Read(Binary("producer-1", sequence, batch), Limits);
            return new[] { fromJson, fromNdjson, fromBinary }.All(b =>
                b.Producer == "producer-1" && b.Sequence == sequence && b.Records.SequenceEqual(batch.Select(r => (UsageRecord?)r)));
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(674386, 1), property);
    }

    /// <summary>
    /// Contract ids are decoded once per thread and reused (a small direct-mapped table): across thousands of ids that
    /// collide in it, each still reads as itself; an escaped id reads as its text; bytes that are not UTF-8 make the
    /// record bad in JSON, whether or not the same bytes were read before.
    /// </summary>
    [Fact]
    public void Contract_ids_read_as_themselves_however_often_and_however_many_and_bad_UTF8_stays_a_bad_record()
    {
        var limits = new UsageLimits { RecordsPerBatchMax = 5_000 };
        var records = Enumerable.Range(0, 5_000).Select(i => new UsageRecord($"c-{i}", $"K-{i * 7919 % 3_001}", At, 1)).ToArray();
        for (var pass = 0; pass < 2; pass++)
        {
            Assert.Equal(records.Select(r => r.ContractId), UsageBinary.Read(Binary("p", pass, records), limits).Records.Select(r => r!.Value.ContractId));
            Assert.Equal(records.Select(r => r.ContractId), UsageJson.Read(Encoding.UTF8.GetBytes(Json("p", pass, records)), limits).Records.Select(r => r!.Value.ContractId));
        }

        var escaped = UsageJson.Read("""{"producer":"p","sequence":1,"records":[{"callId":"c","contract":"K-\u0031","at":"2026-11-21T08:00:00Z","units":1}]}"""u8, Limits);
        Assert.Equal("K-1", escaped.Records[0]!.Value.ContractId);
        byte[] notUtf8 = [.. """{"producer":"p","sequence":1,"records":[{"callId":"c","contract":"K-"""u8, 0xC3, 0x28,
            .. "\",\"at\":\"2026-11-21T08:00:00Z\",\"units\":1}]}"u8];
        for (var pass = 0; pass < 2; pass++)
        {
            Assert.Null(UsageJson.Read(notUtf8, Limits).Records[0]);
        }
    }

    private static string Json(string producer, long sequence, IEnumerable<UsageRecord> records) =>
        $$"""{"producer":"{{producer}}","sequence":{{sequence}},"records":[{{string.Join(",", records.Select(RecordJson))}}]}""";

    private static string Ndjson(string producer, long sequence, IEnumerable<UsageRecord> records) =>
        $$"""{"producer":"{{producer}}","sequence":{{sequence}}}""" + "\n" + string.Join("\n", records.Select(RecordJson));

    private static string RecordJson(UsageRecord r) =>
        $$"""{"callId":"{{r.CallId}}","contract":"{{r.ContractId}}","at":"{{UsageEnvelope.FromMicros(r.AtMicros):yyyy-MM-ddTHH:mm:ss.ffffffZ}}","units":{{r.Units}}}""";

    /// <summary>The producers' binary writer (the typed client's), read back by the Gateway's reader.</summary>
    private static byte[] Binary(string producer, long sequence, IEnumerable<UsageRecord> records) =>
        UsageFormats.WriteBinary(new UsageBatchRequest(producer, sequence,
            [.. records.Select(r => new UsageRecordRequest(r.CallId, r.ContractId, UsageEnvelope.FromMicros(r.AtMicros), r.Units))]));
}
