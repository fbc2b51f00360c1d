namespace ClearingCluster.Cli;

/// <summary>The command line cannot be acted on as given; thrown before anything is sent to the Gateway.</summary>
public sealed class UsageException(string message) : Exception(message);
