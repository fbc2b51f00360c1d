using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ClearingCluster.Gateway.Console;

/// <summary>Who signed in to the console: the member, its roles, and the API key it signed in with (never sent to the browser).</summary>
public sealed class ConsoleSession(string id, string key, string participant, IReadOnlyList<string> roles, DateTimeOffset started)
{
    public string Id { get; } = id;

    /// <summary>The API key: the console calls the API with it, so every page is authorised exactly as the API authorises.</summary>
    public string Key { get; } = key;

    public string Participant { get; } = participant;

    public IReadOnlyList<string> Roles { get; } = roles;

    public DateTimeOffset Started { get; } = started;

    public DateTimeOffset LastSeen { get; set; } = started;

    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// The console's sessions, in this Gateway's memory: the browser holds only a random id (an HTTP-only, secure,
/// SameSite=Strict cookie). A session ends when it is signed out, idle for <see cref="ConsoleOptions.IdleTimeout"/>,
/// older than <see cref="ConsoleOptions.SessionLifetime"/>, or the API refuses its key (revoked, member suspended); at
/// most <see cref="ConsoleOptions.SessionsMax"/> live at once, the longest idle making way. A restart signs everyone out.
/// </summary>
public sealed class ConsoleSessions(ConsoleOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ConsoleSession> sessions = new(StringComparer.Ordinal);

    public int Count => sessions.Count;

    public ConsoleSession Start(string key, string participant, IReadOnlyList<string> roles)
    {
        while (sessions.Count >= options.SessionsMax && sessions.Values.MinBy(s => s.LastSeen) is { } idlest)
        {
            sessions.TryRemove(idlest.Id, out _);
        }
        var session = new ConsoleSession(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('='),
            key, participant, roles, time.GetUtcNow());
        sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session with this id, its idle time restarted; none when unknown, idle too long or too old.</summary>
    public ConsoleSession? Find(string? id)
    {
        if (id is null || !sessions.TryGetValue(id, out var session))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (now - session.LastSeen > options.IdleTimeout || now - session.Started > options.SessionLifetime)
        {
            End(id);
            return null;
        }
        session.LastSeen = now;
        return session;
    }

    public void End(string id) => sessions.TryRemove(id, out _);
}
