using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Sds;

namespace TlsGateway.Integration.Tests.Scenarios.Sds;

/// <summary>
/// Our edge as an SDS client: `tlsgw serve` runs the agent (CA in a data directory) and an edge
/// whose certificate and session-ticket keys are SDS resources of that agent, over its Unix
/// socket. Checked from outside with openssl s_client: the CA's certificate is served, renewals
/// reach new connections without a restart, and tickets made with the fleet's keys resume.
/// </summary>
public sealed partial class EdgeFromSdsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task The_edge_serves_the_certificate_from_SDS_and_picks_up_each_renewal()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using var upstream = new PlainEchoUpstream("echo");
        using var dir = new TempDirectory();
        int port = FreePort.Next();
        await using TlsgwProcess serve = TlsgwProcess.Start(["serve", "-c", WriteConfig(dir, ca, port, upstream.Address, ttl: "16s")]);
        await serve.WaitForPortAsync(port, Wait);

        SClientResult first = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", "hello", caFile: ca.Bundle, extra: ["-showcerts"]);
        Assert.True(first.VerifiedOk, first.Output);
        Assert.True(first.Echoed("hello"), first.Output);
        string firstSerial = await LeafSerialAsync(first, dir);

        string? renewed = null;
        DateTime deadline = DateTime.UtcNow + Wait;
        while (renewed is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            SClientResult next = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", "again", caFile: ca.Bundle, extra: ["-showcerts"]);
            Assert.True(next.VerifiedOk, next.Output);
            string serial = await LeafSerialAsync(next, dir);
            renewed = serial != firstSerial ? serial : null;
        }

        Assert.True(renewed is not null, $"the edge still served {firstSerial} after {Wait}:\n{serve.Output}");
        Assert.Contains("Configuration reloaded", serve.Output);
    }

    [Fact]
    public async Task Two_edges_sharing_one_agents_ticket_keys_resume_each_others_sessions()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using var upstream = new PlainEchoUpstream("echo");
        using var dir = new TempDirectory();
        (int a, int b) = (FreePort.Next(), FreePort.Next());
        string config = WriteConfig(dir, ca, a, upstream.Address, ttl: "1h");
        string text = File.ReadAllText(config);
        int edgeAt = text.IndexOf("edge:", StringComparison.Ordinal);
        await using TlsgwProcess agent = TlsgwProcess.Start(["serve", "-c", dir.Write("agent.yaml", text[..edgeAt])]);
        await using TlsgwProcess edgeA = TlsgwProcess.Start(["serve", "-c", dir.Write("edge-a.yaml", text[edgeAt..])]);
        await using TlsgwProcess edgeB = TlsgwProcess.Start(["serve", "-c", dir.Write("edge-b.yaml", text[edgeAt..].Replace($"127.0.0.1:{a}", $"127.0.0.1:{b}", StringComparison.Ordinal))]);
        await edgeA.WaitForPortAsync(a, Wait);
        await edgeB.WaitForPortAsync(b, Wait);
        string session = dir.PathOf("session.pem");

        SClientResult full = await OpenSslClient.ConnectAsync($"127.0.0.1:{a}", "localhost", "one", caFile: ca.Bundle, extra: ["-tls1_3", "-sess_out", session]);
        SClientResult resumed = await OpenSslClient.ConnectAsync($"127.0.0.1:{b}", "localhost", "two", caFile: ca.Bundle, extra: ["-tls1_3", "-sess_in", session]);

        Assert.True(full.VerifiedOk, full.Output);
        Assert.False(full.Reused);
        Assert.True(resumed.Reused, $"a ticket from edge A did not resume on edge B:\n{resumed.Output}");
        Assert.True(resumed.Echoed("two"), resumed.Output);
    }

    [Fact]
    public async Task An_edge_the_agent_refuses_does_not_start_and_says_which_secret()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        using var dir = new TempDirectory();
        int port = FreePort.Next();
        string config = WriteConfig(dir, ca, port, "127.0.0.1:9", ttl: "1h", grantedName: "some-other-name");

        await using TlsgwProcess serve = TlsgwProcess.Start(["serve", "-c", config]);

        int exit = await serve.WaitForExitAsync(TimeSpan.FromSeconds(20)); // refused at once, not after the 30 s wait
        Assert.True(exit == 2, $"exit {exit}:\n{serve.Output}");
        Assert.Contains("edge-web", serve.Output);
        Assert.Contains("PermissionDenied", serve.Output);
    }

    /// <param name="ticketKeys">The agent's ticket_keys mapping, without its braces.</param>
    internal static string WriteConfig(TempDirectory dir, CaDataDirectory ca, int port, string upstream, string ttl, string grantedName = "edge-web",
        string ticketKeys = "file: ticket-keys.json") =>
        dir.Write("tlsgw.yaml", $"""
            agent:
              ca: {"{"} data: {ca.Path} {"}"}
              sds_socket: sds.sock
              workload_ttl: {ttl}
              ticket_keys: {"{"} {ticketKeys} {"}"}
              policy:
                - uid: {WorkloadPolicy.CurrentUid()}
                  identity: spiffe://example.org/ns/edge/sa/gateway
                  resources: [session-ticket-keys, {grantedName}]
              certificates:
                - name: edge-web
                  identity: spiffe://example.org/ns/edge/sa/web
                  dns: [localhost]
                - name: some-other-name
                  identity: spiffe://example.org/ns/edge/sa/other
                  dns: [other.localhost]
            edge:
              listeners:
                - name: public
                  address: 127.0.0.1:{port}
                  session_tickets:
                    sds: {"{"} socket: sds.sock, name: session-ticket-keys {"}"}
                  filter_chains:
                    - name: web
                      certificates:
                        - sds: {"{"} socket: sds.sock, name: edge-web {"}"}
                      upstream:
                        endpoints: [{upstream}]
            """);

    private static async Task<string> LeafSerialAsync(SClientResult result, TempDirectory dir)
    {
        string leaf = LeafPem().Match(result.Output).Value;
        string file = dir.Write($"leaf-{Guid.NewGuid():N}.pem", leaf);
        ProcessResult serial = await ProcessRunner.RunAsync("openssl", ["x509", "-in", file, "-noout", "-serial"]);
        Assert.Equal(0, serial.ExitCode);
        return serial.StandardOutput.Trim();
    }

    [GeneratedRegex("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", RegexOptions.Singleline)]
    private static partial Regex LeafPem();
}
