using System.Reflection;

namespace ClearingCluster.Runtime.Calls;

/// <summary>
/// A grain reference: implements the grain interface by forwarding each call to the runtime.
/// Holds only the grain id and the sender, so it is cheap to create and safe to keep.
/// </summary>
public class GrainProxy : DispatchProxy
{
    private IGrainCallSender? sender;

    public GrainId GrainId { get; private set; }

    internal static TGrainInterface Create<TGrainInterface>(IGrainCallSender sender, GrainId id)
    {
        var proxy = DispatchProxy.Create<TGrainInterface, GrainProxy>();
        var reference = (GrainProxy)(object)proxy!;
        reference.sender = sender;
        reference.GrainId = id;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return GrainMethodInvoker.For(targetMethod).Send(sender!, GrainId, args ?? []);
    }
}
