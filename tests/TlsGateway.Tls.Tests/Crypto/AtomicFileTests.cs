namespace TlsGateway.Crypto.Tests;

/// <summary>
/// What a writer killed mid-write (kill -9 between create and rename) leaves behind, and that the
/// next write in the same directory cleans it up, whichever file it was for (a file never written
/// again would keep its leftover otherwise) — but never a temporary a live writer may still own.
/// </summary>
public sealed class AtomicFileTests
{
    [Fact]
    public void A_write_removes_the_temporaries_a_dead_writer_left_beside_the_same_file()
    {
        using var dir = new TempDirectory();
        string target = dir.PathOf("key.pem");
        string abandoned = dir.Write($".key.pem.{DeadPid()}.{Guid.NewGuid():N}.tmp", "half a key");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow - TimeSpan.FromMinutes(1));

        AtomicFile.Write(target, "whole\n", AtomicFile.PrivateMode);

        Assert.False(File.Exists(abandoned));
        Assert.Equal("whole\n", File.ReadAllText(target));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(target));
    }

    [Fact]
    public void Temporaries_of_live_writers_and_fresh_ones_are_left_alone_and_a_dead_writers_of_another_file_goes()
    {
        using var dir = new TempDirectory();
        DateTime old = DateTime.UtcNow - TimeSpan.FromMinutes(1);
        string live = dir.Write($".key.pem.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp", "mine");
        string fresh = dir.Write($".key.pem.{DeadPid()}.{Guid.NewGuid():N}.tmp", "just begun");
        string other = dir.Write($".cert.pem.{DeadPid()}.{Guid.NewGuid():N}.tmp", "another file's");
        string unrelated = dir.Write(".key.pem.notes.tmp", "not ours");
        File.SetLastWriteTimeUtc(live, old);
        File.SetLastWriteTimeUtc(other, old);
        File.SetLastWriteTimeUtc(unrelated, old);

        AtomicFile.Write(dir.PathOf("key.pem"), "whole\n", AtomicFile.PrivateMode);

        Assert.True(File.Exists(live));
        Assert.True(File.Exists(fresh));
        Assert.False(File.Exists(other));
        Assert.True(File.Exists(unrelated));
    }

    /// <summary>A pid no process has now (pid_max on Linux is at most 2^22).</summary>
    private static int DeadPid()
    {
        for (int pid = 4_194_000; pid > 1_000; pid--)
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                return pid;
            }
        }

        throw new InvalidOperationException("no free pid found");
    }
}
