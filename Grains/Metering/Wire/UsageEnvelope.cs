using ClearingCluster.Interfaces.Metering;
namespace ClearingCluster.Grains.Metering.Wire;

/// <summary>The checks every format shares: the envelope, and each record's fields and bounds.</summary>
public static class UsageEnvelope
{
    public static UsageBatch Build(string? producer, long? sequence, List<UsageRecord?> records, UsageLimits limits)
    {
        if (string.IsNullOrEmpty(producer) || producer.Length > limits.ProducerLengthMax || producer.Any(char.IsControl))
        {
            throw new UsageFormatException($"producer must be 1–{limits.ProducerLengthMax} characters");
        }
        if (sequence is not >= 0)
        {
            throw new UsageFormatException("sequence must be a number ≥ 0");
        }
        if (records.Count == 0)
        {
            throw new UsageFormatException("a batch carries at least one record");
        }
        return new UsageBatch(producer, sequence.Value, records);
    }

    /// <summary>A record, or null (<c>bad_record</c>) when a field is missing or out of bounds.</summary>
    public static UsageRecord? Record(string? callId, string? contract, long? atMicros, long? units, UsageLimits limits) =>
        string.IsNullOrEmpty(callId) || callId.Length > limits.CallIdLengthMax
        || string.IsNullOrEmpty(contract) || contract.Length > limits.ContractIdLengthMax
        || atMicros is null || units is not (>= 1) || units > limits.UnitsPerRecordMax
            ? null
            : new UsageRecord(callId, contract, atMicros.Value, units.Value);

    /// <summary>Marks an envelope property read; the second time refuses the batch (no "last one wins").</summary>
    public static void Once(ref int seen, int bit, string name)
    {
        if ((seen & bit) != 0)
        {
            throw new UsageFormatException($"{name} is given twice");
        }
        seen |= bit;
    }

    public static long ToMicros(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
}
