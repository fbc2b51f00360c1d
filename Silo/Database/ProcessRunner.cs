using System.Diagnostics;
using System.Text;

namespace ClearingCluster.Silo.Database;

/// <summary>Runs a command to completion, optionally as another OS user, and fails with its output.</summary>
internal static class ProcessRunner
{
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, string? asUser, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (asUser is null)
        {
            start.FileName = file;
        }
        else
        {
            start.FileName = "runuser";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(asUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(file);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        await process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(stdout, stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output.ToString().Trim()}");
        }
        return output.ToString();
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        // Reading to the end keeps a child (pg_ctl's server) from blocking on a full pipe.
        var text = await reader.ReadToEndAsync();
        lock (into)
        {
            into.Append(text);
        }
    }
}
