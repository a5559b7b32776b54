using TlsGateway.Sds;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// `tlsgw serve` with only an `agent` section, enrolled with a one-time token at a remote
/// `tlsgw ca serve`, serving SDS on a Unix socket to this test process (by its uid) and metrics on
/// an admin port. The agent's own certificate and the workloads' have the same lifetime
/// (`workload_ttl`), as in production.
/// </summary>
public sealed class RemoteAgentProcess : IAsyncDisposable
{
    public const string AgentId = "spiffe://example.org/agent/node-1";

    private RemoteAgentProcess(TempDirectory directory, TlsgwProcess process, int adminPort)
    {
        Directory = directory;
        Process = process;
        AdminPort = adminPort;
    }

    public TempDirectory Directory { get; }

    public TlsgwProcess Process { get; }

    public int AdminPort { get; }

    public string SocketPath => Directory.PathOf("sds.sock");

    /// <summary>The identity this test process gets from the agent's policy.</summary>
    public static string WorkloadId => "spiffe://example.org/ns/default/sa/" + Environment.UserName;

    /// <param name="ttl">The agent's workload_ttl, e.g. "16s".</param>
    /// <param name="environment">For the agent process, e.g. libfaketime's variables.</param>
    public static async Task<RemoteAgentProcess> StartAsync(CaDataDirectory ca, CaServeProcess caServer, string ttl,
        IDictionary<string, string>? environment = null)
    {
        var directory = new TempDirectory("tlsgw-agent-");
        try
        {
            string token = (await ca.RunOkAsync(["ca", "token", "create", "--identity", AgentId, "--ttl", "10m"])).Trim();
            string tokenFile = directory.Write("token", System.Text.Encoding.ASCII.GetBytes(token + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            int admin = FreePort.Next();
            string config = directory.Write("tlsgw.yaml", $"""
                agent:
                  ca:
                    address: {caServer.Address}
                    bundle: {ca.Bundle}
                    token_file: {tokenFile}
                    identity_dir: identity
                    identity: {AgentId}
                  sds_socket: sds.sock
                  workload_ttl: {ttl}
                  policy:
                    - uid: {WorkloadPolicy.CurrentUid()}
                      identity: spiffe://example.org/ns/default/sa/{"{user}"}
                admin:
                  listen: 127.0.0.1:{admin}
                """);
            TlsgwProcess process = TlsgwProcess.Start(["serve", "-c", config], environment);
            var agent = new RemoteAgentProcess(directory, process, admin);
            await agent.WaitForSocketAsync(TimeSpan.FromSeconds(30));
            return agent;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private async Task WaitForSocketAsync(TimeSpan within)
    {
        DateTime deadline = DateTime.UtcNow + within;
        while (!File.Exists(SocketPath))
        {
            Assert.False(Process.HasExited, $"the agent exited:\n{Process.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"no SDS socket at {SocketPath} within {within}:\n{Process.Output}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        Directory.Dispose();
    }
}
