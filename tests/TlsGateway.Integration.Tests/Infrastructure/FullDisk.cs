using System.Globalization;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A directory whose writes the test can make fail as on a full disk, and succeed again.
/// Where the test may mount (root with CAP_SYS_ADMIN, as here), it is a small tmpfs mounted on
/// the directory, filled to the last byte by a filler file: writes get ENOSPC, exactly as on a
/// full disk. Where it may not (an unprivileged container), the writer's file-size limit is
/// lowered to what its files hold now with prlimit: writes that would grow a file get EFBIG —
/// the kernel's answer to a quota, not ENOSPC, which the caller's log then shows as an I/O error.
/// </summary>
public sealed class FullDisk : IAsyncDisposable
{
    private readonly string _path;
    private readonly bool _mounted;
    private string? _filler;

    private FullDisk(string path, bool mounted)
    {
        _path = path;
        _mounted = mounted;
    }

    /// <summary>"tmpfs (ENOSPC)" or "RLIMIT_FSIZE (EFBIG)".</summary>
    public string Method => _mounted ? "tmpfs filled to the last byte (ENOSPC)" : "RLIMIT_FSIZE lowered with prlimit (EFBIG)";

    /// <summary>True when the writer must ignore SIGXFSZ (start it with <c>ignoreFileSizeSignal</c>): the fallback needs it.</summary>
    public bool NeedsFileSizeSignalIgnored => !_mounted;

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> on the empty directory <paramref name="path"/>, or falls back to the file-size limit.</summary>
    /// <remarks>TLSGW_TEST_FULL_DISK=fsize forces the fallback, to try it where mounting works.</remarks>
    public static async Task<FullDisk> CreateAsync(string path, long bytes)
    {
        if (Environment.GetEnvironmentVariable("TLSGW_TEST_FULL_DISK") == "fsize")
        {
            return new FullDisk(path, mounted: false);
        }

        try
        {
            ProcessResult mount = await ProcessRunner.RunAsync("mount",
                ["-t", "tmpfs", "-o", $"size={bytes.ToString(CultureInfo.InvariantCulture)},mode=0700", "tmpfs", path], timeout: TimeSpan.FromSeconds(10));
            return new FullDisk(path, mount.ExitCode == 0);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No mount(8) at all (a minimal image): the file-size limit still works.
            return new FullDisk(path, mounted: false);
        }
    }

    /// <summary>Makes the next write of <paramref name="writerPid"/> that needs space fail.</summary>
    /// <param name="growingFile">
    /// For the fallback: the file the writer appends to (an SQLite WAL); the limit is set to its
    /// length now, and RLIMIT_FSIZE refuses any write at or past that offset, in any file.
    /// </param>
    public async Task FillAsync(int writerPid, string growingFile)
    {
        if (_mounted)
        {
            _filler = Path.Combine(_path, "filler");
            var chunk = new byte[64 * 1024];
            await using var stream = new FileStream(_filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            try
            {
                // Bounded by the mount's size; the last partial chunk is written byte by byte so not one is left.
                while (true)
                {
                    stream.Write(chunk);
                }
            }
            catch (IOException)
            {
            }

            try
            {
                while (true)
                {
                    stream.Write(chunk, 0, 1);
                }
            }
            catch (IOException)
            {
            }

            return;
        }

        await PrlimitAsync(writerPid, new FileInfo(growingFile).Length.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Gives the space back.</summary>
    public async Task FreeAsync(int writerPid)
    {
        if (_mounted)
        {
            File.Delete(_filler!);
            return;
        }

        await PrlimitAsync(writerPid, "unlimited");
    }

    private static async Task PrlimitAsync(int pid, string soft)
    {
        ProcessResult result = await ProcessRunner.RunAsync("prlimit", ["--pid", pid.ToString(CultureInfo.InvariantCulture), $"--fsize={soft}:"]);
        Assert.True(result.ExitCode == 0, result.Combined);
    }

    public async ValueTask DisposeAsync()
    {
        if (_mounted)
        {
            // The CA's secrets live only on the mount: collect them for the log check before they go.
            TestLogArchive.HarvestSecrets(_path);
            await ProcessRunner.RunAsync("umount", ["-l", _path]);
        }
    }
}
