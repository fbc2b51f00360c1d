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
        var reference = (GrainProxy)PrototypeOf<TGrainInterface>.Instance.MemberwiseClone();
        reference.sender = sender;
        reference.GrainId = id;
        return (TGrainInterface)(object)reference;
    }

    /// <summary>
    /// <see cref="DispatchProxy.Create{T, TProxy}"/> looks its generated type up and instantiates it by reflection on
    /// every call, a few percent of the Gateway's CPU per order (grain references are made per request). One proxy per
    /// interface is made that way; every reference is a copy of it, which carries what the generated constructor set.
    /// </summary>
    private static class PrototypeOf<TGrainInterface>
    {
        public static readonly GrainProxy Instance = (GrainProxy)(object)DispatchProxy.Create<TGrainInterface, GrainProxy>()!;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return GrainMethodInvoker.For(targetMethod).Send(sender!, GrainId, args ?? []);
    }
}
