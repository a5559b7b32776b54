using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// The real tlsgw binary as a child process: started with arguments and environment, awaited
/// until its port accepts, stopped with SIGTERM (graceful drain) and killed if it overstays.
/// </summary>
public sealed class TlsgwProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TlsgwProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>Waits (bounded) until the process output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? within = null)
    {
        DateTime deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"tlsgw never printed '{text}':\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <param name="fileLimit">A lower open-file limit (ulimit -n) for the process, to test running out of descriptors.</param>
    /// <param name="ignoreFileSizeSignal">
    /// Start with SIGXFSZ ignored (inherited through exec), so a write past RLIMIT_FSIZE fails with
    /// EFBIG instead of killing the process: how a file-size limit set later with prlimit acts as a full disk.
    /// </param>
    public static TlsgwProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, int? fileLimit = null,
        bool ignoreFileSizeSignal = false)
    {
        var info = new ProcessStartInfo(fileLimit is null && !ignoreFileSizeSignal ? "dotnet" : "bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (fileLimit is { } limit)
        {
            // exec: the process the test signals and kills is tlsgw itself, not a shell around it.
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"ulimit -n {limit} && exec dotnet \"$@\"");
            info.ArgumentList.Add("bash");
        }
        else if (ignoreFileSizeSignal)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("trap '' XFSZ && exec dotnet \"$@\"");
            info.ArgumentList.Add("bash");
        }

        info.ArgumentList.Add(RepoPaths.TlsgwDll);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new TlsgwProcess(Process.Start(info) ?? throw new InvalidOperationException("cannot start tlsgw"));
    }

    /// <summary>Waits until 127.0.0.1:<paramref name="port"/> accepts, or fails with the process output.</summary>
    public async Task WaitForPortAsync(int port, TimeSpan? within = null)
    {
        DateTime deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"tlsgw exited with {_process.ExitCode} before listening:\n{Output}");
            }

            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"tlsgw did not listen on {port}:\n{Output}");
    }

    /// <summary>Waits for the process to end by itself (a start-up failure), bounded.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var limit = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(limit.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then the exit code once it has drained (killed after <paramref name="within"/>).</summary>
    public async Task<int> StopAsync(TimeSpan? within = null)
    {
        if (!_process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString()]);
        }

        using var limit = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tlsgw did not stop after SIGTERM:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        TestLogArchive.SaveLog("tlsgw", Output);

        _process.Dispose();
    }
}
