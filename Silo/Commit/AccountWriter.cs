using ClearingCluster.Grains.Accounts;

namespace ClearingCluster.Silo.Commit;

/// <summary>
/// Accounts' own operations in a flush: each one's idempotency record (its key refuses a second), its postings,
/// and its money and details into the flush's account upsert.
/// </summary>
public sealed class AccountWriter : CommitItemWriter<AccountCommit>
{
    protected override void Write(FlushContext flush, IReadOnlyList<AccountCommit> items)
    {
        flush.Add("INSERT INTO account_operations (account_id, op_key, result) SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])", null,
            items.Select(i => i.AccountId).ToArray(), items.Select(i => i.Operation.Key).ToArray(),
            FlushContext.JsonbArray([.. items.Select(i => i.Operation.ResultJson)]));

        var postings = items.SelectMany(i => i.Postings.Select(p => (i.AccountId, Posting: p))).ToList();
        if (postings.Count > 0)
        {
            flush.Add("""
                INSERT INTO postings (transfer_id, account_id, debit_account, credit_account, amount_micros, kind, reference)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
                """, null,
                postings.Select(p => p.Posting.TransferId).ToArray(),
                postings.Select(p => p.AccountId).ToArray(),
                postings.Select(p => p.Posting.DebitAccount).ToArray(),
                postings.Select(p => p.Posting.CreditAccount).ToArray(),
                postings.Select(p => p.Posting.AmountMicros).ToArray(),
                postings.Select(p => p.Posting.Kind).ToArray(),
                postings.Select(p => p.Posting.Reference).ToArray());
        }

        foreach (var item in items)
        {
            flush.AddAccountDeltas(item, item.StateJson, item.AccountId);
        }
    }
}
