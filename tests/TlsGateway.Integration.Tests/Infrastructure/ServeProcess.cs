namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>`tlsgw serve -c FILE` as a child process, with its config in a scratch directory the test can rewrite.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private ServeProcess(string directory, string configPath, TlsgwProcess process)
    {
        Directory = directory;
        ConfigPath = configPath;
        Process = process;
    }

    public string Directory { get; }

    public string ConfigPath { get; }

    public TlsgwProcess Process { get; }

    public static string NewDirectory()
    {
        string directory = Path.Combine(TestPki.Instance.Directory, "serve-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Writes <paramref name="yaml"/> to DIR/tlsgw.yaml, starts serve, waits for <paramref name="port"/>.</summary>
    /// <param name="expectedLine">Also waits for this in the output (e.g. which path a listener takes); the process is stopped if it never comes.</param>
    public static async Task<ServeProcess> StartAsync(string yaml, int port, string? directory = null, string? expectedLine = null)
    {
        directory ??= NewDirectory();
        string config = Path.Combine(directory, "tlsgw.yaml");
        await File.WriteAllTextAsync(config, yaml);
        TlsgwProcess process = TlsgwProcess.Start(["serve", "-c", config]);
        var serve = new ServeProcess(directory, config, process);
        try
        {
            await process.WaitForPortAsync(port);
            if (expectedLine is not null)
            {
                await process.WaitForOutputAsync(expectedLine);
            }

            return serve;
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
    }

    /// <summary>Replaces the config file the way deploy tools do: write beside it, rename over it.</summary>
    public async Task RewriteConfigAsync(string yaml)
    {
        string temporary = ConfigPath + ".new";
        await File.WriteAllTextAsync(temporary, yaml);
        File.Move(temporary, ConfigPath, overwrite: true);
    }

    public Task SignalAsync(string signal) => ProcessRunner.RunAsync("kill", [$"-{signal}", Process.Pid.ToString()]);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
