using System.Buffers;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading.Journal;

/// <summary>One commit item's events: the book's item sequence number, their common time, the events in order.</summary>
public sealed record JournalChunk(long Item, DateTimeOffset At, IReadOnlyList<BookEvent> Events);

/// <summary>
/// The journal's binary format (version 1), documented in docs/TRADING.md. A journal row is one or more chunks
/// back to back; a chunk is <c>u8 version, i64 at (µs since 1970 UTC), varint item, varint event count, events</c>.
/// Numbers are unsigned LEB128 varints. Ids that repeat (participants, scenarios) are written once per chunk, where
/// first used: a reference is <c>0</c> followed by the string (which takes the next index), or <c>index + 1</c>.
/// </summary>
public static class BookJournal
{
    public const byte Version = 1;

    private const byte TagPlaced = 1;
    private const byte TagContract = 2;
    private const byte TagCancelled = 3;
    private const byte TagReduced = 4;

    /// <summary>Reasons an order ends or shrinks, by their code in the format. Append only: a code never changes meaning.</summary>
    private static readonly string?[] Reasons =
    [
        null,
        "not_immediately_fillable",
        "fill_or_kill",
        "self_trade_prevented",
        "max_cost_reached",
        "cancelled_by_owner",
        "cancelled_by_gateway",
        "cancelled_by_staff",
        "book_full",
        "participant_suspended",
        "product_delisted",
    ];

    private static readonly string[] Statuses = [OrderStatus.Resting, OrderStatus.PartiallyFilled, OrderStatus.Filled, OrderStatus.Cancelled];

