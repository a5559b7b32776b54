using System.Globalization;
using System.Text;

namespace TlsGateway.Crypto;

/// <summary>
/// Writes files so that a crash leaves either the old content or the new, never half of one:
/// write a temporary file beside the target with the final mode, fsync, rename over the target.
/// (The directory entry itself is made durable by the next fsync of the directory; a crash in
/// between leaves the old file, which is still whole.)
/// </summary>
/// <remarks>
/// A process killed between creating the temporary and renaming it (kill -9, OOM killer, power
/// loss) leaves the temporary behind: a hidden copy of what was being written, a private key
/// included. The next write of the same target removes such leftovers, so a restarted writer
/// cleans up after the one that died. A temporary is a leftover when the process named in it is
/// gone and it has not been touched for <see cref="AbandonedAfter"/>; the age guard keeps a
/// writer in another PID namespace sharing the directory (two containers, one volume) from
/// losing a temporary it is still writing.
/// </remarks>
public static class AtomicFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>How long a temporary of a process that is gone must be untouched before it counts as abandoned.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromSeconds(2);

    public static void Write(string path, string content, UnixFileMode mode) => Write(path, Encoding.ASCII.GetBytes(content), mode);

    public static void Write(string path, byte[] content, UnixFileMode mode)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            // The mode is set at creation, so a key is never readable by others, not even briefly.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode };
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        RemoveAbandoned(directory);
    }

    /// <summary>
    /// Deletes the temporaries writers that died left in <paramref name="directory"/>, whichever
    /// file they were writing (a file that is never written again would otherwise keep its
    /// leftover, key copies included); returns how many.
    /// </summary>
    public static int RemoveAbandoned(string directory)
    {
        int removed = 0;
        try
        {
            foreach (string candidate in Directory.EnumerateFiles(directory, ".*.tmp"))
            {
                if (IsAbandoned(candidate))
                {
                    File.Delete(candidate);
                    removed++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the target was written; a leftover that cannot be removed now is removed by a later write.
        }

        return removed;
    }

    private static bool IsAbandoned(string path)
    {
        // .NAME.PID.GUID.tmp, as Write names them; NAME may hold dots, so read from the end.
        string[] parts = Path.GetFileName(path).Split('.');
        if (parts.Length < 5 || parts[^1] != "tmp" || parts[^2].Length != 32
            || !int.TryParse(parts[^3], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            return false;
        }

        bool writerGone = pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
        return writerGone && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > AbandonedAfter;
    }
}
