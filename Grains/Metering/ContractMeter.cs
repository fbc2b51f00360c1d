namespace ClearingCluster.Grains.Metering;

/// <summary>What a meter shard knows of one contract: its window, its quota, and what it has used so far.</summary>
public sealed class ContractMeter(string contractId, long quota, long used, long validFromMicros, long validToMicros, bool active, string buyer = "")
{
    public string ContractId { get; } = contractId;

    public string Buyer { get; } = buyer;

    public long Quota { get; } = quota;

    /// <summary>Units used, durable and pending together.</summary>
    public long Used { get; internal set; } = used;

    public long ValidFromMicros { get; } = validFromMicros;

    public long ValidToMicros { get; } = validToMicros;

    public bool Active { get; } = active;

    public long Left => Quota - Used;

    /// <summary>The contract's deduplication window, while its shard holds it in memory (kept by <see cref="MeterBook"/>).</summary>
    public CallWindow? Calls { get; internal set; }

    /// <summary>How many times the window was forgotten (kept across reloads of the meter).</summary>
    internal long CallsForgotten { get; set; }
}
