using ClearingCluster.Runtime.Streams;

namespace ClearingCluster.Interfaces.Trading;

/// <summary>A trade, published on <see cref="TradingStreams.Trades"/> once it is durable.</summary>
public sealed record TradeEvent(string Product, string ContractId, string Buyer, string Provider, long PriceMicros, long Quantity,
    string BuyOrderId, string SellOrderId, DateTimeOffset At);

/// <summary>The top of a book after a change, published on <see cref="TradingStreams.Books"/>.</summary>
public sealed record BookChangedEvent(string Product, long? BestBidMicros, long? BestAskMicros, long? LastTradePriceMicros, DateTimeOffset At);

public static class TradingStreams
{
    public static StreamId Trades(string product) => new("trades", product);

    public static StreamId Books(string product) => new("books", product);
}
