namespace ClearingCluster.Grains.Trading.Matching;

public enum Side : byte
{
    Buy,
    Sell,
}

public enum OrderType : byte
{
    Limit,
    Market,
}

public enum TimeInForce : byte
{
    /// <summary>Good till cancelled: what does not fill rests.</summary>
    Gtc,

    /// <summary>Immediate or cancel: fill what can be filled now, cancel the rest.</summary>
    Ioc,

    /// <summary>Fill or kill: fill all of it now, or nothing.</summary>
    Fok,
}
