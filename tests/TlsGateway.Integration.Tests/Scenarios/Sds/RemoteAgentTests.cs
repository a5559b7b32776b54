using System.Security.Cryptography.X509Certificates;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Sds;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Integration.Tests.Scenarios.Sds;

/// <summary>
/// A node agent and a CA as two processes, as on two machines: `tlsgw ca serve` answers the
/// Istio CA API; `tlsgw serve` with an `agent` section enrols with a one-time token, then serves
/// SDS on its Unix socket with certificates it gets over mTLS on behalf of local workloads.
/// </summary>
public sealed class RemoteAgentTests
{
    private const string AgentId = "spiffe://example.org/agent/node-1";
    private const string UserIdentity = "spiffe://example.org/ns/default/sa/{user}";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_agent_enrols_with_a_token_and_serves_workload_certificates_from_the_remote_CA()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using TlsgwProcess caServer = await StartCaAsync(ca);
        using var agentDir = new TempDirectory();
        string config = WriteAgentConfig(agentDir, ca, caServer, await CreateTokenAsync(ca, agentDir));

        await using TlsgwProcess agent = TlsgwProcess.Start(["serve", "-c", config]);
        using var sds = new SdsUnixClient(await WaitForSocketAsync(agent, agentDir.PathOf("sds.sock")));
        Dictionary<string, EnvoySecret> secrets = await sds.FetchAsync(Wait, SecretNames.Default, SecretNames.RootCa);

