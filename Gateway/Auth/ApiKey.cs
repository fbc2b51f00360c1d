using System.Security.Cryptography;

namespace ClearingCluster.Gateway.Auth;

/// <summary>API keys: 256 random bits, printable, identified at rest only by their SHA-256 hash.</summary>
public static class ApiKey
{
    public const string Prefix = "cck_";
    public const int LengthMax = 128;

    public static string Generate() => Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key's public id: the start of its hash, enough to name it, useless to forge it.</summary>
    public static string IdOf(string key) => "key_" + Convert.ToHexStringLower(Hash(key))[..16];

    public static byte[] Hash(string key) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
