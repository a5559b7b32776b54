using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TlsGateway.Integration.Tests.Scenarios.Deploy;

/// <summary>One YAML document of a file under deploy/, with the file it came from (for messages).</summary>
public sealed record DeployDocument(string File, int Index, YamlMappingNode Root)
{
    public string Kind => DeployFiles.Text(Root, "kind") ?? "";

    public string Name => DeployFiles.Text(Root, "metadata", "name") ?? "";

    public override string ToString() => $"{DeployFiles.Relative(File)}#{Index} {Kind}/{Name}";
}

/// <summary>A container of a workload's pod template, with the pod spec around it.</summary>
public sealed record DeployContainer(DeployDocument Workload, YamlMappingNode Pod, YamlMappingNode Container, bool IsInit)
{
    public string Name => DeployFiles.Text(Container, "name") ?? "";

    public IReadOnlyList<string> Args => DeployFiles.Strings(Container, "args");

    public IReadOnlyList<string> Command => DeployFiles.Strings(Container, "command");

    /// <summary>Runs the image built from deploy/Dockerfile (kustomize's `images` maps the name "tlsgw").</summary>
    public bool IsTlsgw => DeployFiles.Text(Container, "image") == "tlsgw";

    /// <summary>A container-level securityContext value, else the pod-level one.</summary>
    public string? Security(string key) =>
        DeployFiles.Text(Container, "securityContext", key) ?? DeployFiles.Text(Pod, "securityContext", key);

    /// <summary>The value after <paramref name="option"/> in args (`--admin 0.0.0.0:9901`), or null.</summary>
    public string? Option(string option)
    {
        int at = Args.ToList().IndexOf(option);
        return at >= 0 && at + 1 < Args.Count ? Args[at + 1] : null;
    }

    /// <summary>The volume (from the pod's `volumes`) mounted at <paramref name="mountPath"/>, and the mount.</summary>
    public (YamlMappingNode Volume, YamlMappingNode Mount)? VolumeAt(string mountPath)
    {
        foreach (YamlMappingNode mount in DeployFiles.Mappings(Container, "volumeMounts"))
        {
            if (DeployFiles.Text(mount, "mountPath") == mountPath)
            {
                string name = DeployFiles.Text(mount, "name")!;
                YamlMappingNode volume = DeployFiles.Mappings(Pod, "volumes").Single(v => DeployFiles.Text(v, "name") == name);
                return (volume, mount);
            }
        }

        return null;
    }

    public override string ToString() => $"{Workload} container {Name}";
}

/// <summary>
/// Reads deploy/: every YAML file (multi-document), the Kubernetes objects and their pod templates,
/// the tlsgw configs inside ConfigMaps, and YAML turned into JSON for checkers that read JSON.
/// </summary>
public static partial class DeployFiles
{
    public static string Root => Path.Combine(RepoPaths.Root, "deploy");

    public static string Relative(string file) => Path.GetRelativePath(RepoPaths.Root, file);

    public static IEnumerable<string> YamlFiles(string? under = null) =>
        Directory.EnumerateFiles(under ?? Root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    /// <summary>Every document of a YAML file; throws (with the file) if it does not parse.</summary>
    public static IReadOnlyList<YamlDocument> Load(string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(File.ReadAllText(file));
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new InvalidOperationException($"{Relative(file)}: {e.Start}: {e.Message}", e);
        }

        return stream.Documents.ToList();
    }

