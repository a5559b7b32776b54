using System.Diagnostics;
using System.Text.Json;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server (Debian's `prometheus`) on loopback, scraping the given targets
/// every second, with its own throw-away storage; queried through its HTTP API.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly System.Text.StringBuilder _output = new();

    private PrometheusServer(Process process, TempDirectory directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

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

    public static PrometheusServer Start(params string[] targets)
    {
        var directory = new TempDirectory("tlsgw-prometheus-");
        string config = directory.Write("prometheus.yml", $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: tlsgw
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        int port = FreePort.Next();
        var info = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={directory.PathOf("data")}", $"--web.listen-address=127.0.0.1:{port}",
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start prometheus");
        var server = new PrometheusServer(process, directory, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls an instant query until it returns at least one sample (bounded); returns the first sample's value.</summary>
    public async Task<double> WaitForValueAsync(string query, TimeSpan within)
    {
        DateTime deadline = DateTime.UtcNow + within;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                last = await s_http.GetStringAsync($"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(query)}");
                using JsonDocument answer = JsonDocument.Parse(last);
                JsonElement result = answer.RootElement.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() > 0)
                {
                    return double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"prometheus never returned a sample for {query}; last answer {last}\n{Output}");
    }

    /// <summary>The health Prometheus reports for its scrape targets ("up" each, when all is well) and the last errors.</summary>
    public async Task<IReadOnlyList<(string Health, string Error)>> TargetsAsync()
    {
        string text = await s_http.GetStringAsync($"http://127.0.0.1:{Port}/api/v1/targets");
        using JsonDocument answer = JsonDocument.Parse(text);
        return answer.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Select(t => (t.GetProperty("health").GetString()!, t.GetProperty("lastError").GetString()!)).ToList();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _directory.Dispose();
    }
}
