using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces;

/// <summary>How a broken rule answers: the Gateway turns each kind into its HTTP status.</summary>
public enum DomainErrorKind
{
    /// <summary>Malformed or out-of-bounds input (400).</summary>
    Invalid,

    /// <summary>Not allowed for this caller (403).</summary>
    Forbidden,

    /// <summary>No such participant, account, product (404).</summary>
    NotFound,

    /// <summary>Not in a state that allows it, or a conflicting repeat (409).</summary>
    Conflict,

    /// <summary>A business rule refuses it: insufficient funds, scenario not permitted (422).</summary>
    Rule,

    /// <summary>Not taken now, nothing changed: the system is overloaded or could not make it durable; retry (503).</summary>
    Unavailable,
}

/// <summary>
/// A refusal by a domain rule. <see cref="Code"/> names the rule (<c>insufficient_funds</c>); it becomes the
/// problem type. A grain throws it before changing anything, so a refused request changes nothing.
/// </summary>
public sealed class DomainException(DomainErrorKind kind, string code, string message) : Exception(message), IGrainRefusal
{
    public DomainErrorKind Kind { get; } = kind;

    public string Code { get; } = code;

    public static DomainException Invalid(string code, string message) => new(DomainErrorKind.Invalid, code, message);

    public static DomainException NotFound(string code, string message) => new(DomainErrorKind.NotFound, code, message);

    public static DomainException Conflict(string code, string message) => new(DomainErrorKind.Conflict, code, message);

    public static DomainException Rule(string code, string message) => new(DomainErrorKind.Rule, code, message);

    public static DomainException Forbidden(string code, string message) => new(DomainErrorKind.Forbidden, code, message);

    public static DomainException Unavailable(string code, string message) => new(DomainErrorKind.Unavailable, code, message);
}
