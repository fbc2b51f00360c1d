using ClearingCluster.Interfaces.Participants;
using System.Collections.Concurrent;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Gateway.Auth;

/// <summary>Who a key belongs to and the roles it carries.</summary>
public sealed record ApiKeyOwner(string Participant, IReadOnlyList<string> Roles);

/// <summary>
/// API keys in PostgreSQL by hash. Lookups are cached for <see cref="CacheTtl"/> so a request costs no database
/// round trip; a revocation therefore takes effect within that time.
/// </summary>
public sealed class ApiKeyStore(ClearingDatabase database, TimeProvider time)
{
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (ApiKeyOwner? Owner, DateTimeOffset Expires)> cache = new();

    public async Task<ApiKeyOwner?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKey.Hash(key);
        var cacheKey = Convert.ToHexString(hash);
        var now = time.GetUtcNow();
        if (cache.TryGetValue(cacheKey, out var cached) && cached.Expires > now)
        {
            return cached.Owner;
        }

        await using var command = database.DataSource.CreateCommand(
            "SELECT participant, roles FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        ApiKeyOwner? owner = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            owner = new ApiKeyOwner(reader.GetString(0), reader.GetFieldValue<string[]>(1));
        }
        cache[cacheKey] = (owner, now + CacheTtl);
        return owner;
    }

    /// <summary>Stores a key's hash under a public key id.</summary>
    public async Task AddAsync(string key, string keyId, ApiKeyOwner owner, bool bootstrap, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO api_keys (key_hash, key_id, participant, roles, bootstrap) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, participant = EXCLUDED.participant, roles = EXCLUDED.roles
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ApiKey.Hash(key) });
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = owner.Participant });
        command.Parameters.Add(new NpgsqlParameter { Value = owner.Roles.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = bootstrap });
        await command.ExecuteNonQueryAsync(cancellationToken);
        cache.Clear();
    }

    /// <summary>Revokes the participant's key; false when the participant has no such key.</summary>
    public async Task<bool> RevokeAsync(string participant, string keyId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = $1 AND participant = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = participant });
        var found = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        cache.Clear();
        return found;
    }

    /// <summary>Revokes every bootstrap admin key except <paramref name="current"/>: only the configured admin key works.</summary>
    public async Task RevokeOtherBootstrapKeysAsync(string current, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE api_keys SET revoked_at = now() WHERE bootstrap AND revoked_at IS NULL AND key_hash <> $1");
        command.Parameters.Add(new NpgsqlParameter { Value = ApiKey.Hash(current) });
        await command.ExecuteNonQueryAsync(cancellationToken);
        cache.Clear();
    }
}
