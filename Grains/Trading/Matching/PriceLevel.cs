namespace ClearingCluster.Grains.Trading.Matching;

/// <summary>All resting orders at one price, oldest first. Levels are pooled by their side.</summary>
internal sealed class PriceLevel
{
    public long PriceMicros { get; set; }

    public BookOrder? Head { get; private set; }

    public BookOrder? Tail { get; private set; }

    public long TotalQuantity { get; set; }

    public int OrderCount { get; private set; }

    public void Append(BookOrder order)
    {
        order.Level = this;
        order.Previous = Tail;
        order.Next = null;
        if (Tail is null)
        {
            Head = order;
        }
        else
        {
            Tail.Next = order;
        }
        Tail = order;
        TotalQuantity += order.Remaining;
        OrderCount++;
    }

    public void Remove(BookOrder order)
    {
        if (order.Previous is null)
        {
            Head = order.Next;
        }
        else
        {
            order.Previous.Next = order.Next;
        }
        if (order.Next is null)
        {
            Tail = order.Previous;
        }
        else
        {
            order.Next.Previous = order.Previous;
        }
        TotalQuantity -= order.Remaining;
        OrderCount--;
        order.Level = null;
        order.Previous = order.Next = null;
    }

    public void Reset(long priceMicros)
    {
        PriceMicros = priceMicros;
        Head = Tail = null;
        TotalQuantity = 0;
        OrderCount = 0;
    }
}
