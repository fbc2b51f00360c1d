using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Vouchers;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Vouchers;

/// <summary>
/// Holds a voucher id's claim and issues it in three idempotent steps: the claim is durable first (no second
/// receiver can get the id), then the issuer's account moves the amount to its backing (refused without the money),
/// then the receiver's account records the voucher. A repeat of the same terms replays the steps by the same keys,
/// so a crash between them is finished by the client's repeat. A refusal by either account undoes what came before
/// it: the backing to give back is recorded with the cleared claim first, and given back before anything else runs,
/// so a backing is never stranded and a given-back key never funds a voucher (the next claim backs under a new key).
/// </summary>
public sealed class VoucherGrain([PersistentState("voucher")] IPersistentState<VoucherClaim> state, TimeProvider time) : Grain, IVoucherGrain
{
    public async Task<VoucherBalance> Issue(string participant, IssueVoucher voucher)
    {
        if (voucher.Id != GetPrimaryKeyString())
        {
            throw DomainException.Invalid("invalid_id", $"voucher {voucher.Id} is not voucher {GetPrimaryKeyString()}");
        }
        await FinishReleaseAsync();
        var claim = state.State;
        if (claim.Terms is not null)
        {
            // A claim made: finish it as it was made, whatever has changed since (the voucher's expiry, the receiver's roles).
            return claim.Participant == participant && SameTerms(claim.Terms, voucher)
                ? await IssueAsync(participant, voucher)
                : throw DomainException.Conflict("voucher_exists", $"voucher {voucher.Id} was issued with other terms");
        }

        // A fresh claim: the voucher's own terms and its receiver first, before any money is set aside for it.
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
        var next = claim.Copy();
        (next.Participant, next.Terms, next.Attempt) = (participant, voucher, claim.Attempt + 1);
        await SaveAsync(next);
        return await IssueAsync(participant, voucher);
    }

    private async Task<VoucherBalance> IssueAsync(string participant, IssueVoucher voucher)
    {
        if (state.State.Attempt == 0)
        {
            // A claim from before vouchers were backed: its voucher was issued unbacked, and a repeat does not move money now.
            return (await GrainFactory.GetGrain<IAccountGrain>(participant).IssueVoucher(voucher)).Vouchers.Single(v => v.Id == voucher.Id);
        }
        var issuer = GrainFactory.GetGrain<IAccountGrain>(voucher.Issuer);
        var key = state.State.BackingKey(voucher.Id);
        try
        {
            await issuer.BackVoucher(key, voucher.AmountMicros);
        }
        catch (DomainException)
        {
            // Nothing was set aside: the id is free again.
            await SaveAsync(Cleared(release: null));
            throw;
        }
        try
        {
            var balance = await GrainFactory.GetGrain<IAccountGrain>(participant).IssueVoucher(voucher);
            return balance.Vouchers.Single(v => v.Id == voucher.Id);
        }
        catch (DomainException)
        {
            // The receiver refused (not a buyer after all, no such account): the backing goes back, the id is free again.
            await SaveAsync(Cleared(new PendingRelease(voucher.Issuer, key, voucher.AmountMicros)));
            await FinishReleaseAsync();
            throw;
        }
    }

    /// <summary>Gives back a refused claim's backing, if one is recorded; the record goes once the account has done it.</summary>
    private async Task FinishReleaseAsync()
    {
        if (state.State.Release is not { } release)
        {
            return;
        }
        await GrainFactory.GetGrain<IAccountGrain>(release.Issuer).ReleaseVoucherBacking(release.Key, release.AmountMicros);
        var next = state.State.Copy();
        next.Release = null;
        await SaveAsync(next);
    }

    /// <summary>The claim without its terms (the attempt counter stays, so the next claim backs under a new key).</summary>
    private VoucherClaim Cleared(PendingRelease? release)
    {
        var next = state.State.Copy();
        (next.Participant, next.Terms, next.Release) = (null, null, release);
        return next;
    }

    /// <summary>Writes the next claim; memory takes it only once stored, and a failed write drops the activation.</summary>
    private async Task SaveAsync(VoucherClaim next)
    {
        var current = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = current;
            DeactivateOnIdle();
            throw;
        }
    }

    private static bool SameTerms(IssueVoucher a, IssueVoucher b) =>
        a.AmountMicros == b.AmountMicros && a.Issuer == b.Issuer && a.Reference == b.Reference && a.Expires == b.Expires
        && a.Categories.Order(StringComparer.Ordinal).SequenceEqual(b.Categories.Order(StringComparer.Ordinal));
}
