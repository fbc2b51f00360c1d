using System.Buffers;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading.Journal;

/// <summary>
/// A book as of commit item <see cref="LastItem"/>: counters, the last trade price, the engine's arrival counter, every
/// open order with its fills, and per buyer the escrow its contracts captured. A snapshot plus the journal rows after it
/// rebuild the book exactly.
/// </summary>
public sealed record BookState(
    long LastItem,
    long LastOrderNumber,
    long LastContractNumber,
    long LastTradePriceMicros,
    long EngineSequence,
    IReadOnlyList<BookState.Open> OpenOrders,
    IReadOnlyDictionary<string, long> CapturedByBuyer)
{
    public const byte Version = 1;

    public sealed record Open(OrderView View, long Sequence, long? LastReducedTo);

    /// <summary>Snapshot format version 1: counters, then each open order's view and fills, then the buyers' captured escrow.</summary>
    public byte[] Encode()
    {
        var output = new ArrayBufferWriter<byte>(256 + OpenOrders.Count * 128);
        var w = new JournalWriter(output);
        w.Byte(Version);
        w.Varint(LastItem);
        w.Varint(LastOrderNumber);
        w.Varint(LastContractNumber);
        w.Varint(LastTradePriceMicros);
        w.Varint(EngineSequence);
        w.Varint(OpenOrders.Count);
        foreach (var (v, sequence, lastReducedTo) in OpenOrders)
        {
            w.Text(v.OrderId);
            w.Text(v.ClientOrderId);
            w.Text(v.Participant);
            w.Text(v.Side);
            w.Text(v.Type);
            w.Text(v.TimeInForce);
            w.Varint(v.PriceMicros);
            w.Varint(v.Quantity);
            w.Varint(v.MaxCostMicros);
            w.Text(v.Scenario ?? "");
            w.Varint(v.ValidityDays);
            w.Text(v.Status);
            w.Varint(v.Filled);
            w.Varint(v.Remaining);
            w.Varint(v.Cancelled);
            w.Text(v.EnteredBy);
            w.Int64(BookJournal.Micros(v.CreatedAt));
            w.Int64(BookJournal.Micros(v.UpdatedAt));
            w.Varint(sequence);
            w.Varint(lastReducedTo + 1 ?? 0);
            w.Varint(v.Fills.Count);
            foreach (var f in v.Fills)
            {
                w.Text(f.ContractId);
                w.Varint(f.PriceMicros);
                w.Varint(f.Quantity);
                w.Text(f.Counterparty);
            }
        }
        w.Varint(CapturedByBuyer.Count);
        foreach (var (buyer, captured) in CapturedByBuyer.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.Text(buyer);
            w.Varint(captured);
        }
        return output.WrittenSpan.ToArray();
    }

    public static BookState Decode(string product, ReadOnlySpan<byte> data)
    {
        var r = new JournalReader(data);
        var version = r.Byte();
        if (version != Version)
        {
            throw new JournalFormatException($"book snapshot version {version} is not known (this build reads {Version})");
        }
        var (lastItem, lastOrder, lastContract, lastTrade, sequence) = (r.Varint(), r.Varint(), r.Varint(), r.Varint(), r.Varint());
        var orders = new Open[r.Int32()];
        for (var i = 0; i < orders.Length; i++)
        {
            var (orderId, clientOrderId, participant, side, type, tif) = (r.Text(), r.Text(), r.Text(), r.Text(), r.Text(), r.Text());
            var (price, quantity, maxCost) = (r.Varint(), r.Varint(), r.Varint());
            var scenario = r.Text();
            var validityDays = r.Int32();
            var status = r.Text();
            var (filled, remaining, cancelled) = (r.Varint(), r.Varint(), r.Varint());
            var enteredBy = r.Text();
            var (created, updated) = (BookJournal.FromMicros(r.Int64()), BookJournal.FromMicros(r.Int64()));
            var orderSequence = r.Varint();
            var reducedTo = r.Varint();
            var fills = new OrderFill[r.Int32()];
            for (var f = 0; f < fills.Length; f++)
            {
                fills[f] = new OrderFill(r.Text(), r.Varint(), r.Varint(), r.Text());
            }
            orders[i] = new Open(new OrderView(orderId, clientOrderId, participant, product, side, type, tif, price, quantity, maxCost,
                scenario.Length == 0 ? null : scenario, validityDays, status, filled, remaining, cancelled, null, enteredBy, fills, created, updated),
                orderSequence, reducedTo == 0 ? null : reducedTo - 1);
        }
        var captured = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = r.Int32(); i > 0; i--)
        {
            captured[r.Text()] = r.Varint();
        }
        if (!r.AtEnd)
        {
            throw new JournalFormatException("a book snapshot has bytes past its end");
        }
        return new BookState(lastItem, lastOrder, lastContract, lastTrade, sequence, orders, captured);
    }
}
