using System.Text;
using TlsGateway.Config;

namespace TlsGateway.Sds.Tests.Sds;

/// <summary>
/// The `agent` section reader under mutated YAML (<see cref="Fuzzer"/>): a wrong file is refused
/// with a ConfigException that names it, never with another exception.
/// </summary>
public sealed class AgentConfigFuzzTests
{
    [Fact]
    public void The_agent_config_reader_refuses_mutated_yaml_only_with_config_errors()
    {
        int runs = Fuzzer.Run([Encoding.UTF8.GetBytes(AgentConfigReaderTests.Remote)],
            input => AgentConfigReader.Read("/etc/tlsgw/fuzz.yaml", Encoding.UTF8.GetString(input)), e => e is ConfigException);

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }
}
