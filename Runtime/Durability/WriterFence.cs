namespace ClearingCluster.Runtime.Durability;

/// <summary>
/// Who writes, under which epoch. An activation claims a new epoch before it reads its state; every flush that
/// carries its changes checks the epoch in the same transaction, so once a newer activation has claimed one, nothing
/// the older one still holds in memory can commit.
/// </summary>
public readonly record struct WriterFence(string Writer, long Epoch)
{
    public override string ToString() => $"{Writer}@{Epoch}";
}
