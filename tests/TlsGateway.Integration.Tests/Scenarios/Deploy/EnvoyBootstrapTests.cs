using System.Text.Json;
using TlsGateway.Integration.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;
using static TlsGateway.Integration.Tests.Scenarios.Deploy.DeployFiles;

namespace TlsGateway.Integration.Tests.Scenarios.Deploy;

/// <summary>
/// deploy/envoy/envoy-sds.yaml against Envoy's own schema: tests/peers/sds-client/check-envoy-bootstrap.js
/// loads envoy.config.bootstrap.v3.Bootstrap and every `@type` it meets from the .proto files
/// @grpc/grpc-js-xds vendors, and refuses unknown fields, wrong types and broken validation
/// rules. Non-goal: running Envoy (not packaged here); what Envoy checks only at run time
/// (cluster names, reachable sockets) is not checked.
/// </summary>
public sealed class EnvoyBootstrapTests
{
    private static string Bootstrap => Path.Combine(Root, "envoy", "envoy-sds.yaml");

    [Fact]
    public async Task The_Envoy_bootstrap_is_valid_against_Envoys_own_protos()
    {
        ProcessResult check = await CheckAsync(ToJson(Load(Bootstrap)[0].RootNode));

        Assert.True(check.ExitCode == 0, check.Combined);
        Assert.Contains("DownstreamTlsContext", check.StandardOutput);
        Assert.Contains("UpstreamTlsContext", check.StandardOutput);
        Assert.Contains("HttpProtocolOptions", check.StandardOutput);
    }

    [Theory]
    [InlineData("unknown-field", "typed_config.common_tls_context.tls_certificate_sds_secret_config: unknown field")]
    [InlineData("wrong-type", "port_value: expected an integer")]
    [InlineData("unknown-enum", "'GRPCC' is not a value")]
    public async Task The_checker_refuses_a_broken_copy_of_the_bootstrap(string breakage, string expected)
    {
        YamlNode root = Load(Bootstrap)[0].RootNode;
        YamlMappingNode downstream = DownstreamTls(root);
        YamlMappingNode common = Mapping(downstream, "common_tls_context")!;
        switch (breakage)
        {
            case "unknown-field":
                // One letter short of tls_certificate_sds_secret_configs, inside an Any.
                common.Children.Add(new YamlScalarNode("tls_certificate_sds_secret_config"), new YamlSequenceNode());
                break;
            case "wrong-type":
                Mapping(root, "admin", "address", "socket_address")!.Children[new YamlScalarNode("port_value")] = new YamlScalarNode("fifteen-thousand");
                break;
            case "unknown-enum":
                Mapping(Mappings(common, "tls_certificate_sds_secret_configs").First(), "sds_config", "api_config_source")!
                    .Children[new YamlScalarNode("api_type")] = new YamlScalarNode("GRPCC");
                break;
        }

        ProcessResult check = await CheckAsync(ToJson(root));

        Assert.True(check.ExitCode == 1, check.Combined);
        Assert.Contains(expected, check.StandardError);
    }

    [Fact]
    public void The_listener_and_the_cluster_take_default_and_ROOTCA_and_the_listener_the_ticket_keys_from_the_tlsgw_sds_cluster()
    {
        using JsonDocument json = JsonDocument.Parse(ToJson(Load(Bootstrap)[0].RootNode));
        JsonElement resources = json.RootElement.GetProperty("static_resources");
        JsonElement downstream = resources.GetProperty("listeners")[0].GetProperty("filter_chains")[0]
            .GetProperty("transport_socket").GetProperty("typed_config");
        JsonElement upstream = resources.GetProperty("clusters").EnumerateArray()
            .Single(c => c.TryGetProperty("transport_socket", out _)).GetProperty("transport_socket").GetProperty("typed_config");

        Assert.EndsWith("DownstreamTlsContext", downstream.GetProperty("@type").GetString());
        Assert.True(downstream.GetProperty("require_client_certificate").GetBoolean());
        Assert.EndsWith("UpstreamTlsContext", upstream.GetProperty("@type").GetString());
        foreach (JsonElement context in new[] { downstream, upstream })
        {
            JsonElement common = context.GetProperty("common_tls_context");
            JsonElement certificate = common.GetProperty("tls_certificate_sds_secret_configs")[0];
            JsonElement roots = common.GetProperty("combined_validation_context").GetProperty("validation_context_sds_secret_config");
            Assert.Equal("default", certificate.GetProperty("name").GetString());
            Assert.Equal("ROOTCA", roots.GetProperty("name").GetString());
            AssertFromTlsgwSds(certificate);
            AssertFromTlsgwSds(roots);
        }

        JsonElement tickets = downstream.GetProperty("session_ticket_keys_sds_secret_config");
        Assert.Equal("session-ticket-keys", tickets.GetProperty("name").GetString());
        AssertFromTlsgwSds(tickets);

        JsonElement sds = resources.GetProperty("clusters").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "tlsgw_sds");
        Assert.Equal("STATIC", sds.GetProperty("type").GetString());
        Assert.True(sds.GetProperty("typed_extension_protocol_options").GetProperty("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
            .GetProperty("explicit_http_config").TryGetProperty("http2_protocol_options", out _));
        string pipe = sds.GetProperty("load_assignment").GetProperty("endpoints")[0].GetProperty("lb_endpoints")[0]
            .GetProperty("endpoint").GetProperty("address").GetProperty("pipe").GetProperty("path").GetString()!;
        Assert.EndsWith("/sds.sock", pipe);
    }

    private static void AssertFromTlsgwSds(JsonElement secretConfig)
    {
        JsonElement source = secretConfig.GetProperty("sds_config").GetProperty("api_config_source");
        Assert.Equal("GRPC", source.GetProperty("api_type").GetString());
        Assert.Equal("V3", source.GetProperty("transport_api_version").GetString());
        Assert.Equal("tlsgw_sds", source.GetProperty("grpc_services")[0].GetProperty("envoy_grpc").GetProperty("cluster_name").GetString());
    }

    private static YamlMappingNode DownstreamTls(YamlNode root) =>
        Mapping(Mappings(Mappings(root, "static_resources", "listeners").First(), "filter_chains").First(), "transport_socket", "typed_config")!;

    /// <summary>`node check-envoy-bootstrap.js FILE.json` in the SDS peer's directory (its node_modules hold the protos).</summary>
    private static async Task<ProcessResult> CheckAsync(string json)
    {
        string peer = NodeSdsClient.Directory;
        Assert.True(File.Exists(Path.Combine(peer, "node_modules", ".package-lock.json")),
            $"{peer}/node_modules is missing: run `bash scripts/install-deps.sh test` (npm ci)");
        using var dir = new TempDirectory();
        string file = dir.Write("envoy-sds.json", json);
        return await ProcessRunner.RunAsync("node", [Path.Combine(peer, "check-envoy-bootstrap.js"), file], timeout: TimeSpan.FromSeconds(60));
    }
}
