using System.Text;

namespace TlsGateway.Crypto;

/// <summary>
/// Writes files so that a crash leaves either the old content or the new, never half of one:
/// write a temporary file beside the target with the final mode, fsync, rename over the target.
/// (The directory entry itself is made durable by the next fsync of the directory; a crash in
/// between leaves the old file, which is still whole.)
/// </summary>
public static class AtomicFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

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
    }
}
