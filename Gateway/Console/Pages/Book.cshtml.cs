using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>A product's order book (depth 10, prices in µ¥ a call) and its trades as they happen, over server-sent events (<see cref="BookFeed"/>).</summary>
public sealed class BookModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    [FromRoute]
    public string Product { get; set; } = "";

    public BookResponse? Book { get; private set; }

    public async Task OnGetAsync()
    {
        using var client = Api();
        Book = await client.Api.GetOrderBookAsync(Product, depth: 10, HttpContext.RequestAborted);
    }
}
