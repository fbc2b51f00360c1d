using System.Text;
using ClearingCluster.Interfaces;

namespace ClearingCluster.Grains.Listings;

/// <summary>
/// An opaque position in a listing: the sort key of the last item shown, so the next page starts strictly after it
/// and items inserted meanwhile neither repeat nor shift what follows. Base64url of the key's parts.
/// </summary>
public static class PageCursor
{
    public const int LimitDefault = 50;
    public const int LimitMax = 200;

    private const char Separator = '\u001f';

    public static string Encode(params string[] parts) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join(Separator, parts))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The key's parts, or null for no cursor; a cursor not of this listing's shape is refused.</summary>
    public static string[]? Decode(string? cursor, int parts)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var split = decoded.Split(Separator);
            return split.Length == parts ? split : throw new FormatException();
        }
        catch (FormatException)
        {
            throw DomainException.Invalid("invalid_cursor", "cursor is not one this listing gave");
        }
    }

    public static int Limit(int? limit) => (limit ?? LimitDefault) is var n and >= 1 and <= LimitMax
        ? n
        : throw DomainException.Invalid("invalid_limit", $"limit must be 1–{LimitMax}");
}
