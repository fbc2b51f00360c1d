using System.Text.RegularExpressions;
using ClearingCluster.Interfaces;

namespace ClearingCluster.Grains.Validation;

/// <summary>
/// Bounds on every input, checked at the Gateway and again in the grain. Each refusal names the field and the
/// rule, as a 400 <c>invalid_*</c> problem.
/// </summary>
public static partial class Inputs
{
    public const int IdLengthMax = 64;
    public const int NameLengthMax = 200;
    public const int NoteLengthMax = 1000;
    public const int ReferenceLengthMax = 128;
    public const int ListCountMax = 32;

    /// <summary>No single movement above ¥1,000,000,000: far beyond any real one, far below overflow.</summary>
    public const long AmountMicrosMax = 1_000_000_000_000_000;

    /// <summary>The refusal's type for a bad field: <c>invalid_</c> and the field in snake case (<c>timeInForce</c> → <c>invalid_time_in_force</c>).</summary>
    public static string InvalidCode(string field)
    {
        var code = new System.Text.StringBuilder("invalid_", 8 + field.Length + 4);
        foreach (var c in field)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                code.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                code.Append(c);
            }
        }
        return code.ToString();
    }

    public static string Id(string? value, string field)
    {
        if (value is null || !IdPattern().IsMatch(value))
        {
            throw DomainException.Invalid(InvalidCode(field),
                $"{field} must be 1–{IdLengthMax} characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit");
        }
        return value;
    }

    public static string Text(string? value, string field, int lengthMax, int lengthMin = 1)
    {
        if (value is null || value.Length < lengthMin || value.Length > lengthMax || value.Trim().Length != value.Length
            || value.Any(char.IsControl))
        {
            throw DomainException.Invalid(InvalidCode(field),
                $"{field} must be {lengthMin}–{lengthMax} characters, without control characters or surrounding spaces");
        }
        return value;
    }

    /// <summary>A filter or other optional id: null stays null, anything else must be an id.</summary>
    public static string? OptionalId(string? value, string field) => value is null ? null : Id(value, field);

    /// <summary>An optional choice: null stays null, anything else must be one of <paramref name="allowed"/>.</summary>
    public static string? OptionalOneOf(string? value, string field, IReadOnlySet<string> allowed) => value is null ? null : OneOf(value, field, allowed);

    public static string Reference(string? value) => Text(value, "reference", ReferenceLengthMax);

    public static string OneOf(string? value, string field, IReadOnlySet<string> allowed)
    {
        if (value is null || !allowed.Contains(value))
        {
            throw DomainException.Invalid(InvalidCode(field), $"{field} must be one of: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}");
        }
        return value;
    }

    public static IReadOnlyList<string> DistinctIds(IReadOnlyList<string>? values, string field, int countMin = 1)
    {
        if (values is null || values.Count < countMin || values.Count > ListCountMax)
        {
            throw DomainException.Invalid(InvalidCode(field), $"{field} must list {countMin}–{ListCountMax} items");
        }
        foreach (var value in values)
        {
            Id(value, field[..^1] is { Length: > 0 } singular ? singular : field);
        }
        if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
        {
            throw DomainException.Invalid(InvalidCode(field), $"{field} must not repeat an item");
        }
        return [.. values.Order(StringComparer.Ordinal)];
    }

    public static long Amount(long amountMicros)
    {
        if (amountMicros <= 0 || amountMicros > AmountMicrosMax)
        {
            throw DomainException.Invalid("invalid_amount", $"amount must be 1–{AmountMicrosMax} µ¥");
        }
        return amountMicros;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
