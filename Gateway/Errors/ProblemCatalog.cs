namespace ClearingCluster.Gateway.Errors;

/// <summary>
/// Every problem type the Gateway answers with, its one status and what it means: the list docs/API.md shows (a test
/// keeps the two equal) and the one every refusal in the end-to-end tests is checked against. Guards the API cannot
/// reach (an engine bound the order rules check first, an internal payload limit) are not listed: should one ever
/// answer, the tests fail on a type the catalog does not know. A field that is
/// missing or out of bounds is <c>invalid_&lt;field&gt;</c> in snake case (400), one family rather than an entry per field.
/// </summary>
public static class ProblemCatalog
{
    public sealed record Entry(int Status, string Meaning);

    public const string InvalidFieldPrefix = "invalid_";

    public static readonly Entry InvalidField = new(400, "a field is missing, malformed or out of bounds; the detail names the field and the bound");

    public static readonly IReadOnlyDictionary<string, Entry> Types = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        // The request itself.
        ["bad_request"] = new(400, "the request is malformed (a query parameter that does not parse, say)"),
        ["malformed_json"] = new(400, "the body is not the JSON the route takes: a syntax error, a property given twice, a number sent as a string; the detail names the field"),
        ["bad_order"] = new(400, "an order that is not an order (wrong types, a property twice); in a batch it refuses only itself"),
        ["bad_batch"] = new(400, "a batch envelope that cannot be read (not a JSON array of orders; a usage envelope without producer or sequence)"),
        ["empty_batch"] = new(400, "a batch with no order"),
        ["reserved_id"] = new(400, "the id is reserved for the exchange's own accounts"),
        ["unauthenticated"] = new(401, "no API key, or one that is unknown or revoked"),
        ["forbidden"] = new(403, "the key's roles or participant do not allow this"),
        ["gateway_not_authorised"] = new(403, "a gateway acting for a member that has not authorised it"),
        ["participant_not_active"] = new(403, "the participant is pending or suspended"),
        ["not_found"] = new(404, "no route matches the path"),
        ["unknown_participant"] = new(404, "no such participant"),
        ["unknown_account"] = new(404, "no such account"),
        ["unknown_product"] = new(404, "no such product"),
        ["unknown_order"] = new(404, "no such order, or one the caller may not see"),
        ["unknown_contract"] = new(404, "no such contract, or one the caller may not see"),
        ["unknown_key"] = new(404, "the participant has no key with that id"),
        ["unknown_gateway"] = new(404, "the member has not authorised that gateway"),
        ["unknown_cycle"] = new(404, "no such clearing cycle"),
        ["call_not_found"] = new(404, "the contract counted no such call id (in the cycles not archived)"),
        ["method_not_allowed"] = new(405, "the route does not take this method"),
        ["body_too_large"] = new(413, "the body is over the route's limit"),
        ["batch_too_large"] = new(413, "more orders than a batch may hold"),
        ["unsupported_media_type"] = new(415, "a body of a media type the route does not take; the detail lists those it takes"),

        // Conflicts: the request contradicts what is already there.
        ["participant_exists"] = new(409, "the participant id is taken, with other details"),
        ["product_exists"] = new(409, "the product id is taken, with another submission or provider"),
        ["voucher_exists"] = new(409, "the voucher id is taken, with other terms or for another participant"),
        ["invalid_transition"] = new(409, "the status change is not allowed from the current status"),
        ["reference_reused"] = new(409, "a deposit or withdrawal reference used before with another amount"),
        ["client_order_id_reused"] = new(409, "a client order id used before with other terms"),
        ["order_not_open"] = new(409, "the order is filled or cancelled already"),
        ["sequence_reused"] = new(409, "a usage (producer, sequence) used before for another batch"),
        ["concurrent_update"] = new(409, "two writers changed the same state; repeat the request"),
        ["cycle_not_cut_off"] = new(409, "only a cycle cut off (or computed, or failed) is computed"),
        ["cycle_not_computed"] = new(409, "only a computed cycle is settled"),
        ["cycle_not_settled"] = new(409, "statements, adjustments and archives need a settled cycle"),
        ["archive_damaged"] = new(409, "the cycle's archive file is missing or differs from what was recorded, and its records are no longer in the database"),
        ["cycle_in_call_window"] = new(409, "the cycle's calls are still inside the call-id deduplication window: its usage is archived later"),
        ["previous_cycle_not_settled"] = new(409, "cycles settle in order: the cycle before is not settled yet"),
        ["adjustment_exists"] = new(409, "the adjustment id is taken, with other terms"),

        // Business rules.
        ["insufficient_funds"] = new(422, "available money does not cover the hold or the withdrawal"),
        ["tier_limit_exceeded"] = new(422, "the order is over the participant's tier limits"),
        ["not_a_buyer"] = new(422, "the participant is not admitted as a buyer"),
        ["not_a_provider"] = new(422, "the participant is not admitted as a provider"),
        ["not_a_gateway"] = new(422, "the participant is not an active gateway"),
        ["not_the_provider"] = new(422, "only the product's provider sells it"),
        ["product_not_listed"] = new(422, "the product is not listed (pending, suspended, rejected, delisted)"),
        ["scenario_not_permitted"] = new(422, "the product is not licensed for the buy's scenario"),
        ["too_many_gateways"] = new(422, "the member has authorised as many gateways as allowed"),
        ["unknown_issuer"] = new(422, "the voucher's issuer account does not exist"),
        ["unknown_intermediary"] = new(422, "a product's revenue share names no participant"),
        ["not_an_intermediary"] = new(422, "a product's revenue share names a participant not admitted as an intermediary"),
        ["price_outside_band"] = new(422, "the price is outside the band around the last trade"),
        ["book_full"] = new(422, "the book holds as many orders as it may"),

        // The server: try again.
        ["internal"] = new(500, "an unexpected failure, logged; nothing of the request stands"),
        ["not_ready"] = new(503, "the database or the silo is not serving yet"),
        ["database_unavailable"] = new(503, "the database is not reachable; Retry-After"),
        ["overloaded"] = new(503, "too much work is pending (a full mailbox or commit log); Retry-After"),
        ["not_durable"] = new(503, "the commit that carried the request failed; nothing of it stands; Retry-After"),
        ["moved"] = new(503, "another activation owns the state now, or no silo served the grain's partition within the hand-over wait (a silo died and its leases still run, or the silo holding it could not be reached): nothing was done; repeat the request"),
        ["stopping"] = new(503, "the Gateway is shutting down"),
        ["usage_unavailable"] = new(503, "a meter shard cannot take usage now; Retry-After"),
        ["account_reloading"] = new(503, "the account is reloading after an order whose outcome it could not know; Retry-After"),
        ["order_in_doubt"] = new(503, "an order's outcome could not be known; repeat it with the same clientOrderId"),
        ["evidence_unavailable"] = new(503, "the contract's evidence is not on the ledger yet; ask again"),
        ["settlement_failed"] = new(503, "the settlement could not be committed; nothing was posted: settle again"),
        ["timeout"] = new(504, "a grain call took longer than the call timeout, or the silo serving the grain took the call but gave no answer: it may have been done; repeat with the same reference"),
    };

    /// <summary>The entry of a problem type's code, the <c>invalid_&lt;field&gt;</c> family included; null when the catalog does not know it.</summary>
    public static Entry? Find(string code) =>
        Types.TryGetValue(code, out var entry) ? entry
        : code.StartsWith(InvalidFieldPrefix, StringComparison.Ordinal) && code.Length > InvalidFieldPrefix.Length ? InvalidField
        : null;
}
