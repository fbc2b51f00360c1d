using System.Globalization;

namespace ClearingCluster.Silo.Database;

/// <summary>
/// One process owns a data directory: an exclusive lock on <c>owner.lock</c> in it, held for the process's life and let
/// go by the operating system however the process ends (a SIGKILL included), with the owner's process id beside it in
/// <c>owner.pid</c>. A second process refuses at once, naming the owner, and touches nothing.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string LockFile = "owner.lock";
    public const string PidFile = "owner.pid";

    private readonly FileStream handle;

    private DataDirectoryLock(FileStream handle) => this.handle = handle;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        FileStream handle;
        try
        {
            handle = new FileStream(Path.Combine(dataDirectory, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var owner = File.Exists(Path.Combine(dataDirectory, PidFile)) ? File.ReadAllText(Path.Combine(dataDirectory, PidFile)).Trim() : "unknown";
            throw new DataDirectoryInUseException(
                $"the data directory {Path.GetFullPath(dataDirectory)} is in use by process {owner}: ClearingCluster is already running from it. "
                + "Stop that one first (or give this one another CLEARING_DATA_DIR); nothing was touched");
        }
        File.WriteAllText(Path.Combine(dataDirectory, PidFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return new DataDirectoryLock(handle);
    }

    public void Dispose() => handle.Dispose();
}

public sealed class DataDirectoryInUseException(string message) : Exception(message);
