namespace ClearingCluster.TestSupport;

/// <summary>The checkout the tests and load tools run from (the folder holding ClearingCluster.sln).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ClearingCluster.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from inside the repository");
        }
        return root;
    }
}
