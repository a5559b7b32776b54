using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static TlsGateway.Integration.Tests.Scenarios.Deploy.DeployFiles;

namespace TlsGateway.Integration.Tests.Scenarios.Deploy;

/// <summary>
/// The Kubernetes manifests in deploy/kubernetes and deploy/envoy, read as kubectl would read them:
/// they parse, kustomize finds every file, the pods are locked down, probed where tlsgw serves its
/// admin port, scraped, given secrets only by reference, and the agent, the edge and Envoy meet on
/// one socket. Nothing here needs a cluster.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private const string AdminPort = "9901";

    [Fact]
    public void Every_YAML_file_under_deploy_parses_and_every_Kubernetes_object_has_an_api_version_a_kind_and_a_name()
    {
        foreach (string file in YamlFiles())
        {
            Assert.NotEmpty(Load(file));
        }

        IReadOnlyList<DeployDocument> objects = Objects();
        Assert.Contains(objects, o => o.Kind == "Deployment" && o.Name == "tlsgw-ca");
        Assert.Contains(objects, o => o.Kind == "DaemonSet" && o.Name == "tlsgw-agent");
        Assert.Contains(objects, o => o.Kind == "Deployment" && o.Name == "tlsgw-edge");
        Assert.Contains(objects, o => o.Kind == "PodDisruptionBudget" && o.Name == "tlsgw-edge");
        Assert.Contains(objects, o => o.Kind == "Job" && o.Name == "tlsgw-ca-init");
        Assert.All(objects, o =>
        {
            Assert.False(string.IsNullOrEmpty(Text(o.Root, "apiVersion")), $"{o}: no apiVersion");
            Assert.False(string.IsNullOrEmpty(o.Kind), $"{o}: no kind");
            Assert.False(string.IsNullOrEmpty(o.Name), $"{o}: no metadata.name");
        });
    }

    [Fact]
    public void Every_file_a_kustomization_names_exists_and_every_manifest_is_named_by_the_kustomization_of_its_directory()
    {
        var kustomizations = Kustomizations().ToList();
        Assert.Contains(Path.Combine(Root, "kubernetes", "kustomization.yaml"), kustomizations);
        foreach (string kustomization in kustomizations)
        {
            var root = (YamlMappingNode)Load(kustomization)[0].RootNode;
            string directory = Path.GetDirectoryName(kustomization)!;
            Assert.Equal("Kustomization", Text(root, "kind"));
            IReadOnlyList<string> resources = Strings(root, "resources");
            Assert.NotEmpty(resources);
            foreach (string resource in resources)
            {
                string path = Path.GetFullPath(Path.Combine(directory, resource));
                Assert.True(File.Exists(path) || File.Exists(Path.Combine(path, "kustomization.yaml")), $"{Relative(kustomization)} names {resource}, which does not exist");
            }

            Assert.All(GeneratorFiles(kustomization), f => Assert.True(File.Exists(f), $"{Relative(kustomization)} generates from {Relative(f)}, which does not exist"));
            var listed = resources.Select(r => Path.GetFullPath(Path.Combine(directory, r))).ToHashSet(StringComparer.Ordinal);
            foreach (string manifest in ManifestFiles().Where(m => Path.GetDirectoryName(m) == directory))
            {
                Assert.True(listed.Contains(manifest), $"{Relative(manifest)} is not in {Relative(kustomization)}'s resources");
            }
        }

        // No manifest sits where no kustomization would apply it.
        var directories = kustomizations.Select(Path.GetDirectoryName).ToHashSet(StringComparer.Ordinal);
        foreach (string file in YamlFiles(Path.Combine(Root, "kubernetes")).Concat(YamlFiles(Path.Combine(Root, "envoy"))))
        {
            Assert.True(directories.Contains(Path.GetDirectoryName(file)), $"{Relative(file)} is in a directory without a kustomization.yaml");
        }
    }

    [Fact]
    public void The_objects_in_deploy_kubernetes_live_in_the_tlsgw_system_namespace()
    {
        string kubernetes = Path.Combine(Root, "kubernetes") + Path.DirectorySeparatorChar;
        foreach (DeployDocument o in Objects().Where(o => o.File.StartsWith(kubernetes, StringComparison.Ordinal)))
        {
            Assert.Equal("tlsgw-system", o.Kind == "Namespace" ? o.Name : Text(o.Root, "metadata", "namespace"));
        }

        Assert.All(Kustomizations().Where(k => k.StartsWith(kubernetes, StringComparison.Ordinal)),
            k => Assert.Equal("tlsgw-system", Text(Load(k)[0].RootNode, "namespace")));
    }

    [Fact]
    public void Every_container_runs_as_non_root_with_a_read_only_root_and_no_capabilities_except_one_chown_of_the_agents_host_directories()
    {
        IReadOnlyList<DeployContainer> containers = Containers();
        Assert.True(containers.Count >= 6, string.Join("\n", containers));
        var asRoot = new List<DeployContainer>();
        foreach (DeployContainer c in containers)
        {
            Assert.True(c.Security("readOnlyRootFilesystem") == "true", $"{c}: readOnlyRootFilesystem is not true");
            Assert.True(c.Security("allowPrivilegeEscalation") == "false", $"{c}: allowPrivilegeEscalation is not false");
            Assert.True(Strings(c.Container, "securityContext", "capabilities", "drop").Contains("ALL"), $"{c}: capabilities are not dropped (drop: [ALL])");
            Assert.True(Text(c.Pod, "securityContext", "runAsNonRoot") == "true", $"{c.Workload}: the pod does not set runAsNonRoot");
            if (c.Security("runAsUser") == "0" || c.Security("runAsNonRoot") != "true")
            {
                asRoot.Add(c);
                continue;
            }

            Assert.True(c.Security("runAsUser") is { } uid && int.Parse(uid, CultureInfo.InvariantCulture) > 0, $"{c}: no non-zero runAsUser");
            Assert.Empty(Strings(c.Container, "securityContext", "capabilities", "add"));
        }

        // The one exception: the kubelet makes hostPath directories root-owned, and only root with
        // CAP_CHOWN can hand them to the agent. That container runs chown and nothing else.
        DeployContainer chown = Assert.Single(asRoot);
        Assert.True(chown.IsInit, $"{chown} runs as root and is not an init container");
        Assert.Equal("DaemonSet", chown.Workload.Kind);
        Assert.Equal("chown", chown.Command[0]);
        Assert.Empty(chown.Args);
        Assert.Equal(["CHOWN"], Strings(chown.Container, "securityContext", "capabilities", "add"));
        Assert.All(Mappings(chown.Container, "volumeMounts"), m =>
            Assert.NotNull(Mapping(Mappings(chown.Pod, "volumes").Single(v => Text(v, "name") == Text(m, "name")), "hostPath")));
    }

    [Fact]
    public void Every_container_has_cpu_and_memory_requests_and_limits()
    {
        foreach (DeployContainer c in Containers())
        {
            foreach (string kind in new[] { "requests", "limits" })
            {
                foreach (string resource in new[] { "cpu", "memory" })
                {
                    Assert.False(string.IsNullOrEmpty(Text(c.Container, "resources", kind, resource)), $"{c}: no resources.{kind}.{resource}");
                }
            }
        }
    }

    [Fact]
    public void The_tlsgw_servers_are_probed_on_healthz_and_readyz_at_the_admin_port_they_listen_on_and_log_json()
    {
        var servers = Containers().Where(c => c.IsTlsgw && !c.IsInit && c.Workload.Kind != "Job").ToList();
        Assert.Equal(3, servers.Count);
        foreach (DeployContainer c in servers)
        {
            Assert.Equal("/healthz", Text(c.Container, "livenessProbe", "httpGet", "path"));
            Assert.Equal("/readyz", Text(c.Container, "readinessProbe", "httpGet", "path"));
            Assert.Equal(AdminPort, PortNumber(c, Text(c.Container, "livenessProbe", "httpGet", "port")));
            Assert.Equal(AdminPort, PortNumber(c, Text(c.Container, "readinessProbe", "httpGet", "port")));
            Assert.Equal("json", c.Option("--log-format"));
            string listen = c.Args[0] == "ca"
                ? c.Option("--admin")!
                : Text(Parse(ServeConfig(c).Text)[0].RootNode, "admin", "listen")!;
            Assert.True(listen == $"0.0.0.0:{AdminPort}", $"{c}: the admin port listens on {listen}, where the kubelet cannot reach it on {AdminPort}");
        }

        // `ca init` is a one-shot Job: it logs as json too, and has nothing to probe.
        DeployContainer init = Containers().Single(c => c.Workload.Kind == "Job");
        Assert.Equal(["ca", "init"], init.Args.Take(2));
    }

    [Fact]
    public void Every_pod_that_runs_a_tlsgw_server_carries_the_prometheus_scrape_annotations()
    {
        foreach (DeployDocument workload in Containers().Where(c => c.IsTlsgw && !c.IsInit && c.Workload.Kind != "Job").Select(c => c.Workload).Distinct())
        {
            YamlMappingNode? annotations = Mapping(workload.Root, "spec", "template", "metadata", "annotations");
            Assert.True(annotations is not null, $"{workload}: no pod annotations");
            Assert.Equal("true", Text(annotations, "prometheus.io/scrape"));
            Assert.Equal(AdminPort, Text(annotations, "prometheus.io/port"));
            Assert.Equal("/metrics", Text(annotations, "prometheus.io/path"));
            // Annotation values are strings: an unquoted true would be a boolean and refused.
            Assert.NotEqual(YamlDotNet.Core.ScalarStyle.Plain, ScalarStyle(annotations!, "prometheus.io/scrape"));
            Assert.NotEqual(YamlDotNet.Core.ScalarStyle.Plain, ScalarStyle(annotations!, "prometheus.io/port"));
        }
    }

    [Fact]
    public void Secrets_come_from_secret_references_and_no_manifest_holds_a_password_or_a_token()
    {
        Assert.DoesNotContain(Objects(), o => o.Kind == "Secret");
        foreach (DeployContainer c in Containers())
        {
            foreach (YamlMappingNode env in Mappings(c.Container, "env"))
            {
                string name = Text(env, "name")!;
                if (SecretLooking().IsMatch(name))
                {
                    Assert.True(Text(env, "value") is null, $"{c}: {name} is given as a literal");
                    Assert.True(Mapping(env, "valueFrom", "secretKeyRef") is not null, $"{c}: {name} does not come from a Secret");
                }
            }
        }

        foreach (DeployContainer c in Containers().Where(c => c.IsTlsgw && c.Args.Count > 0 && c.Args[0] == "ca"))
        {
            string passphrase = c.Option("--passphrase") ?? "";
            Assert.StartsWith("env:", passphrase);
            Assert.True(FromSecret(c, passphrase["env:".Length..]), $"{c}: the CA passphrase is not from a Secret");
            string store = c.Option("--store") ?? "";
            Assert.Matches("^\\$\\([A-Z_]+\\)$", store);
            Assert.True(FromSecret(c, store[2..^1]), $"{c}: the store URL is not from a Secret");
            Assert.True(FromSecret(c, "PGPASSWORD"), $"{c}: the PostgreSQL password is not from a Secret");
        }

        // The agent's bootstrap token is a file from a Secret volume.
        DeployContainer agent = Containers().Single(c => c.Workload.Kind == "DaemonSet" && !c.IsInit);
        string tokenFile = Text(Parse(ServeConfig(agent).Text)[0].RootNode, "agent", "ca", "token_file")!;
        (YamlMappingNode volume, YamlMappingNode mount) = agent.VolumeAt(tokenFile) ?? throw new InvalidOperationException($"nothing is mounted at {tokenFile}");
        Assert.NotNull(Mapping(volume, "secret"));
        Assert.Equal("$(NODE_NAME)", Text(mount, "subPathExpr"));

        foreach (string file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(file);
            Assert.DoesNotMatch("postgres(ql)?://[^/@:\\s]+:[^@\\s]+@", text);
            Assert.DoesNotContain("tlsgw-bt-", text);
        }
    }

    [Fact]
    public void The_agent_the_edge_and_the_Envoy_sidecar_meet_on_one_socket_in_one_host_directory()
    {
        DeployContainer agent = Containers().Single(c => c.Workload.Kind == "DaemonSet" && !c.IsInit);
        DeployContainer edge = Containers().Single(c => c.Workload.Name == "tlsgw-edge");
        DeployContainer envoy = Containers().Single(c => c.Name == "envoy");

        string socket = Text(Parse(ServeConfig(agent).Text)[0].RootNode, "agent", "sds_socket")!;
        string directory = Path.GetDirectoryName(socket)!;
        string hostPath = HostPath(agent, directory);

        var edgeSockets = SdsSockets(Parse(ServeConfig(edge).Text)[0].RootNode).ToList();
        Assert.NotEmpty(edgeSockets);
        Assert.All(edgeSockets, s => Assert.Equal(socket, s));
        Assert.Equal(hostPath, HostPath(edge, directory));

        YamlNode bootstrap = Load(Path.Combine(Root, "envoy", "envoy-sds.yaml"))[0].RootNode;
        YamlMappingNode sdsCluster = Mappings(bootstrap, "static_resources", "clusters").Single(c => Text(c, "name") == "tlsgw_sds");
        YamlMappingNode endpoint = Mappings(Mappings(sdsCluster, "load_assignment", "endpoints").Single(), "lb_endpoints").Single();
        string pipe = Text(endpoint, "endpoint", "address", "pipe", "path")!;
        Assert.Equal(socket, pipe);
        Assert.Equal(hostPath, HostPath(envoy, directory));
        string envoyBootstrap = Strings(envoy.Container, "args").SkipWhile(a => a != "-c").Skip(1).First();
        Assert.Equal("envoy-sds.yaml", Path.GetFileName(envoyBootstrap));
    }

    [Fact]
    public void The_agents_policy_gives_the_edge_and_Envoy_uids_identities_and_both_are_in_the_sockets_group()
    {
        DeployContainer agent = Containers().Single(c => c.Workload.Kind == "DaemonSet" && !c.IsInit);
        YamlNode config = Parse(ServeConfig(agent).Text)[0].RootNode;
        var uids = Mappings(config, "agent", "policy").Select(r => Text(r, "uid")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        string socketGroup = agent.Security("runAsGroup")!;

        foreach (DeployContainer client in Containers().Where(c => c.Workload.Name == "tlsgw-edge" || c.Name == "envoy"))
        {
            Assert.True(uids.Contains(client.Security("runAsUser")!), $"{client}: uid {client.Security("runAsUser")} has no rule in the agent's policy");
            Assert.Contains(socketGroup, Strings(client.Pod, "securityContext", "supplementalGroups"));
        }

        // The edge's upstream is the Envoy sidecar, by the identity the agent gives Envoy's uid.
        DeployContainer edge = Containers().Single(c => c.Workload.Name == "tlsgw-edge");
        var identities = Mappings(config, "agent", "policy").Select(r => Text(r, "identity")).ToHashSet(StringComparer.Ordinal);
        var allowed = AllValues(Parse(ServeConfig(edge).Text)[0].RootNode, "allowed_spiffe_ids").ToList();
        Assert.NotEmpty(allowed);
        Assert.All(allowed, id => Assert.Contains(id, identities));

        // The init container hands the socket directory to the agent's uid and group.
        DeployContainer chown = Containers().Single(c => c.Workload.Kind == "DaemonSet" && c.IsInit);
        Assert.Equal($"{agent.Security("runAsUser")}:{socketGroup}", chown.Command[1]);
    }

    [Fact]
    public void Every_file_a_tlsgw_config_names_under_etc_tlsgw_is_mounted_from_a_ConfigMap_in_the_manifests_or_one_the_guide_creates()
    {
        string guide = File.ReadAllText(Path.Combine(Root, "README.md"));
        foreach (DeployContainer c in Containers().Where(c => c.IsTlsgw && c.Option("-c") is not null))
        {
            YamlNode config = Parse(ServeConfig(c).Text)[0].RootNode;
            var files = new[] { "bundle", "trust_bundle", "crl", "cert", "key", "keys_file" }.SelectMany(k => AllValues(config, k))
                .Where(f => f.StartsWith("/etc/tlsgw/", StringComparison.Ordinal)).ToList();
            foreach (string file in files)
            {
                (string name, string? text) = ConfigMapFile(c, file);
                string configMap = name[..name.IndexOf('/', StringComparison.Ordinal)];
                Assert.True(text is not null || guide.Contains($"create configmap {configMap} ", StringComparison.Ordinal),
                    $"{c}: {file} comes from ConfigMap {configMap}, which neither the manifests nor deploy/README.md create");
            }
        }
    }

    [Fact]
    public void The_agent_dials_the_CA_service_by_a_name_the_CA_puts_in_its_certificate()
    {
        DeployContainer agent = Containers().Single(c => c.Workload.Kind == "DaemonSet" && !c.IsInit);
        var address = new Uri(Text(Parse(ServeConfig(agent).Text)[0].RootNode, "agent", "ca", "address")!);
        DeployContainer ca = Containers().Single(c => c.Workload.Name == "tlsgw-ca");
        DeployDocument service = Objects().Single(o => o.Kind == "Service" && o.Name == "tlsgw-ca");

        Assert.Equal($"{service.Name}.{Text(service.Root, "metadata", "namespace")}.svc", address.Host);
        Assert.Contains(address.Host, ca.Args.Where((_, i) => i > 0 && ca.Args[i - 1] == "--grpc-dns"));
        Assert.Contains(Mappings(service.Root, "spec", "ports"), p => Text(p, "port") == address.Port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal($"0.0.0.0:{address.Port}", ca.Option("--grpc-listen"));
    }

    [Fact]
    public void The_CA_job_and_the_CA_deployment_share_the_data_volume_and_the_store()
    {
        DeployContainer init = Containers().Single(c => c.Workload.Kind == "Job");
        DeployContainer serve = Containers().Single(c => c.Workload.Name == "tlsgw-ca");

        Assert.Equal(["ca", "serve"], serve.Args.Take(2));
        foreach (string option in new[] { "--data", "--store", "--passphrase" })
        {
            Assert.Equal(init.Option(option), serve.Option(option));
        }

        string data = serve.Option("--data")!;
        Assert.Equal(Text(init.VolumeAt(data)!.Value.Volume, "persistentVolumeClaim", "claimName"),
            Text(serve.VolumeAt(data)!.Value.Volume, "persistentVolumeClaim", "claimName"));
        Assert.Contains(Objects(), o => o.Kind == "PersistentVolumeClaim" && o.Name == Text(serve.VolumeAt(data)!.Value.Volume, "persistentVolumeClaim", "claimName"));
    }

    private static string? PortNumber(DeployContainer c, string? port) =>
        port is not null && port.All(char.IsAsciiDigit)
            ? port
            : Mappings(c.Container, "ports").Where(p => Text(p, "name") == port).Select(p => Text(p, "containerPort")).SingleOrDefault();

    private static bool FromSecret(DeployContainer c, string variable) =>
        Mappings(c.Container, "env").Any(e => Text(e, "name") == variable && Mapping(e, "valueFrom", "secretKeyRef") is not null);

    private static string HostPath(DeployContainer c, string mountPath)
    {
        (YamlMappingNode volume, _) = c.VolumeAt(mountPath) ?? throw new InvalidOperationException($"{c}: nothing is mounted at {mountPath}");
        return Text(volume, "hostPath", "path") ?? throw new InvalidOperationException($"{c}: {mountPath} is not a hostPath");
    }

    /// <summary>Every `sds: { socket: … }` in an edge config.</summary>
    private static IEnumerable<string> SdsSockets(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.SelectMany(kv =>
            ((YamlScalarNode)kv.Key).Value == "sds" && Text(kv.Value, "socket") is { } s ? [s] : SdsSockets(kv.Value)),
        YamlSequenceNode s => s.Children.SelectMany(SdsSockets),
        _ => [],
    };

    /// <summary>Every scalar under a key named <paramref name="key"/>, anywhere in the document (lists flattened).</summary>
    private static IEnumerable<string> AllValues(YamlNode node, string key) => node switch
    {
        YamlMappingNode m => m.Children.SelectMany(kv => ((YamlScalarNode)kv.Key).Value == key
            ? kv.Value is YamlSequenceNode list ? list.Children.OfType<YamlScalarNode>().Select(v => v.Value ?? "") : kv.Value is YamlScalarNode v ? [v.Value ?? ""] : AllValues(kv.Value, key)
            : AllValues(kv.Value, key)),
        YamlSequenceNode s => s.Children.SelectMany(c => AllValues(c, key)),
        _ => [],
    };

    private static YamlDotNet.Core.ScalarStyle ScalarStyle(YamlMappingNode mapping, string key) =>
        ((YamlScalarNode)mapping.Children[new YamlScalarNode(key)]).Style;

    [GeneratedRegex("PASS|TOKEN|SECRET|PIN|KEY|STORE|CREDENTIAL", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();
}
