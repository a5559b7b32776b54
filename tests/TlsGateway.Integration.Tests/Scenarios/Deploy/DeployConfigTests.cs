using TlsGateway.Integration.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;
using static TlsGateway.Integration.Tests.Scenarios.Deploy.DeployFiles;

namespace TlsGateway.Integration.Tests.Scenarios.Deploy;

/// <summary>
/// The tlsgw configs that ship in deploy/ (in the Kubernetes ConfigMaps, and the plain-host
/// examples beside the systemd units) are accepted by the binary itself: `tlsgw serve --check`,
/// which validates a config and starts nothing. `ca init` is checked for the property the
/// manifests rely on: it refuses to run twice.
/// </summary>
public sealed class DeployConfigTests
{
    public static TheoryData<string> Configs()
    {
        var names = new TheoryData<string>();
        foreach (string name in ConfigTexts().Keys)
        {
            names.Add(name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public async Task The_shipped_config_passes_tlsgw_serve_check(string name)
    {
        using var dir = new TempDirectory();
        string file = dir.Write(Path.GetFileName(name), ConfigTexts()[name]);

        ProcessResult check = await CheckAsync(file);

        Assert.True(check.ExitCode == 0, $"tlsgw serve --check -c {name} exited {check.ExitCode}:\n{check.Combined}");
    }

    [Fact]
    public void Every_ConfigMap_config_and_every_example_config_is_checked()
    {
        var names = ConfigTexts().Keys.ToList();

        Assert.Contains("tlsgw-agent-config/agent.yaml", names);
        Assert.Contains("tlsgw-edge-config/edge.yaml", names);
        Assert.Contains("systemd/agent.yaml", names);
        Assert.Contains("systemd/edge.yaml", names);
    }

    [Fact]
    public async Task A_misspelt_key_in_a_copy_of_the_edge_config_fails_the_check_with_its_file_and_line()
    {
        using var dir = new TempDirectory();
        string text = ConfigTexts()["tlsgw-edge-config/edge.yaml"];
        int line = text[..text.IndexOf("address:", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        string file = dir.Write("edge.yaml", text.Replace("address:", "adress:", StringComparison.Ordinal));

        ProcessResult check = await CheckAsync(file);

        Assert.True(check.ExitCode == 2, $"exit {check.ExitCode}:\n{check.Combined}");
        Assert.Contains($"{file}:{line}:", check.Combined);
        Assert.Contains("adress", check.Combined);
    }

    [Fact]
    public async Task Ca_init_refuses_a_second_run_which_is_why_it_is_a_job_and_not_an_init_container()
    {
        using var dir = new TempDirectory();
        var environment = new Dictionary<string, string> { ["TLSGW_CA_PASSPHRASE"] = "deploy-test-passphrase" };
        string[] init = [RepoPaths.TlsgwDll, "ca", "init", "--trust-domain", "example.org", "--data", dir.PathOf("data")];

        ProcessResult first = await ProcessRunner.RunAsync("dotnet", init, environment: environment, timeout: TimeSpan.FromSeconds(60));
        ProcessResult second = await ProcessRunner.RunAsync("dotnet", init, environment: environment, timeout: TimeSpan.FromSeconds(60));

        Assert.True(first.ExitCode == 0, first.Combined);
        Assert.True(second.ExitCode == 2, second.Combined);
        Assert.Contains("a CA already exists", second.Combined);
        Assert.DoesNotContain(Containers(), c => c.IsInit && c.Args.Take(2).SequenceEqual(["ca", "init"]));
        Assert.Contains(Containers(), c => c.Workload.Kind == "Job" && c.Args.Take(2).SequenceEqual(["ca", "init"]));
    }

    private static Task<ProcessResult> CheckAsync(string file) =>
        ProcessRunner.RunAsync("dotnet", [RepoPaths.TlsgwDll, "serve", "--check", "-c", file], timeout: TimeSpan.FromSeconds(60));

    /// <summary>
    /// Every tlsgw config: ConfigMap keys whose YAML has an `edge` or `agent` section
    /// ("CONFIGMAP/KEY"), and the YAML files under deploy/systemd ("systemd/FILE").
    /// </summary>
    private static Dictionary<string, string> ConfigTexts()
    {
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DeployDocument map in Objects().Where(o => o.Kind == "ConfigMap"))
        {
            foreach ((YamlNode key, YamlNode value) in Mapping(map.Root, "data")?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
            {
                string text = ((YamlScalarNode)value).Value ?? "";
                if (IsTlsgwConfig(text))
                {
                    configs[$"{map.Name}/{((YamlScalarNode)key).Value}"] = text;
                }
            }
        }

        foreach (string file in YamlFiles(Path.Combine(Root, "systemd")))
        {
            configs[$"systemd/{Path.GetFileName(file)}"] = File.ReadAllText(file);
        }

        return configs;
    }

    private static bool IsTlsgwConfig(string text) =>
        Parse(text) is [{ RootNode: YamlMappingNode root }] && (Node(root, "edge") is not null || Node(root, "agent") is not null);
}
