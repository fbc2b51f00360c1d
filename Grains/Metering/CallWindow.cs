using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace ClearingCluster.Grains.Metering;

/// <summary>
/// The call ids one contract counted within the deduplication window: fingerprint → the call's time in whole
/// seconds. A call dated before the window's start is neither checked nor remembered (it is outside the window); an
/// entry older than the start no longer counts and is dropped by <see cref="Expire"/>.
/// </summary>
/// <remarks>
/// An open-addressing table with linear probing over one array of 12-byte slots (fingerprint and second side by side,
/// so a lookup misses the cache once, not twice), filled to at most 7/8: the fingerprints are XXH3 hashes already, so
/// their low bits pick the slot, where a <see cref="Dictionary{TKey,TValue}"/> costs 24 bytes an entry plus its buckets
/// and an indirection. A table of millions of calls costs a cache and TLB miss a lookup (~150–200 ns here): that, not
/// hashing, is what deduplication costs at volume (docs/BENCHMARKS.md). Times are kept in
/// seconds: a call is inside the window when its second is not before the second the window starts in, so the window
/// reaches back at most one second further than configured.
/// </remarks>
public sealed class CallWindow
{
    private const int InitialSlots = 16;
    private Slot[] slots = new Slot[InitialSlots];

    /// <summary>No call held is dated before this second: a lower bound, exact after a rebuild. Spares rebuilds that would drop nothing.</summary>
    private uint oldestSecond = uint.MaxValue;

    /// <summary>No call held is dated before this second (<see cref="uint.MaxValue"/> when none is held).</summary>
    internal uint OldestSecond => Count == 0 ? uint.MaxValue : oldestSecond;

    public int Count { get; private set; }

    /// <summary>
    /// Calls dated from this second on are all here; an older call (still inside the deduplication window) may be in
    /// storage only, and is looked up there before it is counted (<see cref="MeterBook.NeedsStorageCheck"/>).
    /// </summary>
    public uint CoversFromSecond { get; private set; }

    public long CoversFromMicros => CoversFromSecond * 1_000_000L;

    public bool Covers(long atMicros) => Second(atMicros) >= CoversFromSecond;

    /// <summary>When the window was last used, in the book's ticks: the least recently used are forgotten first.</summary>
    public long LastUsed { get; internal set; }

    public bool Holds(long fingerprint, long windowStartMicros) => Holds(fingerprint, windowStartMicros, out _);

    /// <summary>Whether the call is in the window; <paramref name="slot"/> is where it is or would go, for <see cref="RememberAt"/>.</summary>
    public bool Holds(long fingerprint, long windowStartMicros, out int slot)
    {
        var key = Key(fingerprint);
        slot = Find(key);
        return slots[slot].Key == key && slots[slot].Second >= Second(windowStartMicros);
    }

    /// <summary>
    /// Asks the processor for the cache line a lookup of <paramref name="fingerprint"/> starts at, without waiting for it:
    /// issued for a part's records before they are checked, the lookups' cache misses overlap instead of coming one
    /// after another. Changes nothing; a no-op where the processor has no prefetch instruction.
    /// </summary>
    public unsafe void Prefetch(long fingerprint)
    {
        if (Sse.IsSupported)
        {
            fixed (Slot* first = slots)
            {
                Sse.Prefetch0(first + ((int)Key(fingerprint) & (slots.Length - 1)));
            }
        }
    }

    /// <summary>
    /// <see cref="Remember"/> at the slot <see cref="Holds(long, long, out int)"/> found, with nothing remembered or forgotten
    /// in between: one probe for a check followed by a count.
    /// </summary>
    public int RememberAt(int slot, long fingerprint, long atMicros, long windowStartMicros)
    {
        var key = Key(fingerprint);
        Debug.Assert(slots[slot].Key == key || slots[slot].Key == 0, "the slot was found for this fingerprint and nothing changed since");
        if (atMicros < windowStartMicros)
        {
            return 0;
        }
        if (slots[slot].Key == key)
        {
            slots[slot].Second = Math.Max(slots[slot].Second, Second(atMicros));
            return 0;
        }
        slots[slot] = new Slot(key, Second(atMicros));
        oldestSecond = Math.Min(oldestSecond, slots[slot].Second);
        Count++;
        if (Count > slots.Length - slots.Length / 8)
        {
            Resize(slots.Length * 2, 0);
        }
        return 1;
    }

