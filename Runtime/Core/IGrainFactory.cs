namespace ClearingCluster.Runtime;

public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain; cheap, never activates anything until a call is made.</summary>
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;

    /// <summary>Returns a reference by full id, for runtime services (reminders) that know only the id.</summary>
    TGrainInterface GetGrain<TGrainInterface>(GrainId id) where TGrainInterface : IGrain;
}
