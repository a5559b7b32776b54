using System.Text.RegularExpressions;
using TlsGateway.Edge.Config;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Sds;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>The documentation's examples stay true: the full examples in docs/config.md and docs/sds.md parse and validate.</summary>
public sealed partial class DocumentationTests
{
    [Fact]
    public void The_complete_example_in_docs_config_md_is_a_valid_config()
    {
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "config.md"));
        string yaml = YamlBlock().Match(doc).Groups[1].Value;
        Assert.Contains("filter_chains:", yaml);

        EdgeConfig config = EdgeConfigReader.Read(Path.Combine(RepoPaths.Root, "docs", "tlsgw.yaml"), yaml);

        ListenerConfig listener = Assert.Single(config.Listeners);
        Assert.Equal(3, listener.FilterChains.Count);
        FilterChainConfig api = listener.FilterChains[0];
        Assert.Equal(["api.example.com", "*.api.example.com"], api.ServerNames);
        Assert.Equal("pkcs11:token=edge;object=api-rsa;type=private", api.Certificates[1].Key);
        Assert.Equal(Path.Combine(RepoPaths.Root, "docs", "certs", "api-ecdsa.pem"), api.Certificates[0].CertificateFile);
        Assert.True(api.Upstream.ProxyProtocol);
        Assert.Equal("api-backend.internal", api.Upstream.Tls?.ServerName);
        Assert.True(api.Certificates[0].Ocsp?.FromResponder);
        Assert.Equal(Path.Combine(RepoPaths.Root, "docs", "certs", "clients.crl"), api.ClientAuth.CrlFile);
        Assert.Equal(Path.Combine(RepoPaths.Root, "docs", "certs", "backend.crl"), api.Upstream.Tls?.CrlFile);
        Assert.Equal(TimeSpan.FromHours(12), listener.SessionTickets.RotateEvery);
        FilterChainConfig gm = listener.FilterChains[1];
        Assert.Equal(ShangMiMode.Prefer, gm.ShangMi);
        Assert.Equal(2, gm.Certificates.Count);
        Assert.Equal(ShangMiMode.Prefer, api.ShangMi); // the default
        Assert.Matches(@"(?m)^admin:.*\n  listen: 127\.0\.0\.1:9901", yaml);
    }

    [Fact]
    public async Task The_alert_rules_in_docs_metrics_md_pass_promtool()
    {
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "metrics.md"));
        string rules = YamlBlock().Match(doc).Groups[1].Value;
        Assert.StartsWith("groups:", rules);
        using var directory = new TempDirectory();

        ProcessResult check = await ProcessRunner.RunAsync("promtool", ["check", "rules", directory.Write("rules.yml", rules)]);

        Assert.True(check.ExitCode == 0, check.Combined);
        Assert.Contains("SUCCESS: 12 rules found", check.Combined);
    }

    [Fact]
    public void Docs_metrics_md_lists_exactly_the_metrics_the_code_defines()
    {
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "metrics.md"));
        var documented = DocumentedMetric().Matches(doc).Select(m => Regex.Replace(m.Groups[1].Value, "_total$", "")).ToHashSet();
        var defined = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => DefinedMetric().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet();

        Assert.NotEmpty(defined);
        Assert.Equal(defined.Order(), documented.Order());
    }

    // A table row's first cell: | `tlsgw_edge_handshakes_total` | counter | …
    [GeneratedRegex(@"^\| `(tlsgw_[a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedMetric();

    // An instrument's name as created in code: Create…("tlsgw_…"
    [GeneratedRegex(@"Create\w*(?:<\w+>)?\(\s*""(tlsgw_[a-z_]+)""")]
    private static partial Regex DefinedMetric();

    [Fact]
    public void The_agent_example_in_docs_sds_md_is_a_valid_config()
    {
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "sds.md"));
        string yaml = YamlBlock().Match(doc).Groups[1].Value;
        Assert.StartsWith("agent:", yaml);

        AgentConfig config = AgentConfigReader.Read(Path.Combine(RepoPaths.Root, "docs", "tlsgw.yaml"), yaml);

        Assert.Equal("https://ca.example.org:15012/", config.Ca.Address?.ToString());
        Assert.Equal("spiffe://example.org/agent/node-1", config.Ca.AgentIdentity?.ToString());
        Assert.Equal(2, config.Policy.Count);
        Assert.Equal("edge-web", Assert.Single(config.Certificates).Name);
        Assert.Equal(TimeSpan.FromHours(1), config.Options.TicketKeyRotation);
    }

    [GeneratedRegex("```yaml\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
