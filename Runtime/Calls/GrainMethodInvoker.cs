using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;

namespace ClearingCluster.Runtime.Calls;

/// <summary>
/// Everything the runtime knows about one grain interface method, built once: a compiled delegate that
/// calls it on a grain without reflection, whether it is read-only, and how to create a typed call.
/// </summary>
internal abstract class GrainMethodInvoker
{
    private static readonly ConcurrentDictionary<MethodInfo, GrainMethodInvoker> Cache = new();

    protected GrainMethodInvoker(MethodInfo method)
    {
        Method = method;
        Name = $"{method.DeclaringType!.Name}.{method.Name}";
        IsReadOnly = method.GetCustomAttribute<ReadOnlyAttribute>() is not null;
        IsInterleaving = method.GetCustomAttribute<AlwaysInterleaveAttribute>() is not null;
        Invoke = Compile(method);
        Key = KeyOf(method);
        ParameterTypes = [.. method.GetParameters().Select(p => p.ParameterType)];
    }

    /// <summary>How the method is named between silos: assembly, interface, name and parameter types.</summary>
    public string Key { get; }

    public Type[] ParameterTypes { get; }

    /// <summary>The answer's type; null for a method returning <see cref="Task"/>.</summary>
    public abstract Type? ResultType { get; }

    public MethodInfo Method { get; }

    public string Name { get; }

    public bool IsReadOnly { get; }

    public bool IsInterleaving { get; }

    public Func<object, object?[], Task> Invoke { get; }

    /// <summary>Creates the call, sends it, and returns the task the caller awaits.</summary>
    public abstract Task Send(IGrainCallSender sender, GrainId target, object?[] args);

    /// <summary>
    /// Delivers a call another silo sent (never sent on from here) with its deadline, and returns its answer boxed;
    /// <paramref name="call"/> tells afterwards whether the grain's method began to run.
    /// </summary>
    public abstract Task<object?> Receive(GrainRuntime runtime, GrainId target, object?[] args, long deadlineMs, out IRemotableCall call);

    public static GrainMethodInvoker For(MethodInfo method) => Cache.GetOrAdd(method, Create);

    public static string KeyOf(MethodInfo method) =>
        $"{method.DeclaringType!.Assembly.GetName().Name}|{method.DeclaringType.FullName}|{method.Name}|"
        + string.Join(",", method.GetParameters().Select(p => p.ParameterType.FullName));

    public static void Validate(Type grainInterface)
    {
        foreach (var method in GrainInterfaceMethods(grainInterface))
        {
            var returnType = method.ReturnType;
            var valid = returnType == typeof(Task)
                || (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>));
            if (!valid)
            {
                throw new InvalidOperationException(
                    $"grain method {grainInterface.Name}.{method.Name} returns {returnType.Name}; grain methods must return Task or Task<T>");
            }
        }
    }

    public static IEnumerable<MethodInfo> GrainInterfaceMethods(Type grainInterface) =>
        new[] { grainInterface }.Concat(grainInterface.GetInterfaces())
            .Where(i => typeof(IGrain).IsAssignableFrom(i))
            .SelectMany(i => i.GetMethods());

    private static GrainMethodInvoker Create(MethodInfo method)
    {
        var resultType = method.ReturnType == typeof(Task) ? typeof(object) : method.ReturnType.GetGenericArguments()[0];
        var invokerType = typeof(GrainMethodInvoker<>).MakeGenericType(resultType);
        return (GrainMethodInvoker)Activator.CreateInstance(invokerType, method, method.ReturnType == typeof(Task))!;
    }

    private static Func<object, object?[], Task> Compile(MethodInfo method)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters()
            .Select((p, i) => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType));
        var call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, parameters);
        return Expression.Lambda<Func<object, object?[], Task>>(Expression.Convert(call, typeof(Task)), grain, args).Compile();
    }
}

internal sealed class GrainMethodInvoker<TResult>(MethodInfo method, bool returnsVoid) : GrainMethodInvoker(method)
{
    public bool ReturnsVoid { get; } = returnsVoid;

    public override Type? ResultType => ReturnsVoid ? null : typeof(TResult);

    public override Task<object?> Receive(GrainRuntime runtime, GrainId target, object?[] args, long deadlineMs, out IRemotableCall call)
    {
        var arrived = new GrainCall<TResult>(this, args, arrived: true) { DeadlineMs = deadlineMs };
        call = arrived;
        runtime.Send(target, arrived);
        return Boxed(arrived.Task);
    }

    private static async Task<object?> Boxed(Task<TResult> answer) => await answer.ConfigureAwait(false);

    public override Task Send(IGrainCallSender sender, GrainId target, object?[] args)
    {
        var call = new GrainCall<TResult>(this, args);
        sender.Send(target, call);
        return call.Task;
    }
}
