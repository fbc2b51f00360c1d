namespace ClearingCluster.Grains.Metering;

/// <summary>
/// A record as <see cref="MeterBook.Prepare"/> found it before its part is checked: its contract's meter (null when
/// the contract is unknown) and its call's fingerprint, each looked up or hashed once a record.
/// </summary>
public readonly record struct PreparedCall(ContractMeter? Meter, long Fingerprint);
