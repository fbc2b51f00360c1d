using System.CommandLine;
using System.Text.Json;
using ClearingCluster.Client;
using Polly.Timeout;
using Spectre.Console;

namespace ClearingCluster.Cli;

/// <summary>
/// The options every clearing command takes (<c>--url</c>, <c>--key</c>), and how a command runs: the key found, a
/// client made, and every way it can end turned into a message and an exit code (<see cref="ExitCodes"/>).
/// </summary>
internal sealed class CommandRunner(CliHost host)
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public const string KeyVariable = "CLEARING_KEY";

    public CliHost Host => host;

    public Option<string> Url { get; } = new("--url")
    {
        Description = "The Gateway's address",
        DefaultValueFactory = _ => DefaultUrl,
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"An API key with the clearing role (admin and regulator keys may read); default: ${KeyVariable}",
        Recursive = true,
    };

    public void Handle(Command command, Func<ClearingClient, ParseResult, CancellationToken, Task<int>> handler) =>
        command.SetAction((parse, cancellationToken) => RunAsync(parse, handler, cancellationToken));

    private async Task<int> RunAsync(ParseResult parse, Func<ClearingClient, ParseResult, CancellationToken, Task<int>> handler,
        CancellationToken cancellationToken)
    {
        var url = parse.GetValue(Url) ?? DefaultUrl;
        try
        {
            var gateway = GatewayAddress(url);
            using var client = host.Connect(gateway, ApiKey(parse));
            return await handler(client, parse, cancellationToken);
        }
        catch (UsageException e)
        {
            host.Error.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            host.Error.MarkupLine("[grey]./cluster clearing --help lists the commands and their options[/]");
            return ExitCodes.Usage;
        }
        catch (ClearingProblemException e)
        {
            host.Error.MarkupLine($"[red]refused: {Markup.Escape(e.Type)} ({(int)e.Status} {Markup.Escape(e.Title ?? e.Status.ToString())})[/]");
            if (e.Detail is { Length: > 0 } detail)
            {
                host.Error.MarkupLine($"[red]{Markup.Escape(detail)}[/]");
            }
            return ExitCodes.Refused;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            host.Error.MarkupLine("[yellow]interrupted: the outcome of the request in flight is unknown; `./cluster clearing list` shows where the cycles stand[/]");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or JsonException)
        {
            var what = e is JsonException ? "the answer was not the Gateway's" : e.Message;
            host.Error.MarkupLine($"[red]cannot reach the Gateway at {Markup.Escape(url)}: {Markup.Escape(what)}[/]");
            return ExitCodes.Unreachable;
        }
    }

    private static Uri GatewayAddress(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UsageException($"--url {url} is not an http(s) address such as {DefaultUrl}");

    private string ApiKey(ParseResult parse)
    {
        var key = parse.GetValue(Key) ?? host.Environment(KeyVariable);
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new UsageException($"no API key: pass --key KEY or set {KeyVariable} (a key of a participant with the clearing role)");
        }
        // A key read from a file with $(cat …) or pasted may carry a line end the header would refuse.
        return key.Trim();
    }
}
