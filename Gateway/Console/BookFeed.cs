using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using ClearingCluster.Client;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime.Streams;

namespace ClearingCluster.Gateway.Console;

/// <summary>
/// <c>GET /console/books/{product}/events</c>: a product's trades and top of book as server-sent events, from the
/// books' own streams, for a signed-in member the API lets read that book. Market data only: prices, quantities and
/// times, never who traded. A slow browser loses the oldest events of its own buffer (it is a live view: the page
/// shows the latest), and at most <see cref="ConsoleOptions.LiveFeedsMax"/> feeds run at once.
/// </summary>
public sealed class BookFeed(ConsoleSessions sessions, ConsoleApi api, IStreamProvider streams, ConsoleOptions options)
{
    private const int BufferedEventsMax = 256;
    private int open;

    public async Task<IResult> OpenAsync(string product, HttpContext context)
    {
        ConsoleHeaders.Apply(context.Response);
        if (sessions.Find(context.Request.Cookies[ConsolePage.SessionCookie]) is not { } session)
        {
            return Results.Unauthorized();
        }
        using (var client = api.For(session.Key))
        {
            try
            {
                // The API decides whether this member may read this book, and whether it exists.
                await client.Api.GetOrderBookAsync(product, depth: 1, context.RequestAborted);
            }
            catch (ClearingProblemException refused) when ((int)refused.Status < 500)
            {
                return Results.StatusCode((int)refused.Status);
            }
        }
        if (Interlocked.Increment(ref open) > options.LiveFeedsMax)
        {
            Interlocked.Decrement(ref open);
            context.Response.Headers.RetryAfter = "5";
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        // Counted until the response is over, however it ends (even if the browser leaves before the first event).
        context.Response.OnCompleted(() =>
        {
            Interlocked.Decrement(ref open);
            return Task.CompletedTask;
        });
        return TypedResults.ServerSentEvents(EventsAsync(product, context.RequestAborted));
    }

    private async IAsyncEnumerable<SseItem<string>> EventsAsync(string product, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(BufferedEventsMax) { FullMode = BoundedChannelFullMode.DropOldest });
        await using var trades = await streams.GetStream<TradeEvent>(TradingStreams.Trades(product)).SubscribeAsync((t, _) =>
        {
            events.Writer.TryWrite(new SseItem<string>(JsonSerializer.Serialize(new { price = t.PriceMicros, quantity = t.Quantity, at = t.At }), "trade"));
            return Task.CompletedTask;
        });
        await using var books = await streams.GetStream<BookChangedEvent>(TradingStreams.Books(product)).SubscribeAsync((b, _) =>
        {
            events.Writer.TryWrite(new SseItem<string>(
                JsonSerializer.Serialize(new { bestBid = b.BestBidMicros, bestAsk = b.BestAskMicros, last = b.LastTradePriceMicros, at = b.At }), "book"));
            return Task.CompletedTask;
        });
        // Says the feed is live, so a page (and a test) knows events from here on will arrive.
        yield return new SseItem<string>("{}", "ready");
        while (await WaitAsync(events.Reader, cancellationToken))
        {
            while (events.Reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    private static async Task<bool> WaitAsync(ChannelReader<SseItem<string>> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The browser went away.
            return false;
        }
    }
}
