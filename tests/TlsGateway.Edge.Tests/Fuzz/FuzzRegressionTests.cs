using System.Net;
using TlsGateway.Config;
using static TlsGateway.Edge.Tests.Infrastructure.HandshakeSamples;

namespace TlsGateway.Edge.Tests.Fuzz;

/// <summary>Inputs the fuzzers found, kept so they stay fixed.</summary>
public sealed class FuzzRegressionTests
{
    [Fact]
    public void A_flow_mapping_cut_across_lines_is_a_config_error_not_a_yaml_library_crash()
    {
        // YamlDotNet's scanner threw InvalidOperationException on this (found by EdgeParserFuzzTests).
        const string yaml = "edge:\n  listeners:\n    - name: a\n      stream: { endpoints: \nlocalhost:9000] }";

        ConfigException refused = Assert.Throws<ConfigException>(() => ConfigDocument.Parse("/etc/tlsgw/tlsgw.yaml", yaml));

        Assert.StartsWith("/etc/tlsgw/tlsgw.yaml", refused.Message);
        Assert.Contains("not valid YAML", refused.Message);
        Assert.IsType<InvalidOperationException>(refused.InnerException); // the library's own failure, caught
    }

    [Fact]
    public void A_server_name_with_non_ascii_bytes_reaches_the_upstream_as_the_client_sent_it()
    {
        // The writer encoded PP2_TYPE_AUTHORITY as ASCII, so the upstream read "b?cher.example"
        // (found by ProxyProtocolWriterFuzzTests); OpenSSL passes such an SNI on, and the PROXY
        // protocol's authority is UTF-8.
        byte[] header = ProxyProtocolV2.Build(new IPEndPoint(IPAddress.Loopback, 40000), new IPEndPoint(IPAddress.Loopback, 8443),
            Facts(serverName: "bücher.example"), null);

        ProxyProtocolV2Header read = ProxyProtocolV2Header.TryParse(header)!;

        Assert.Equal("bücher.example", read.Authority);
        Assert.Equal("bücher.example"u8.ToArray(), read.Tlvs[ProxyProtocolV2.TypeAuthority]);
    }
}
