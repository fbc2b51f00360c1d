namespace ClearingCluster.Gateway.Errors;

/// <summary>A request over one of its bounds (body bytes, orders in a batch): 413 with a type naming the bound.</summary>
public sealed class TooLargeException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
