namespace ClearingCluster.Cli;

/// <summary>
/// <c>./cluster clearing cutoff|compute|settle|show|list|adjust|statement …</c>. Not top-level statements: those make a
/// global <c>Program</c>, which the end-to-end tests (referencing the Gateway's <c>Program</c> too) could not name.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl-C cancels the request in flight and lets the command say what that means; a second one kills.
            e.Cancel = !interrupted.IsCancellationRequested;
            interrupted.Cancel();
        };
        return await ClearingCli.RunAsync(args, CliHost.Process(), interrupted.Token);
    }
}
