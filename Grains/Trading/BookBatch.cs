using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Grains.Trading;

/// <summary>What one participant did in one batch: for the trading activity index.</summary>
public sealed class ParticipantActivity(string participant)
{
    public string Participant { get; } = participant;

    public List<long> Placed { get; } = [];

    public List<string> ClientOrderIds { get; } = [];

    public List<long> Closed { get; } = [];

    public List<long> Contracts { get; } = [];
}

/// <summary>
/// Everything one book call changes, gathered as the book changes memory, for one commit item: the journal events,
/// the money each account moves (summed per account), the activity index rows, the new contracts' terms (for their
/// evidence) and the fences of the accounts whose reserves it carries.
/// </summary>
public sealed class BookBatch(string product, long item, DateTimeOffset at)
{
    private readonly Dictionary<string, AccountDelta> deltas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccountDelta> notify = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ParticipantActivity> activity = new(StringComparer.Ordinal);

    public string Product { get; } = product;

    public long Item { get; } = item;

    public DateTimeOffset At { get; } = at;

    public List<BookEvent> Events { get; } = [];

    public List<ContractTerms> Contracts { get; } = [];

    public HashSet<WriterFence> Fences { get; } = [];

    public long? FirstOrder { get; private set; }

    public long? LastOrder { get; private set; }

    public bool IsEmpty => Events.Count == 0;

    /// <summary>Every account's summed delta, the gate's own reserves included: what the commit applies.</summary>
    public IReadOnlyList<AccountDelta> Deltas => [.. deltas.Values.Where(d => !d.IsZero)];

    /// <summary>Deltas of accounts that are not in the call chain (makers, owners of cancelled orders): told after the commit.</summary>
    public IReadOnlyList<AccountDelta> Notifications => [.. notify.Values.Where(d => !d.IsZero)];

    public IReadOnlyCollection<ParticipantActivity> Activity => activity.Values;

    public void Move(AccountDelta delta, bool tellAccount)
    {
        Add(deltas, delta);
        if (tellAccount)
        {
            Add(notify, delta);
        }
    }

    public void Placed(string participant, long number, string clientOrderId)
    {
        var a = ActivityOf(participant);
        a.Placed.Add(number);
        a.ClientOrderIds.Add(clientOrderId);
        FirstOrder ??= number;
        LastOrder = number;
    }

    public void Closed(string participant, long number) => ActivityOf(participant).Closed.Add(number);

    public void ContractMade(ContractTerms terms)
    {
        Contracts.Add(terms);
        ActivityOf(terms.Buyer).Contracts.Add(terms.Number);
        ActivityOf(terms.Provider).Contracts.Add(terms.Number);
    }

    private ParticipantActivity ActivityOf(string participant)
    {
        if (!activity.TryGetValue(participant, out var a))
        {
            activity[participant] = a = new ParticipantActivity(participant);
        }
        return a;
    }

    private static void Add(Dictionary<string, AccountDelta> into, AccountDelta delta) =>
        into[delta.AccountId] = into.TryGetValue(delta.AccountId, out var sum) ? sum.Plus(delta) : delta;
}
