using ClearingCluster.Client;
using Spectre.Console;

namespace ClearingCluster.Cli;

/// <summary>
/// Everything a command touches outside itself: where it writes (tables and CSV to <see cref="Out"/>, problems to
/// <see cref="Error"/>), the environment it reads the key from, and how it reaches the Gateway. A test gives its own
/// consoles over string writers and a client over its test Gateway.
/// </summary>
public sealed record CliHost(IAnsiConsole Out, IAnsiConsole Error, Func<string, string?> Environment, Func<Uri, string, ClearingClient> Connect)
{
    /// <summary>The process's own console, environment and network.</summary>
    public static CliHost Process()
    {
        // Spectre deems a terminal interactive even when stdin is a pipe; a prompt there would read the pipe, so it may not ask.
        var interactive = Console.IsInputRedirected ? InteractionSupport.No : InteractionSupport.Detect;
        return new CliHost(
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = interactive }),
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = interactive }),
            System.Environment.GetEnvironmentVariable,
            (url, key) => new ClearingClient(url, key));
    }

    /// <summary>Whether someone can answer a prompt.</summary>
    public bool Interactive => Out.Profile.Capabilities.Interactive;
}
