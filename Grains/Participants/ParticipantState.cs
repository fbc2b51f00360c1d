using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;

namespace ClearingCluster.Grains.Participants;

/// <summary>What a participant persists. Property names are the stored field ids: rename none.</summary>
public sealed class ParticipantState
{
    public bool Registered { get; set; }

    public string Name { get; set; } = "";

    public List<string> Roles { get; set; } = [];

    public int Tier { get; set; }

    public ParticipantStatus Status { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<EvidenceRecord> PendingEvidence { get; set; } = [];

    /// <summary>Gateway participants authorised to place and cancel this participant's orders.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>Suspended, and its open orders not yet all pulled from the books: set with the suspension, cleared after.</summary>
    public bool OrdersToPull { get; set; }
}