    public static IReadOnlyList<YamlDocument> Parse(string text)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        return stream.Documents.ToList();
    }

    /// <summary>The kustomization files: deploy/kubernetes, its ca-init/, and deploy/envoy.</summary>
    public static IEnumerable<string> Kustomizations() =>
        YamlFiles().Where(f => Path.GetFileName(f) == "kustomization.yaml");

    /// <summary>Files a kustomization turns into ConfigMaps (configMapGenerator `files`), not manifests.</summary>
    public static IEnumerable<string> GeneratorFiles(string kustomization)
    {
        YamlMappingNode root = (YamlMappingNode)Load(kustomization)[0].RootNode;
        string directory = Path.GetDirectoryName(kustomization)!;
        return Mappings(root, "configMapGenerator").Concat(Mappings(root, "secretGenerator"))
            .SelectMany(g => Strings(g, "files"))
            .Select(f => Path.GetFullPath(Path.Combine(directory, f.Contains('=', StringComparison.Ordinal) ? f[(f.IndexOf('=', StringComparison.Ordinal) + 1)..] : f)));
    }

    /// <summary>Kubernetes manifests: YAML files in a directory with a kustomization.yaml, less the kustomization and its generator inputs.</summary>
    public static IEnumerable<string> ManifestFiles()
    {
        var generated = Kustomizations().SelectMany(GeneratorFiles).ToHashSet(StringComparer.Ordinal);
        var directories = Kustomizations().Select(Path.GetDirectoryName).ToHashSet(StringComparer.Ordinal);
        return YamlFiles().Where(f => directories.Contains(Path.GetDirectoryName(f))
            && Path.GetFileName(f) != "kustomization.yaml" && !generated.Contains(f));
    }

    public static IReadOnlyList<DeployDocument> Objects() =>
        ManifestFiles().SelectMany(f => Load(f).Select((d, i) => (d, i, f)))
            .Where(x => x.d.RootNode is YamlMappingNode)
            .Select(x => new DeployDocument(x.f, x.i, (YamlMappingNode)x.d.RootNode)).ToList();

    public static IReadOnlyList<DeployDocument> Workloads() =>
        Objects().Where(o => o.Kind is "Deployment" or "DaemonSet" or "StatefulSet" or "Job" or "Pod").ToList();

    public static YamlMappingNode PodSpec(DeployDocument workload) =>
        workload.Kind == "Pod"
            ? Mapping(workload.Root, "spec")!
            : Mapping(workload.Root, "spec", "template", "spec") ?? throw new InvalidOperationException($"{workload} has no pod template");

    public static IReadOnlyList<DeployContainer> Containers() =>
        Workloads().SelectMany(w =>
        {
            YamlMappingNode pod = PodSpec(w);
            return Mappings(pod, "initContainers").Select(c => new DeployContainer(w, pod, c, IsInit: true))
                .Concat(Mappings(pod, "containers").Select(c => new DeployContainer(w, pod, c, IsInit: false)));
        }).ToList();

    /// <summary>The document of the one workload named <paramref name="name"/>.</summary>
    public static DeployDocument Workload(string kind, string name) =>
        Workloads().Single(w => w.Kind == kind && w.Name == name);

    /// <summary>
    /// The text of the config file a `serve -c PATH` container reads: the ConfigMap key behind the
    /// volume mounted at PATH's directory (a configMap volume or a projected one), and a name for it.
    /// </summary>
    public static (string Name, string Text) ServeConfig(DeployContainer container)
    {
        (string name, string? text) = ConfigMapFile(container, container.Option("-c") ?? throw new InvalidOperationException($"{container} runs no `serve -c`"));
        return (name, text ?? throw new InvalidOperationException($"{container}: {name} is not in the manifests"));
    }

    /// <summary>
    /// The ConfigMap key ("CONFIGMAP/KEY") a container sees at <paramref name="path"/> through a
    /// configMap or projected volume, and its text; the text is null for a ConfigMap the operator
    /// creates (not in the manifests).
    /// </summary>
    public static (string Name, string? Text) ConfigMapFile(DeployContainer container, string path)
    {
        string directory = Path.GetDirectoryName(path)!;
        string file = Path.GetFileName(path);
        (YamlMappingNode volume, _) = container.VolumeAt(directory) ?? throw new InvalidOperationException($"{container}: nothing is mounted at {directory}");
        IEnumerable<YamlMappingNode> sources = Mapping(volume, "configMap") is { } single
            ? [single]
            : Mappings(Mapping(volume, "projected")!, "sources").Select(s => Mapping(s, "configMap")).OfType<YamlMappingNode>();
        foreach (YamlMappingNode source in sources)
        {
            string configMap = Text(source, "name")!;
            var items = Mappings(source, "items").ToList();
            string? key = items.Count == 0 ? file : items.Where(i => Text(i, "path") == file).Select(i => Text(i, "key")).FirstOrDefault();
            if (key is null)
            {
                continue;
            }

            DeployDocument? map = Objects().SingleOrDefault(o => o.Kind == "ConfigMap" && o.Name == configMap);
            return map is null
                ? ($"{configMap}/{key}", null)
                : ($"{configMap}/{key}", Text(map.Root, "data", key) ?? throw new InvalidOperationException($"{map} has no key {key}"));
        }

        throw new InvalidOperationException($"{container}: no ConfigMap provides {path}");
    }

    public static YamlNode? Node(YamlNode? node, params string[] keys)
    {
        foreach (string key in keys)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    public static string? Text(YamlNode? node, params string[] keys) => (Node(node, keys) as YamlScalarNode)?.Value;

    public static YamlMappingNode? Mapping(YamlNode? node, params string[] keys) => Node(node, keys) as YamlMappingNode;

    public static IEnumerable<YamlMappingNode> Mappings(YamlNode? node, params string[] keys) =>
        (Node(node, keys) as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [];

    public static IReadOnlyList<string> Strings(YamlNode? node, params string[] keys) =>
        (Node(node, keys) as YamlSequenceNode)?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList() ?? [];

    /// <summary>
    /// A YAML document as JSON, the way Envoy reads its YAML: plain scalars that are numbers,
    /// booleans or null become those; quoted scalars and everything else stay strings.
    /// </summary>
    public static string ToJson(YamlNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            WriteJson(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach ((YamlNode key, YamlNode value) in mapping.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value!);
                    WriteJson(writer, value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (YamlNode item in sequence.Children)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } scalar:
                WritePlainScalar(writer, scalar.Value ?? "");
                break;
            case YamlScalarNode scalar:
                writer.WriteStringValue(scalar.Value);
                break;
            default:
                throw new InvalidOperationException($"cannot write {node.NodeType} at {node.Start} as JSON");
        }
    }

    private static void WritePlainScalar(Utf8JsonWriter writer, string value)
    {
        if (value is "" or "~" or "null")
        {
            writer.WriteNullValue();
        }
        else if (value is "true" or "false")
        {
            writer.WriteBooleanValue(value == "true");
        }
        else if (JsonNumber().IsMatch(value))
        {
            writer.WriteRawValue(value.Contains('.', StringComparison.Ordinal) || value.Contains('e', StringComparison.OrdinalIgnoreCase)
                ? double.Parse(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)
                : value);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    [GeneratedRegex("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();
}
