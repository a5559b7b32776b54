using System.Net;
using System.Text;
using TlsGateway.Config;
using TlsGateway.Edge.Config;
using TlsGateway.Edge.Config.Tests;
using static TlsGateway.Edge.Tests.Infrastructure.HandshakeSamples;

namespace TlsGateway.Edge.Tests.Fuzz;

/// <summary>
/// The edge's parsers under mutated input (<see cref="Fuzzer"/>): the PROXY v2 reader may only
/// ask for more bytes or refuse with a FormatException; the config reader may only refuse with a
/// ConfigException naming the problem. Anything else — an IndexOutOfRange, a NullReference, a
/// YAML library exception escaping — is a finding.
/// </summary>
public sealed class EdgeParserFuzzTests
{
    [Fact]
    public void The_proxy_protocol_reader_only_parses_asks_for_more_or_refuses_with_a_format_error()
    {
        byte[][] seeds =
        [
            ProxyProtocolV2.Build(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 51234), new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443), Facts(), Peer()),
            ProxyProtocolV2.Build(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 40000), new IPEndPoint(IPAddress.Parse("2001:db8::2"), 8443), Facts(), null),
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            if (ProxyProtocolV2Header.TryParse(input) is { } header)
            {
                Assert.InRange(header.Length, 16, input.Length);
            }
        }, e => e is FormatException);

        Assert.True(runs > 1_000, $"only {runs} inputs ran");
    }

    [Fact]
    public void The_config_reader_refuses_mutated_yaml_only_with_config_errors()
    {
        byte[][] seeds = [Encoding.UTF8.GetBytes(EdgeConfigReaderTests.FullConfig)];

        int runs = Fuzzer.Run(seeds, input => EdgeConfigReader.Read("/etc/tlsgw/fuzz.yaml", Encoding.UTF8.GetString(input)),
            e => e is ConfigException);

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }
}
