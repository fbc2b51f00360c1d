namespace ClearingCluster.Runtime.Activation;

internal enum ActivationStatus
{
    Created,
    Activating,
    Active,
    Deactivating,
    Deactivated,
}
