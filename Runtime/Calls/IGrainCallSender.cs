namespace ClearingCluster.Runtime.Calls;

/// <summary>
/// Where a grain reference hands its calls. Today the local silo; with several silos, a router that
/// places the grain and forwards the call to the silo that owns it.
/// </summary>
internal interface IGrainCallSender
{
    void Send(GrainId target, IWorkItem call);
}
