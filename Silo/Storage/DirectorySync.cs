using System.Runtime.InteropServices;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// fsync of a directory, so that a file renamed into it survives a power loss (.NET syncs file contents, not the
/// directory entry that names them). POSIX only; elsewhere it does nothing.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var handle = Open(directory, ReadOnlyDirectory);
        if (handle < 0)
        {
            throw new IOException($"could not open {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (Fsync(handle) != 0)
            {
                throw new IOException($"could not sync {directory} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(handle);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
