namespace ClearingCluster.Client;

/// <summary>Whether a request may be sent again when its outcome is unknown (connection lost, timed out, 502/503/504).</summary>
internal enum Repeat
{
    /// <summary>Reads, and writes keyed so that a repeat returns the first outcome (reference, clientOrderId, (producer, sequence)).</summary>
    Safe,

    /// <summary>A repeat could act twice (a second key issued) or answer differently (a transition refused as already made).</summary>
    Never,
}
