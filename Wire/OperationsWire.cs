namespace ClearingCluster.Wire;

/// <summary><c>status</c> is <c>live</c>, or <c>ready</c> with what was checked.</summary>
public sealed record HealthResponse(string Status, string? Database = null, string? Silo = null);

/// <summary>One participant whose stored money (µ¥) does not match what the books say it should be.</summary>
public sealed record ReconciliationMismatchResponse(string Participant, long Held, long HeldByBooks, long Escrow, long EscrowByBooks);

/// <summary>Trading's money against the books; <c>held</c> and <c>escrow</c> are the totals over all accounts, in µ¥.</summary>
public sealed record ReconciliationResponse(
    bool Ok, int Books, int Participants, long Held, long Escrow, IReadOnlyList<ReconciliationMismatchResponse> Mismatches, DateTimeOffset At);
