using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Silo.Hosting;

namespace ClearingCluster.Gateway.Auth;

/// <summary>
/// Installs the admin key at start: <c>CLEARING_ADMIN_KEY</c> when set, otherwise the key in
/// <c>.data/admin.key</c>, generated (and its location printed) on first start. Only its hash is stored.
/// </summary>
public sealed class AdminKeyBootstrap(IConfiguration configuration, ClearingOptions options, ApiKeyStore keys, ILogger<AdminKeyBootstrap> logger) : IHostedService
{
    public const string AdminParticipant = "admin";

    public string KeyFile => Path.GetFullPath(Path.Combine(options.DataDirectory, "admin.key"));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var key = configuration["CLEARING_ADMIN_KEY"];
        if (string.IsNullOrWhiteSpace(key))
        {
            key = await ReadOrCreateKeyFileAsync(cancellationToken);
        }
        else if (key.Length is < 16 or > ApiKey.LengthMax)
        {
            throw new InvalidOperationException($"CLEARING_ADMIN_KEY must be 16 to {ApiKey.LengthMax} characters");
        }

        await keys.AddAsync(key, ApiKey.IdOf(key), new ApiKeyOwner(AdminParticipant, [Roles.Admin]), bootstrap: true, cancellationToken);
        await keys.RevokeOtherBootstrapKeysAsync(key, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<string> ReadOrCreateKeyFileAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(KeyFile))
        {
            var existing = (await File.ReadAllTextAsync(KeyFile, cancellationToken)).Trim();
            logger.LogInformation("admin key: {KeyFile}", KeyFile);
            return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        var key = ApiKey.Generate();
        await File.WriteAllTextAsync(KeyFile, key + Environment.NewLine, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        logger.LogWarning("generated an admin key; it is in {KeyFile}", KeyFile);
        return key;
    }
}
