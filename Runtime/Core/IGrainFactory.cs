namespace ClearingCluster.Runtime;

public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain; cheap, never activates anything until a call is made.</summary>
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;

    /// <summary>Returns a reference by full id, for runtime services (reminders) that know only the id.</summary>
    TGrainInterface GetGrain<TGrainInterface>(GrainId id) where TGrainInterface : IGrain;

    /// <summary>
    /// Whether the grain has an activation here now: for telling live grains of a change storage already holds, where
    /// activating one only to tell it would load what it is told. The answer may be stale by the time it is used.
    /// </summary>
    bool IsActive<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;
}
