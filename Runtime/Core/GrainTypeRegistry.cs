using System.Reflection;
using ClearingCluster.Runtime.Activation;
using ClearingCluster.Runtime.Calls;
using ClearingCluster.Runtime.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.Runtime;

/// <summary>
/// Which grain class implements which grain interface, each class's stable type name, and how to construct
/// it (services from DI, persistent states from the attribute). Built once at startup.
/// </summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainClass> byInterface = [];
    private readonly Dictionary<string, GrainClass> byTypeName = [];

    /// <summary>Registers every public, concrete grain class of the assembly.</summary>
    public void AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetExportedTypes())
        {
            if (type.IsClass && !type.IsAbstract && typeof(Grain).IsAssignableFrom(type))
            {
                Add(type);
            }
        }
    }

    public void Add(Type grainClass)
    {
        if (!typeof(Grain).IsAssignableFrom(grainClass) || grainClass.IsAbstract)
        {
            throw new ArgumentException($"{grainClass.Name} is not a concrete grain class", nameof(grainClass));
        }
        if (byTypeName.Values.Any(c => c.ClassType == grainClass))
        {
            return;
        }

        var entry = new GrainClass(grainClass);
        if (!byTypeName.TryAdd(entry.TypeName, entry))
        {
            throw new InvalidOperationException($"two grain classes share the type name '{entry.TypeName}'; name one with [GrainType]");
        }
        foreach (var grainInterface in grainClass.GetInterfaces().Where(i => typeof(IGrain).IsAssignableFrom(i) && i != typeof(IGrain)
                     && i != typeof(IGrainWithStringKey)))
        {
            GrainMethodInvoker.Validate(grainInterface);
            if (byInterface.TryGetValue(grainInterface, out var existing) && existing != entry
                && grainInterface.GetCustomAttribute<SharedGrainInterfaceAttribute>() is null)
            {
                throw new InvalidOperationException(
                    $"grain interface {grainInterface.Name} is implemented by both {existing.ClassType.Name} and {grainClass.Name}");
            }
            byInterface.TryAdd(grainInterface, entry);
        }
    }

    public string TypeNameFor(Type grainInterface) =>
        byInterface.TryGetValue(grainInterface, out var entry)
            ? entry.TypeName
            : throw new InvalidOperationException($"no grain class implements {grainInterface.Name}; is its assembly registered?");

    internal Grain CreateGrain(GrainId id, GrainActivation activation, IServiceProvider services)
    {
        if (!byTypeName.TryGetValue(id.Type, out var entry))
        {
            throw new InvalidOperationException($"unknown grain type '{id.Type}'");
        }
        return entry.Create(id, activation, services);
    }

    internal static string DefaultTypeName(Type grainClass)
    {
        var name = grainClass.Name;
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }
        return name.ToLowerInvariant();
    }

    private sealed class GrainClass
    {
        private readonly ConstructorInfo constructor;
        private readonly ParameterInfo[] parameters;

        public GrainClass(Type classType)
        {
            ClassType = classType;
            TypeName = classType.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultTypeName(classType);
            constructor = classType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
                ?? throw new InvalidOperationException($"grain class {classType.Name} has no public constructor");
            parameters = constructor.GetParameters();
        }

        public Type ClassType { get; }

        public string TypeName { get; }

        public Grain Create(GrainId id, GrainActivation activation, IServiceProvider services)
        {
            var arguments = new object?[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                var parameter = parameters[i];
                var stateAttribute = parameter.GetCustomAttribute<PersistentStateAttribute>();
                arguments[i] = stateAttribute is null
                    ? services.GetRequiredService(parameter.ParameterType)
                    : CreateState(parameter.ParameterType, stateAttribute, id, activation, services);
            }
            var grain = (Grain)constructor.Invoke(arguments);
            grain.Attach(activation);
            return grain;
        }

        private static object CreateState(Type parameterType, PersistentStateAttribute attribute, GrainId id, GrainActivation activation, IServiceProvider services)
        {
            if (!parameterType.IsGenericType || parameterType.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new InvalidOperationException($"[PersistentState] parameter must be IPersistentState<T>, not {parameterType.Name}");
            }
            var storage = services.GetKeyedService<IGrainStorage>(attribute.StorageName)
                ?? throw new InvalidOperationException($"no grain storage named '{attribute.StorageName}' is registered");
            var stateType = typeof(PersistentState<>).MakeGenericType(parameterType.GetGenericArguments()[0]);
            var state = Activator.CreateInstance(stateType, id, attribute.StateName, storage)!;
            activation.AddState((IPersistentStateLoader)state);
            return state;
        }
    }
}

/// <summary>Allows several grain classes to implement one interface (such as <see cref="Reminders.IRemindable"/>).</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class SharedGrainInterfaceAttribute : Attribute;
