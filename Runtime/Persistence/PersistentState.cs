using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClearingCluster.Runtime.Persistence;

internal interface IPersistentStateLoader
{
    Task LoadAsync(CancellationToken cancellationToken);
}

internal sealed class PersistentState<TState>(GrainId grainId, string stateName, IGrainStorage storage)
    : IPersistentState<TState>, IPersistentStateLoader
    where TState : class, new()
{
    /// <summary>Stable across versions: property names are the persisted field ids, unknown fields are ignored on read.</summary>
    internal static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public TState State { get; set; } = new();

    public long Version { get; private set; }

    public bool RecordExists { get; private set; }

    public Task LoadAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await storage.ReadAsync(grainId, stateName, cancellationToken);
        Version = stored.Version;
        RecordExists = stored.Payload is not null;
        State = stored.Payload is null ? new TState() : JsonSerializer.Deserialize<TState>(stored.Payload, SerializerOptions) ?? new TState();
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(State, SerializerOptions);
        Version = await storage.WriteAsync(grainId, stateName, payload, Version, cancellationToken);
        RecordExists = true;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        Version = await storage.ClearAsync(grainId, stateName, Version, cancellationToken);
        RecordExists = false;
        State = new TState();
    }
}
