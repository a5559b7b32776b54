using System.Text;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// Builds `tlsgw serve` configs from the test PKI: one listener, chains written as flow-style
/// YAML on one line each key, so the indentation is obvious.
/// </summary>
public static class ServeConfig
{
    /// <param name="limits">A flow mapping for `limits`, e.g. "{ handshake_timeout: 1s }", or null.</param>
    /// <param name="eventLoops">False sets <c>event_loops: false</c>: the listener takes the task-based path.</param>
    public static string Listener(int port, IEnumerable<string> chains, string? limits = null, string? tickets = null, bool eventLoops = true)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("edge:");
        yaml.AppendLine("  listeners:");
        yaml.AppendLine("    - name: public");
        yaml.AppendLine($"      address: 127.0.0.1:{port}");
        if (limits is not null)
        {
            yaml.AppendLine($"      limits: {limits}");
        }

        if (tickets is not null)
        {
            yaml.AppendLine($"      session_tickets: {tickets}");
        }

        if (!eventLoops)
        {
            yaml.AppendLine("      event_loops: false");
        }

        yaml.AppendLine("      filter_chains:");
        foreach (string chain in chains)
        {
            yaml.Append(chain);
        }

        return yaml.ToString();
    }

    /// <param name="serverNames">Server names, or empty for the default chain.</param>
    /// <param name="upstream">Extra keys for the upstream flow mapping, e.g. "proxy_protocol: true".</param>
    /// <param name="clientAuth">A flow mapping for client_auth, or null.</param>
    public static string Chain(string name, string[] serverNames, string certificate, string[] endpoints,
        string? upstream = null, string? clientAuth = null, string? certificatePath = null, string? keyPath = null, string connectTimeout = "1s")
    {
        TestPki pki = TestPki.Instance;
        var yaml = new StringBuilder();
        yaml.AppendLine($"        - name: {name}");
        if (serverNames.Length > 0)
        {
            yaml.AppendLine($"          server_names: [{string.Join(", ", serverNames.Select(n => $"\"{n}\""))}]");
        }

        yaml.AppendLine($"          certificates: [{{ cert: {certificatePath ?? pki.PathOf(certificate + ".pem")}, key: {keyPath ?? pki.PathOf(certificate + ".key")} }}]");
        if (clientAuth is not null)
        {
            yaml.AppendLine($"          client_auth: {clientAuth}");
        }

        string extra = upstream is null ? "" : ", " + upstream;
        // A flow mapping cannot hold a nested block, so an upstream with TLS is written in block style.
        if (upstream is not null && upstream.StartsWith("tls:", StringComparison.Ordinal))
        {
            yaml.AppendLine("          upstream:");
            yaml.AppendLine($"            endpoints: [{string.Join(", ", endpoints)}]");
            yaml.AppendLine("            connect_timeout: 2s");
            yaml.AppendLine($"            {upstream}");
            return yaml.ToString();
        }

        yaml.AppendLine($"          upstream: {{ endpoints: [{string.Join(", ", endpoints)}], connect_timeout: {connectTimeout}{extra} }}");
        return yaml.ToString();
    }
}
