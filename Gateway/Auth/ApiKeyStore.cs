using ClearingCluster.Interfaces.Participants;
using System.Collections.Concurrent;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Gateway.Auth;

/// <summary>Who a key belongs to and the roles it carries.</summary>
public sealed record ApiKeyOwner(string Participant, IReadOnlyList<string> Roles);

/// <summary>
/// API keys in PostgreSQL by hash. Lookups are cached for <see cref="CacheTtl"/> so a request costs no database
/// round trip; a revocation or a new key clears this Gateway's cache at once (another Gateway sees it within the TTL).
/// What an unauthenticated caller can cost is bounded: a token that cannot be a key (not the shape keys are issued in,
/// nor the configured admin key) is refused without a lookup; at most <see cref="LookupsConcurrentMax"/> lookups run at
/// once; at most <see cref="KnownKeysMax"/> keys and <see cref="UnknownTokensMax"/> unknown tokens are remembered
/// (each set is cleared when full).
/// </summary>
public sealed class ApiKeyStore(ClearingDatabase database, TimeProvider time)
{
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(30);
    public const int KnownKeysMax = 100_000;
    public const int UnknownTokensMax = 10_000;
    public const int LookupsConcurrentMax = 4;

    /// <summary>An issued key's length: the prefix and 32 random bytes in unpadded base64url (43 characters).</summary>
    private static readonly int IssuedLength = ApiKey.Prefix.Length + 43;

    private readonly ConcurrentDictionary<string, (ApiKeyOwner Owner, DateTimeOffset Expires)> known = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> unknown = new();
    private readonly SemaphoreSlim lookups = new(LookupsConcurrentMax);
    private byte[] bootstrapHash = [];
    private long lookupCount;

    /// <summary>Database lookups made so far (for tests and operators).</summary>
    public long Lookups => Interlocked.Read(ref lookupCount);

    /// <summary>Keys and unknown tokens remembered now.</summary>
    public int Remembered => known.Count + unknown.Count;

    public async Task<ApiKeyOwner?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKey.Hash(key);
        var cacheKey = Convert.ToHexString(hash);
        var now = time.GetUtcNow();
        if (known.TryGetValue(cacheKey, out var cached) && cached.Expires > now)
        {
            return cached.Owner;
        }
        // Past the cache only: a key in use pays for no more than its hash.
        if (!CouldBeIssued(key) && !hash.AsSpan().SequenceEqual(Volatile.Read(ref bootstrapHash)))
        {
            return null;
        }
        if (unknown.TryGetValue(cacheKey, out var forgotten) && forgotten > now)
        {
            return null;
        }

        await lookups.WaitAsync(cancellationToken);
        ApiKeyOwner? owner = null;
        try
        {
            Interlocked.Increment(ref lookupCount);
            await using var command = database.DataSource.CreateCommand(
                "SELECT participant, roles FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
            command.Parameters.Add(new NpgsqlParameter { Value = hash });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                owner = new ApiKeyOwner(reader.GetString(0), reader.GetFieldValue<string[]>(1));
            }
        }
        finally
        {
            lookups.Release();
        }
        if (owner is not null)
        {
            Remember(known, cacheKey, (owner, now + CacheTtl), KnownKeysMax);
        }
        else
        {
            Remember(unknown, cacheKey, now + CacheTtl, UnknownTokensMax);
        }
        return owner;
    }

    private static bool CouldBeIssued(string key) =>
        key.Length == IssuedLength && key.StartsWith(ApiKey.Prefix, StringComparison.Ordinal)
        && key.AsSpan(ApiKey.Prefix.Length).IndexOfAnyExcept(Base64UrlCharacters) < 0;

    private static readonly System.Buffers.SearchValues<char> Base64UrlCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static void Remember<T>(ConcurrentDictionary<string, T> cache, string key, T value, int max)
    {
        if (cache.Count >= max)
        {
            // Full: forgetting all is O(1) to decide and keeps memory bounded; what is forgotten is looked up again.
            cache.Clear();
        }
        cache[key] = value;
    }

    private void Forget()
    {
        known.Clear();
        unknown.Clear();
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
        if (bootstrap)
        {
            Volatile.Write(ref bootstrapHash, ApiKey.Hash(key));
        }
        Forget();
    }

    /// <summary>Revokes the participant's key; false when the participant has no such key.</summary>
    public async Task<bool> RevokeAsync(string participant, string keyId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = $1 AND participant = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = participant });
        var found = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        Forget();
        return found;
    }

    /// <summary>Revokes every bootstrap admin key except <paramref name="current"/>: only the configured admin key works.</summary>
    public async Task RevokeOtherBootstrapKeysAsync(string current, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE api_keys SET revoked_at = now() WHERE bootstrap AND revoked_at IS NULL AND key_hash <> $1");
        command.Parameters.Add(new NpgsqlParameter { Value = ApiKey.Hash(current) });
        await command.ExecuteNonQueryAsync(cancellationToken);
        Forget();
    }
}