    /// <summary>Remembers a call; returns how many entries were added (0 or 1).</summary>
    public int Remember(long fingerprint, long atMicros, long windowStartMicros) =>
        atMicros < windowStartMicros ? 0 : RememberAt(Find(Key(fingerprint)), fingerprint, atMicros, windowStartMicros);

    /// <summary>Forgets one call (counted for a batch that did not become durable); returns how many entries went (0 or 1).</summary>
    public int Forget(long fingerprint)
    {
        var key = Key(fingerprint);
        var slot = Find(key);
        if (slots[slot].Key != key)
        {
            return 0;
        }
        // Backward-shift deletion: later entries of the probe run move up, so no lookup ever stops at a hole too early.
        var mask = slots.Length - 1;
        var hole = slot;
        for (var next = (hole + 1) & mask; slots[next].Key != 0; next = (next + 1) & mask)
        {
            var home = (int)slots[next].Key & mask;
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                slots[hole] = slots[next];
                hole = next;
            }
        }
        slots[hole] = default;
        Count--;
        return 1;
    }

    /// <summary>Drops calls dated before <paramref name="fromMicros"/> and covers only from there on; returns how many went.</summary>
    public int Trim(long fromMicros)
    {
        var dropped = Expire(fromMicros);
        CoversFromSecond = Math.Max(CoversFromSecond, Second(fromMicros));
        return dropped;
    }

    /// <summary>A window read from storage back to <paramref name="fromMicros"/> only covers from there on.</summary>
    internal void CoverFrom(long fromMicros) => CoversFromSecond = Math.Max(CoversFromSecond, Second(fromMicros));

    /// <summary>
    /// Drops calls dated before the window's start and shrinks the table to fit; returns how many. A window holding no
    /// call that old (by <see cref="oldestSecond"/>, a lower bound) is left as it is, unshrunk.
    /// </summary>
    public int Expire(long windowStartMicros)
    {
        if (Second(windowStartMicros) <= oldestSecond)
        {
            return 0;
        }
        var before = Count;
        var size = InitialSlots;
        while (size - size / 8 < Count)
        {
            size *= 2;
        }
        Resize(size, Second(windowStartMicros));
        return before - Count;
    }

    /// <summary>
    /// Adds to <paramref name="counts"/> how many calls held are dated in each span of <paramref name="spanSeconds"/> from
    /// <paramref name="fromSecond"/> on, up to (not including) <paramref name="toSecond"/>: one sequential pass.
    /// </summary>
    internal void CountBySpan(Span<long> counts, uint fromSecond, uint toSecond, uint spanSeconds)
    {
        if (Count == 0 || oldestSecond >= toSecond)
        {
            return;
        }
        foreach (var entry in slots)
        {
            if (entry.Key != 0 && entry.Second >= fromSecond && entry.Second < toSecond)
            {
                counts[(int)((entry.Second - fromSecond) / spanSeconds)]++;
            }
        }
    }

    private int Find(long key)
    {
        var mask = slots.Length - 1;
        var slot = (int)key & mask;
        while (slots[slot].Key != key && slots[slot].Key != 0)
        {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void Resize(int size, uint keepFromSecond)
    {
        Debug.Assert((size & (size - 1)) == 0, "the table's size is a power of two");
        var old = slots;
        slots = new Slot[size];
        Count = 0;
        oldestSecond = uint.MaxValue;
        foreach (var entry in old)
        {
            if (entry.Key != 0 && entry.Second >= keepFromSecond)
            {
                slots[Find(entry.Key)] = entry;
                oldestSecond = Math.Min(oldestSecond, entry.Second);
                Count++;
            }
        }
        Debug.Assert(Count <= size - size / 8, "a table is never fuller than 7/8");
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 4)]
    private struct Slot(long key, uint second)
    {
        public long Key = key;
        public uint Second = second;
    }

    /// <summary>0 marks an empty slot, so the one fingerprint that is 0 is kept as 1 (a 2⁻⁶⁴ chance of one more collision).</summary>
    private static long Key(long fingerprint) => fingerprint == 0 ? 1 : fingerprint;

    internal static uint Second(long micros) => micros <= 0 ? 0 : micros / 1_000_000 >= uint.MaxValue ? uint.MaxValue : (uint)(micros / 1_000_000);
}
