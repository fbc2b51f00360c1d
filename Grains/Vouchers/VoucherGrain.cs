using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Vouchers;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Vouchers;

/// <summary>
/// Holds a voucher id's claim. The claim is durable before the account is asked to issue, and the account's issuance
/// is idempotent by id, so a crash between the two is finished by the client's repeat.
/// </summary>
public sealed class VoucherGrain([PersistentState("voucher")] IPersistentState<VoucherClaim> state) : Grain, IVoucherGrain
{
    public async Task<VoucherBalance> Issue(string participant, IssueVoucher voucher)
    {
        if (voucher.Id != GetPrimaryKeyString())
        {
            throw DomainException.Invalid("invalid_id", $"voucher {voucher.Id} is not voucher {GetPrimaryKeyString()}");
        }
        var claim = state.State;
        if (claim.Terms is not null)
        {
            return claim.Participant == participant && SameTerms(claim.Terms, voucher)
                ? await IssueAsync(participant, voucher)
                : throw DomainException.Conflict("voucher_exists", $"voucher {voucher.Id} was issued with other terms");
        }
        // Claimed first, so no second account can get this id; a refusal by the account gives the claim back.
        (claim.Participant, claim.Terms) = (participant, voucher);
        await state.WriteStateAsync();
        try
        {
            return await IssueAsync(participant, voucher);
        }
        catch (DomainException)
        {
            (claim.Participant, claim.Terms) = (null, null);
            await state.WriteStateAsync();
            throw;
        }
    }

    private async Task<VoucherBalance> IssueAsync(string participant, IssueVoucher voucher)
    {
        var balance = await GrainFactory.GetGrain<IAccountGrain>(participant).IssueVoucher(voucher);
        return balance.Vouchers.Single(v => v.Id == voucher.Id);
    }

    private static bool SameTerms(IssueVoucher a, IssueVoucher b) =>
        a.AmountMicros == b.AmountMicros && a.Issuer == b.Issuer && a.Reference == b.Reference && a.Expires == b.Expires
        && a.Categories.Order(StringComparer.Ordinal).SequenceEqual(b.Categories.Order(StringComparer.Ordinal));
}
