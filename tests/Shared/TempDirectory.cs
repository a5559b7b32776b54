namespace TlsGateway.Tests.Shared;

/// <summary>
/// A directory of its own under the system temp path, deleted with everything in it on dispose.
/// One class for every test project (linked in by tests/Directory.Build.props).
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "tlsgw-tests-")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string PathOf(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="text"/> to a file in this directory and returns its path.</summary>
    public string Write(string name, string text)
    {
        string path = PathOf(name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Write(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes <paramref name="bytes"/> with <paramref name="mode"/> and returns the path.</summary>
    public string Write(string name, byte[] bytes, UnixFileMode mode)
    {
        string path = Write(name, bytes);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    public void Dispose()
    {
        TestLogArchive.HarvestSecrets(Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
