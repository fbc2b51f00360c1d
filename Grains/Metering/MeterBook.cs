using ClearingCluster.Interfaces.Metering;
namespace ClearingCluster.Grains.Metering;

/// <summary>
/// A shard's rules for counting usage, with no I/O. A record counts only if its contract is known and active,
/// the call is not dated after <c>notAfterMicros</c> (the clock plus the skew allowed), falls inside the contract's
/// validity window, the contract did not end by the last cut-off (<c>closedThroughMicros</c>: its escrow is settled),
/// and the quota has room for all of its units; otherwise it
/// is rejected with the first rule it breaks and nothing is counted for it. Never counts past a quota.
/// </summary>
public sealed class MeterBook
{
    private readonly Dictionary<string, ContractMeter> contracts = new(StringComparer.Ordinal);

    public int ContractCount => contracts.Count;

    public void Track(ContractMeter meter) => contracts[meter.ContractId] = meter;

    public ContractMeter? Find(string contractId) => contracts.GetValueOrDefault(contractId);

    /// <summary>Checks one record and, if it counts, adds its units to its contract's use.</summary>
    public UsageRejection Apply(in UsageRecord record, long notAfterMicros = long.MaxValue, long closedThroughMicros = long.MinValue)
    {
        if (!contracts.TryGetValue(record.ContractId, out var meter))
        {
            return UsageRejection.UnknownContract;
        }
        if (!meter.Active)
        {
            return UsageRejection.ContractNotActive;
        }
        if (record.AtMicros > notAfterMicros)
        {
            return UsageRejection.FutureCall;
        }
        if (record.AtMicros < meter.ValidFromMicros || record.AtMicros >= meter.ValidToMicros)
        {
            return UsageRejection.OutsideValidity;
        }
        if (meter.ValidToMicros <= closedThroughMicros)
        {
            return UsageRejection.ContractClosed;
        }
        if (record.Units > meter.Left)
        {
            return UsageRejection.QuotaExceeded;
        }
        meter.Used += record.Units;
        return UsageRejection.None;
    }

    /// <summary>Takes back units counted for a batch that did not become durable.</summary>
    public void Revert(in UsageRecord record)
    {
        var meter = contracts[record.ContractId];
        meter.Used -= record.Units;
        if (meter.Used < 0)
        {
            throw new InvalidOperationException($"contract {record.ContractId}: reverting more than was counted");
        }
    }
}