        string chain = agentDir.Write("chain.pem", secrets[SecretNames.Default].TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8());
        using X509Certificate2 leaf = X509Certificate2.CreateFromPem(File.ReadAllText(chain),
            secrets[SecretNames.Default].TlsCertificate.PrivateKey.InlineBytes.ToStringUtf8());
        ProcessResult verified = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", ca.Bundle, "-untrusted", chain, chain]);
        Assert.True(verified.ExitCode == 0, verified.Combined);
        Assert.Contains("URI:spiffe://example.org/ns/default/sa/root", leaf.Extensions["2.5.29.17"]!.Format(false));
        Assert.Equal(File.ReadAllText(ca.Bundle).Trim(), secrets[SecretNames.RootCa].ValidationContext.TrustedCa.InlineBytes.ToStringUtf8().Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(agentDir.PathOf("identity/key.pem")));
        string tokens = await ca.RunOkAsync(["ca", "token", "list", "--json"]);
        Assert.Matches("\"state\":\\s*\"used\"", tokens);
    }

    [Fact]
    public async Task A_restarted_agent_authenticates_with_its_own_certificate_as_the_token_is_spent()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using TlsgwProcess caServer = await StartCaAsync(ca);
        using var agentDir = new TempDirectory();
        string config = WriteAgentConfig(agentDir, ca, caServer, await CreateTokenAsync(ca, agentDir));
        await using (TlsgwProcess first = TlsgwProcess.Start(["serve", "-c", config]))
        {
            using var sds = new SdsUnixClient(await WaitForSocketAsync(first, agentDir.PathOf("sds.sock")));
            await sds.FetchAsync(Wait, SecretNames.Default);
            Assert.Equal(0, await first.StopAsync());
        }

        await using TlsgwProcess second = TlsgwProcess.Start(["serve", "-c", config]);
        using var again = new SdsUnixClient(await WaitForSocketAsync(second, agentDir.PathOf("sds.sock")));
        Dictionary<string, EnvoySecret> secrets = await again.FetchAsync(Wait, SecretNames.Default);

        Assert.Equal(EnvoySecret.TypeOneofCase.TlsCertificate, secrets[SecretNames.Default].TypeCase);
        Assert.DoesNotContain("Enrolled", second.Output);
    }

    [Fact]
    public async Task While_the_CA_is_down_the_agent_keeps_serving_what_it_has()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        TlsgwProcess caServer = await StartCaAsync(ca);
        using var agentDir = new TempDirectory();
        string config = WriteAgentConfig(agentDir, ca, caServer, await CreateTokenAsync(ca, agentDir));
        await using TlsgwProcess agent = TlsgwProcess.Start(["serve", "-c", config]);
        using var sds = new SdsUnixClient(await WaitForSocketAsync(agent, agentDir.PathOf("sds.sock")));
        string before = (await sds.FetchAsync(Wait, SecretNames.Default))[SecretNames.Default].TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8();

        await caServer.DisposeAsync();
        string during = (await sds.FetchAsync(Wait, SecretNames.Default))[SecretNames.Default].TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8();

        Assert.Equal(before, during);
        Assert.False(agent.HasExited);
    }

    [Fact]
    public async Task A_named_certificate_gets_the_dns_names_the_remote_ca_allows_workloads()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using TlsgwProcess caServer = await StartCaAsync(ca, "--workload-dns", "*.shop.svc");
        using var agentDir = new TempDirectory();
        string config = WriteAgentConfig(agentDir, ca, caServer, await CreateTokenAsync(ca, agentDir), """
                  resources: [web]
              certificates:
                - name: web
                  identity: spiffe://example.org/ns/shop/sa/web
                  dns: [web.shop.svc]
            """);

        await using TlsgwProcess agent = TlsgwProcess.Start(["serve", "-c", config]);
        using var sds = new SdsUnixClient(await WaitForSocketAsync(agent, agentDir.PathOf("sds.sock")));
        Dictionary<string, EnvoySecret> secrets = await sds.FetchAsync(Wait, "web");
        using X509Certificate2 web = X509Certificate2.CreateFromPem(secrets["web"].TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8());

        Assert.Contains("DNS:web.shop.svc", web.Extensions["2.5.29.17"]!.Format(false));
    }

    [Fact]
    public async Task An_agent_with_no_certificate_and_no_token_refuses_to_start_and_says_what_to_do()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        using var agentDir = new TempDirectory();
        string config = agentDir.Write("tlsgw.yaml", $"""
            agent:
              ca:
                address: https://localhost:1
                bundle: {ca.Bundle}
                identity_dir: identity
                identity: {AgentId}
              sds_socket: sds.sock
              policy:
                - uid: 0
                  identity: {UserIdentity}
            """);

        await using TlsgwProcess agent = TlsgwProcess.Start(["serve", "-c", config]);

        Assert.Equal(1, await agent.WaitForExitAsync(Wait));
        Assert.Contains("tlsgw ca token create", agent.Output);
    }

    private static async Task<TlsgwProcess> StartCaAsync(CaDataDirectory ca, params string[] extra)
    {
        int grpc = FreePort.Next();
        TlsgwProcess server = TlsgwProcess.Start(["ca", "serve", "--data", ca.Path, "--admin", $"127.0.0.1:{FreePort.Next()}", "--grpc-listen", $"127.0.0.1:{grpc}",
            .. extra]);
        await server.WaitForPortAsync(grpc);
        await server.WaitForOutputAsync("Istio CA API");
        return server;
    }

    private static async Task<string> CreateTokenAsync(CaDataDirectory ca, TempDirectory agentDir)
    {
        string token = (await ca.RunOkAsync(["ca", "token", "create", "--identity", AgentId, "--ttl", "10m"])).Trim();
        return agentDir.Write("token", System.Text.Encoding.ASCII.GetBytes(token + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <param name="extra">YAML appended to the policy rule (indented for its keys), e.g. resources and a certificates section.</param>
    private static string WriteAgentConfig(TempDirectory agentDir, CaDataDirectory ca, TlsgwProcess caServer, string tokenFile, string extra = "")
    {
        int port = int.Parse(System.Text.RegularExpressions.Regex.Match(caServer.Output, @"Istio CA API .* on https://127\.0\.0\.1:(\d+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        return agentDir.Write("tlsgw.yaml", $"""
            agent:
              ca:
                address: https://localhost:{port}
                bundle: {ca.Bundle}
                token_file: {tokenFile}
                identity_dir: identity
                identity: {AgentId}
              sds_socket: sds.sock
              policy:
                - uid: {WorkloadPolicy.CurrentUid()}
                  identity: {UserIdentity}
            """ + (extra.Length > 0 ? "\n" + extra : ""));
    }

    private static async Task<string> WaitForSocketAsync(TlsgwProcess agent, string path)
    {
        DateTime deadline = DateTime.UtcNow + Wait;
        while (!File.Exists(path))
        {
            Assert.False(agent.HasExited, $"the agent exited:\n{agent.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"no SDS socket at {path} within {Wait}:\n{agent.Output}");
            await Task.Delay(100);
        }

        return path;
    }
}
