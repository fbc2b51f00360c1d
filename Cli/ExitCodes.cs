namespace ClearingCluster.Cli;

/// <summary>What a script can tell from the exit code alone.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The Gateway refused (its problem is printed), or the operator declined at the prompt: nothing was changed by this command.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong or incomplete (no key, a bad option, settle without --yes where nobody can confirm); nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The Gateway could not be reached or did not answer in time; for a cut-off the outcome is unknown (list the cycles).</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted (Ctrl-C) while a request was in flight: its outcome is unknown.</summary>
    public const int Interrupted = 130;
}
