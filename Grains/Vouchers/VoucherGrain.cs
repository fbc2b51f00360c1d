using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Vouchers;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Vouchers;

/// <summary>
/// Holds a voucher id's claim and issues it in three idempotent steps: the claim is durable first (no second
/// receiver can get the id), then the issuer's account sets the amount aside (its backing; refused without the money),
/// then the receiver's account records the voucher. A refusal by either account undoes what came before it; a crash
/// between steps is finished by the client's repeat, which replays each step by the same keys.
/// </summary>
public sealed class VoucherGrain([PersistentState("voucher")] IPersistentState<VoucherClaim> state, TimeProvider time) : Grain, IVoucherGrain
{
    public async Task<VoucherBalance> Issue(string participant, IssueVoucher voucher)
    {
        if (voucher.Id != GetPrimaryKeyString())
        {
            throw DomainException.Invalid("invalid_id", $"voucher {voucher.Id} is not voucher {GetPrimaryKeyString()}");
        }
        // The voucher's own terms first, before any money is set aside for it (the receiver's account checks them again).
        Validation.Inputs.Amount(voucher.AmountMicros);
        if (voucher.Expires <= time.GetUtcNow())
        {
            throw DomainException.Invalid("invalid_expires", "a voucher must expire in the future");
        }
        var receiver = await GrainFactory.GetGrain<IParticipantGrain>(participant).Get()
            ?? throw DomainException.NotFound("unknown_account", $"no account {participant}");
        if (!receiver.Roles.Contains(Roles.Buyer))
        {
            throw DomainException.Rule("not_a_buyer", $"participant {participant} is not admitted as a buyer; vouchers are issued to buyers");
        }
        var claim = state.State;
        if (claim.Terms is not null)
        {
            return claim.Participant == participant && SameTerms(claim.Terms, voucher)
                ? await IssueAsync(claim, participant, voucher)
                : throw DomainException.Conflict("voucher_exists", $"voucher {voucher.Id} was issued with other terms");
        }
        (claim.Participant, claim.Terms, claim.Attempt) = (participant, voucher, claim.Attempt + 1);
        await state.WriteStateAsync();
        return await IssueAsync(claim, participant, voucher);
    }

    private async Task<VoucherBalance> IssueAsync(VoucherClaim claim, string participant, IssueVoucher voucher)
    {
        var issuer = GrainFactory.GetGrain<IAccountGrain>(voucher.Issuer);
        var key = claim.BackingKey(voucher.Id);
        try
        {
            await issuer.BackVoucher(key, voucher.AmountMicros);
        }
        catch (DomainException)
        {
            await ReleaseClaimAsync(claim);
            throw;
        }
        try
        {
            var balance = await GrainFactory.GetGrain<IAccountGrain>(participant).IssueVoucher(voucher);
            return balance.Vouchers.Single(v => v.Id == voucher.Id);
        }
        catch (DomainException)
        {
            // The receiver refused (not a buyer, no such account): the backing goes back, the id is free again.
            await issuer.ReleaseVoucherBacking(key, voucher.AmountMicros);
            await ReleaseClaimAsync(claim);
            throw;
        }
    }

    private async Task ReleaseClaimAsync(VoucherClaim claim)
    {
        (claim.Participant, claim.Terms) = (null, null);
        await state.WriteStateAsync();
    }

    private static bool SameTerms(IssueVoucher a, IssueVoucher b) =>
        a.AmountMicros == b.AmountMicros && a.Issuer == b.Issuer && a.Reference == b.Reference && a.Expires == b.Expires
        && a.Categories.Order(StringComparer.Ordinal).SequenceEqual(b.Categories.Order(StringComparer.Ordinal));
}
