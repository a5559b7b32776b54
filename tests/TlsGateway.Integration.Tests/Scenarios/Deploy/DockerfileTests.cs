using System.Text.Json;
using System.Text.RegularExpressions;
using static TlsGateway.Integration.Tests.Scenarios.Deploy.DeployFiles;

namespace TlsGateway.Integration.Tests.Scenarios.Deploy;

/// <summary>
/// deploy/Dockerfile, read statically (there is no Docker here): a Debian 12 build stage with the
/// native toolchain publishing src/TlsGateway (the shim comes from the CMake step MSBuild runs),
/// a Debian 12 slim runtime with libssl3 and the ASP.NET Core runtime, a fixed non-root uid that
/// the manifests use, and the tlsgw binary as the entrypoint with no shell in between.
/// </summary>
public sealed partial class DockerfileTests
{
    private sealed record Stage(string Name, string From, List<(string Instruction, string Arguments)> Lines);

    [Fact]
    public void The_build_stage_is_Debian_12_with_the_dotnet_10_SDK_and_the_native_toolchain_and_publishes_src_TlsGateway()
    {
        IReadOnlyList<Stage> stages = Stages();
        Stage build = stages.Single(s => Runs(s).Any(r => r.Contains("dotnet publish", StringComparison.Ordinal)));

        Assert.Equal("debian:12-slim", build.From);
        Assert.Contains(stages, s => s.From == "mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}" && build.Lines.Any(l => l.Instruction == "COPY" && l.Arguments.StartsWith($"--from={s.Name} /usr/share/dotnet", StringComparison.Ordinal)));
        string install = Runs(build).Single(r => r.Contains("apt-get install", StringComparison.Ordinal));
        Assert.All(new[] { "cmake", "gcc", "libssl-dev" }, p => Assert.Matches($"\\s{Regex.Escape(p)}(\\s|$)", install));
        string publish = Runs(build).Single(r => r.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("dotnet publish src/TlsGateway/TlsGateway.csproj -c Release -o /out", publish);
        Assert.Contains("test -f /out/libtlsgw_native.so", publish);
        Assert.Matches("ARG DOTNET_VERSION=10\\.0", File.ReadAllText(Dockerfile));
        // What the build copies in is what the publish needs: the shim's CMake sources and the projects.
        Assert.All(new[] { "Directory.Build.props", "native/", "src/" }, p =>
            Assert.Contains(build.Lines, l => l.Instruction == "COPY" && l.Arguments.StartsWith(p, StringComparison.Ordinal)));
        Assert.True(File.Exists(Path.Combine(Root, "..", "native", "CMakeLists.txt")));
    }

    [Fact]
    public void The_runtime_stage_is_Debian_12_slim_with_libssl3_and_the_ASP_NET_Core_runtime_and_runs_tlsgw_as_a_fixed_non_root_uid()
    {
        IReadOnlyList<Stage> stages = Stages();
        Stage runtime = stages[^1];

        Assert.Equal("debian:12-slim", runtime.From);
        string install = Runs(runtime).Single(r => r.Contains("apt-get install", StringComparison.Ordinal));
        Assert.Matches("\\slibssl3\\s", install);
        Assert.DoesNotMatch("\\s(gcc|cmake|libssl-dev)\\s", install);
        Assert.Contains(stages, s => s.From == "mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}" && runtime.Lines.Any(l => l.Instruction == "COPY" && l.Arguments == $"--from={s.Name} /usr/share/dotnet /usr/share/dotnet"));
        Assert.Contains(runtime.Lines, l => l.Instruction == "COPY" && l.Arguments == "--from=build /out /opt/tlsgw");

        string user = runtime.Lines.Last(l => l.Instruction == "USER").Arguments;
        Assert.Matches("^[1-9][0-9]*:[1-9][0-9]*$", user);
        string[] entrypoint = JsonSerializer.Deserialize<string[]>(runtime.Lines.Last(l => l.Instruction == "ENTRYPOINT").Arguments)!;
        Assert.Equal(["/opt/tlsgw/tlsgw"], entrypoint);

        // The uid the image runs as is the one the CA's pods and the agent run as.
        string uid = user.Split(':')[0];
        Assert.Equal(uid, Containers().Single(c => c.Workload.Name == "tlsgw-ca").Security("runAsUser"));
        Assert.Equal(uid, Containers().Single(c => c.Workload.Kind == "DaemonSet" && !c.IsInit).Security("runAsUser"));
    }

    [Fact]
    public void The_image_exposes_the_ports_the_manifests_use()
    {
        var exposed = Stages()[^1].Lines.Where(l => l.Instruction == "EXPOSE").SelectMany(l => l.Arguments.Split(' ')).ToHashSet(StringComparer.Ordinal);
        foreach (DeployContainer c in Containers().Where(c => c.IsTlsgw))
        {
            foreach (string port in Mappings(c.Container, "ports").Select(p => Text(p, "containerPort")!))
            {
                Assert.Contains(port, exposed);
            }
        }
    }

    [Fact]
    public void The_build_context_ignore_file_keeps_host_build_output_out_and_lets_the_sources_in()
    {
        string[] rules = File.ReadAllLines(Path.Combine(Root, "Dockerfile.dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

        Assert.Equal("*", rules[0]);
        Assert.Contains("!src/", rules);
        Assert.Contains("!native/", rules);
        Assert.Contains("!Directory.Build.props", rules);
        Assert.Contains("**/bin/", rules);
        Assert.Contains("**/obj/", rules);
        Assert.True(Array.IndexOf(rules, "**/bin/") > Array.IndexOf(rules, "!src/"), "bin/ must be excluded after src/ is let in");
    }

    private static string Dockerfile => Path.Combine(Root, "Dockerfile");

    private static IEnumerable<string> Runs(Stage stage) =>
        stage.Lines.Where(l => l.Instruction == "RUN").Select(l => l.Arguments + " ");

    /// <summary>The stages in order: continuation lines joined, comments dropped, ARGs before FROM expanded only by name.</summary>
    private static IReadOnlyList<Stage> Stages()
    {
        var stages = new List<Stage>();
        string pending = "";
        foreach (string raw in File.ReadAllLines(Dockerfile))
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1].TrimEnd() + " ";
                continue;
            }

            line = pending + line;
            pending = "";
            Match instruction = InstructionLine().Match(line);
            Assert.True(instruction.Success, $"not a Dockerfile instruction: {line}");
            string name = instruction.Groups[1].Value.ToUpperInvariant();
            string arguments = WhiteSpace().Replace(instruction.Groups[2].Value.Trim(), " ");
            if (name == "FROM")
            {
                string[] parts = arguments.Split(' ');
                stages.Add(new Stage(parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : $"#{stages.Count}", parts[0], []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Lines.Add((name, arguments));
            }
        }

        return stages;
    }

    [GeneratedRegex("^([A-Za-z]+)\\s+(.*)$")]
    private static partial Regex InstructionLine();

    [GeneratedRegex("\\s+")]
    private static partial Regex WhiteSpace();
}