    /// <summary>Per thread, the buffer and string index a chunk is encoded with: books encode one chunk per commit.</summary>
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Output, Dictionary<string, int> Strings)? scratch;

    public static byte[] Encode(long item, DateTimeOffset at, IReadOnlyList<BookEvent> events)
    {
        var (output, strings) = scratch ??= (new ArrayBufferWriter<byte>(64 * 1024), new Dictionary<string, int>(StringComparer.Ordinal));
        output.ResetWrittenCount();
        strings.Clear();
        var w = new JournalWriter(output);
        w.Byte(Version);
        w.Int64(Micros(at));
        w.Varint(item);
        w.Varint(events.Count);
        void Ref(ref JournalWriter w, string value)
        {
            if (strings.TryGetValue(value, out var index))
            {
                w.Varint(index + 1);
                return;
            }
            strings[value] = strings.Count;
            w.Varint(0);
            w.Text(value);
        }
        foreach (var e in events)
        {
            if (e.At != at)
            {
                throw new ArgumentException("every event of a chunk carries the chunk's time", nameof(events));
            }
            switch (e)
            {
                case OrderPlaced p:
                    w.Byte(TagPlaced);
                    w.Varint(p.Number);
                    w.Varint(p.Sequence);
                    Ref(ref w, p.Participant);
                    w.Text(p.ClientOrderId);
                    Ref(ref w, p.EnteredBy);
                    w.Byte((byte)(Code(p.Side, "buy", "sell") | Code(p.Type, "limit", "market") << 1 | Code(p.TimeInForce, "gtc", "ioc", "fok") << 2
                        | Array.IndexOf(Statuses, p.Status) << 4));
                    w.Varint(p.PriceMicros);
                    w.Varint(p.Quantity);
                    w.Varint(p.MaxCostMicros);
                    w.Byte(p.Scenario is null ? (byte)0 : (byte)1);
                    if (p.Scenario is not null)
                    {
                        Ref(ref w, p.Scenario);
                    }
                    w.Varint(p.ValidityDays);
                    w.Varint(p.ReservedMicros);
                    w.Varint(p.Filled);
                    w.Varint(p.Remaining);
                    w.Byte(ReasonCode(p.Reason));
                    w.Varint(p.ReleasedMicros);
                    break;
                case ContractMade c:
                    w.Byte(TagContract);
                    w.Varint(c.ContractNumber);
                    w.Varint(c.BuyOrder);
                    w.Varint(c.SellOrder);
                    w.Varint(c.PriceMicros);
                    w.Varint(c.Quantity);
                    Ref(ref w, c.Buyer);
                    Ref(ref w, c.Provider);
                    Ref(ref w, c.Scenario);
                    Ref(ref w, c.Delivery);
                    w.Int64(Micros(c.ValidTo));
                    w.Varint(c.FeeBasisPoints);
                    w.Byte(c.MakerOrder == c.BuyOrder ? (byte)0 : c.MakerOrder == c.SellOrder ? (byte)1
                        : throw new ArgumentException($"contract {c.ContractNumber}: the maker is neither of its orders"));
                    w.Varint(c.MakerFilled);
                    w.Varint(c.MakerRemaining);
                    break;
                case OrderCancelled x:
                    w.Byte(TagCancelled);
                    w.Varint(x.Number);
                    w.Varint(x.Filled);
                    w.Varint(x.CancelledQuantity);
                    w.Varint(x.ReleasedMicros);
                    w.Byte(ReasonCode(x.Reason));
                    Ref(ref w, x.By);
                    break;
                case OrderReduced r:
                    w.Byte(TagReduced);
                    w.Varint(r.Number);
                    w.Varint(r.Remaining);
                    w.Varint(r.ReleasedMicros);
                    Ref(ref w, r.By);
                    break;
                default:
                    throw new ArgumentException($"no journal encoding for {e.GetType().Name}");
            }
        }
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Every chunk of a journal row (or of one encoded chunk), in order.</summary>
    public static IReadOnlyList<JournalChunk> Decode(ReadOnlySpan<byte> data)
    {
        var chunks = new List<JournalChunk>();
        var r = new JournalReader(data);
        while (!r.AtEnd)
        {
            chunks.Add(ReadChunk(ref r));
        }
        return chunks;
    }

    private static JournalChunk ReadChunk(ref JournalReader r)
    {
        var version = r.Byte();
        if (version != Version)
        {
            throw new JournalFormatException($"journal chunk version {version} is not known (this build reads {Version})");
        }
        var at = FromMicros(r.Int64());
        var item = r.Varint();
        var count = r.Int32();
        var strings = new List<string>();
        var events = new List<BookEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var tag = r.Byte();
            switch (tag)
            {
                case TagPlaced:
                {
                    var number = r.Varint();
                    var sequence = r.Varint();
                    var participant = Ref(strings, ref r);
                    var clientOrderId = r.Text();
                    var enteredBy = Ref(strings, ref r);
                    var flags = r.Byte();
                    var price = r.Varint();
                    var quantity = r.Varint();
                    var maxCost = r.Varint();
                    var scenario = r.Byte() == 0 ? null : Ref(strings, ref r);
                    var validityDays = r.Int32();
                    var reserved = r.Varint();
                    var filled = r.Varint();
                    var remaining = r.Varint();
                    var reason = Reason(r.Byte());
                    var released = r.Varint();
                    events.Add(new OrderPlaced(number, sequence, participant, clientOrderId, enteredBy,
                        (flags & 1) == 0 ? "buy" : "sell", (flags >> 1 & 1) == 0 ? "limit" : "market",
                        (flags >> 2 & 3) switch { 0 => "gtc", 1 => "ioc", 2 => "fok", _ => throw new JournalFormatException("unknown time in force") },
                        price, quantity, maxCost, scenario, validityDays, reserved, Statuses[flags >> 4 & 3], filled, remaining, reason, released, at));
                    break;
                }
                case TagContract:
                {
                    var number = r.Varint();
                    var buyOrder = r.Varint();
                    var sellOrder = r.Varint();
                    var price = r.Varint();
                    var quantity = r.Varint();
                    var buyer = Ref(strings, ref r);
                    var provider = Ref(strings, ref r);
                    var scenario = Ref(strings, ref r);
                    var delivery = Ref(strings, ref r);
                    var validTo = FromMicros(r.Int64());
                    var fee = r.Varint();
                    var makerIsBuy = r.Byte() == 0;
                    events.Add(new ContractMade(number, buyOrder, sellOrder, price, quantity, buyer, provider, scenario, delivery, validTo, fee,
                        makerIsBuy ? buyOrder : sellOrder, r.Varint(), r.Varint(), at));
                    break;
                }
                case TagCancelled:
                    events.Add(new OrderCancelled(r.Varint(), r.Varint(), r.Varint(), r.Varint(), Reason(r.Byte()) ?? "cancelled", Ref(strings, ref r), at));
                    break;
                case TagReduced:
                    events.Add(new OrderReduced(r.Varint(), r.Varint(), r.Varint(), Ref(strings, ref r), at));
                    break;
                default:
                    throw new JournalFormatException($"unknown journal event tag {tag}");
            }
        }
        return new JournalChunk(item, at, events);
    }

    public static long Micros(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    private static int Code(string value, params string[] codes)
    {
        var code = Array.IndexOf(codes, value);
        return code >= 0 ? code : throw new ArgumentException($"'{value}' is not one of {string.Join(", ", codes)}");
    }

    private static byte ReasonCode(string? reason)
    {
        var code = Array.IndexOf(Reasons, reason);
        return code >= 0 ? (byte)code : throw new ArgumentException($"reason '{reason}' has no journal code");
    }

    private static string? Reason(byte code) =>
        code < Reasons.Length ? Reasons[code] : throw new JournalFormatException($"unknown reason code {code}");

    /// <summary>A string reference: 0 and the string itself (it takes the next index), or index + 1.</summary>
    private static string Ref(List<string> strings, ref JournalReader r)
    {
        var reference = r.Int32();
        if (reference == 0)
        {
            var value = r.Text();
            strings.Add(value);
            return value;
        }
        return reference <= strings.Count ? strings[reference - 1] : throw new JournalFormatException($"string {reference - 1} was not defined before its use");
    }
}
