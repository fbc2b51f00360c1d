namespace ClearingCluster.Wire;

/// <summary><c>status</c> is <c>live</c>, or <c>ready</c> with what was checked.</summary>
public sealed record HealthResponse(string Status, string? Database = null, string? Silo = null);

/// <summary>One participant whose stored money (µ¥) does not match what the books say it should be.</summary>
public sealed record ReconciliationMismatchResponse(string Participant, long Held, long HeldByBooks, long Escrow, long EscrowByBooks);

/// <summary>Trading's money against the books; <c>held</c> and <c>escrow</c> are the totals over all accounts, in µ¥.</summary>
public sealed record ReconciliationResponse(
    bool Ok, int Books, int Participants, long Held, long Escrow, IReadOnlyList<ReconciliationMismatchResponse> Mismatches, DateTimeOffset At);

/// <summary>
/// The cluster as partition ownership shows it (docs/CLUSTER.md): this silo, every silo holding partitions, and how
/// many partitions nobody holds. <c>serving</c> counts this silo's partitions whose lease it may still act on.
/// <c>members</c> is the membership table (every silo incarnation and its status) at <c>membershipVersion</c>.
/// </summary>
public sealed record ClusterResponse(
    string Silo, int Partitions, int Held, int Serving, int Unowned, IReadOnlyList<ClusterSiloResponse> Silos, DateTimeOffset At,
    IReadOnlyList<ClusterMemberResponse> Members, int MembershipVersion);

/// <summary>
/// One silo incarnation in the membership table: <c>status</c> is <c>active</c>, <c>dead</c> (left, or silent longer
/// than the named limit) or another of Orleans' statuses (<c>joining</c>, <c>shutting_down</c>, …); <c>self</c> marks the answering silo.
/// </summary>
public sealed record ClusterMemberResponse(
    string Name, string Host, string Address, int Port, int Generation, string Status, int? ProxyPort, DateTimeOffset Started,
    DateTimeOffset LastAlive, bool Self);

/// <summary>
/// One silo holding partitions: how many, which (<c>ranges</c>, such as <c>0-3,7,9-12</c>), their epochs, and when the
/// last of its leases runs out (the database's clock).
/// </summary>
public sealed record ClusterSiloResponse(string Name, int Partitions, long EpochMin, long EpochMax, DateTimeOffset LeaseUntil, string Ranges);
