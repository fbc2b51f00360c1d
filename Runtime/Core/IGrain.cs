namespace ClearingCluster.Runtime;

/// <summary>Marker for grain interfaces. Every method must return <see cref="Task"/> or <see cref="Task{T}"/>.</summary>
public interface IGrain;

/// <summary>A grain addressed by a string key, as in Orleans.</summary>
public interface IGrainWithStringKey : IGrain;
