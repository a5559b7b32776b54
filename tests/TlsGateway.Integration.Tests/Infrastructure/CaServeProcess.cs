using System.Globalization;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// `tlsgw ca serve` on a data directory with fixed loopback ports (admin, Istio CA API), so the
/// test can kill it and start it again where its clients expect it. Optionally under libfaketime,
/// to run the CA with a clock that is off.
/// </summary>
public sealed class CaServeProcess : IAsyncDisposable
{
    private readonly CaDataDirectory _ca;
    private readonly string[] _extra;
    private readonly IDictionary<string, string>? _environment;
    private readonly bool _ignoreFileSizeSignal;

    private CaServeProcess(CaDataDirectory ca, int grpcPort, int adminPort, string[] extra, IDictionary<string, string>? environment, bool ignoreFileSizeSignal)
    {
        _ignoreFileSizeSignal = ignoreFileSizeSignal;
        _ca = ca;
        GrpcPort = grpcPort;
        AdminPort = adminPort;
        _extra = extra;
        _environment = environment;
    }

    public int GrpcPort { get; }

    public int AdminPort { get; }

    /// <summary>The CA API as an agent's config names it (the serving certificate is for localhost).</summary>
    public string Address => $"https://localhost:{GrpcPort.ToString(CultureInfo.InvariantCulture)}";

    public TlsgwProcess Process { get; private set; } = null!;

    /// <summary>Every process this object started, oldest first (for their logs).</summary>
    public List<TlsgwProcess> Generations { get; } = [];

    /// <param name="ignoreFileSizeSignal">See <see cref="TlsgwProcess.Start"/>: for a file-size limit that stands in for a full disk.</param>
    public static async Task<CaServeProcess> StartAsync(CaDataDirectory ca, IEnumerable<string>? extra = null, IDictionary<string, string>? environment = null,
        bool ignoreFileSizeSignal = false)
    {
        var server = new CaServeProcess(ca, FreePort.Next(), FreePort.Next(), extra?.ToArray() ?? [], environment, ignoreFileSizeSignal);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the CA (again, after <see cref="KillAsync"/>) on the same ports and waits until its API accepts.</summary>
    public async Task StartAgainAsync()
    {
        Process = TlsgwProcess.Start(
            ["ca", "serve", "--data", _ca.Path, "--admin", $"127.0.0.1:{AdminPort}", "--grpc-listen", $"127.0.0.1:{GrpcPort}", .. _extra], _environment, ignoreFileSizeSignal: _ignoreFileSizeSignal);
        Generations.Add(Process);
        await Process.WaitForPortAsync(GrpcPort, TimeSpan.FromSeconds(30));
        await Process.WaitForOutputAsync("Istio CA API", TimeSpan.FromSeconds(30));
    }

    /// <summary>kill -9, and waits for the exit.</summary>
    public async Task KillAsync()
    {
        await ProcessRunner.RunAsync("kill", ["-KILL", Process.Pid.ToString(CultureInfo.InvariantCulture)]);
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (TlsgwProcess process in Generations)
        {
            await process.DisposeAsync();
        }
    }
}
