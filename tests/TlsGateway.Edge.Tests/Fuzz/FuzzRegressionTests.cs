using TlsGateway.Config;

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
}
