namespace ClearingCluster.Grains;

/// <summary>Names this assembly to the runtime, which registers every grain class in it.</summary>
public static class GrainsAssembly
{
    public static System.Reflection.Assembly Reference => typeof(GrainsAssembly).Assembly;
}
