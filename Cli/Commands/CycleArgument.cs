using System.CommandLine;

namespace ClearingCluster.Cli.Commands;

/// <summary>The cycle a command acts on, as <c>list</c> shows it (<c>c12</c>).</summary>
internal static class CycleArgument
{
    public static Argument<string> Create() => new("cycleId") { Description = "The cycle's id, such as c12 (./cluster clearing list shows them)" };
}
