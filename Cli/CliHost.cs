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
    /// <summary>Wide enough for the widest table: a file or a pager gets rows whole rather than wrapped for a terminal that is not there.</summary>
    private const int RedirectedWidth = 320;

    /// <summary>Whether someone can answer a prompt.</summary>
    public bool Interactive => Out.Profile.Capabilities.Interactive;

    /// <summary>The process's own console, environment and network.</summary>
    public static CliHost Process() => new(
        Terminal(Console.Out, Console.IsOutputRedirected),
        Terminal(Console.Error, Console.IsErrorRedirected),
        System.Environment.GetEnvironmentVariable,
        (url, key) => new ClearingClient(url, key));

    private static IAnsiConsole Terminal(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            // Spectre goes by TERM alone: into a pipe or a file it would write colour codes, and wrap at 80 columns.
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            // Spectre deems a session interactive even when stdin is a pipe or the prompt would go to a file; then nobody
            // could answer, and settle must refuse rather than read the pipe.
            Interactive = Console.IsInputRedirected || Console.IsOutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }
        return console;
    }
}
