using System.Globalization;
using System.Text.Json;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>What one run of the Node SDS client did: its exit, and the JSON events it printed, one per line.</summary>
public sealed record SdsClientRun(ProcessResult Process, IReadOnlyList<JsonElement> Events)
{
    public bool Succeeded => Process.ExitCode == 0 && !Process.TimedOut;

    /// <summary>The events named <paramref name="name"/> ("response", "ack", "nack", "status", "done"…), in order.</summary>
    public IReadOnlyList<JsonElement> Named(string name) =>
        Events.Where(e => e.TryGetProperty("event", out JsonElement n) && n.GetString() == name).ToList();

    /// <summary>Every served resource called <paramref name="resource"/>, across all responses, in order.</summary>
    public IReadOnlyList<JsonElement> Served(string resource) =>
        Named("response").SelectMany(r => r.GetProperty("resources").EnumerateArray())
            .Where(r => r.GetProperty("name").GetString() == resource).ToList();

    /// <summary>For assertion messages: the exit and everything the client printed.</summary>
    public override string ToString() =>
        $"sds-client exited with {Process.ExitCode}{(Process.TimedOut ? " (killed: timed out)" : "")}\n{Process.Combined}";
}

/// <summary>
/// The Node.js SDS peer in tests/peers/sds-client: Envoy's own SDS v3 protos (as vendored by
/// @grpc/grpc-js-xds) over a Unix socket, so the server is checked against the real schema rather
/// than the copy it compiles. Its npm packages come from scripts/install-deps.sh test (npm ci).
/// </summary>
public static class NodeSdsClient
{
    public static string Directory => Path.Combine(RepoPaths.Root, "tests", "peers", "sds-client");

    /// <summary>
    /// `node sds-client.js COMMAND --socket SOCKET --timeout S ARGS`, killed if it outlives its own
    /// timeout by 15 s. With <paramref name="runAs"/> it runs under that uid and gid (no
    /// supplementary groups) through setpriv, the way a workload of another user would connect.
    /// </summary>
    public static async Task<SdsClientRun> RunAsync(string command, string socket, IEnumerable<string> arguments, TimeSpan timeout,
        (int Uid, int Gid)? runAs = null)
    {
        string peer = Directory;
        if (!File.Exists(Path.Combine(peer, "node_modules", ".package-lock.json")))
        {
            throw new InvalidOperationException($"{peer}/node_modules is missing: run `bash scripts/install-deps.sh test` (npm ci)");
        }

        string seconds = timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        List<string> nodeArguments = [Path.Combine(peer, "sds-client.js"), command, "--socket", socket, "--timeout", seconds, .. arguments];
        if (runAs is not { } user)
        {
            ProcessResult result = await ProcessRunner.RunAsync("node", nodeArguments, timeout: timeout + TimeSpan.FromSeconds(15));
            return new SdsClientRun(result, ParseEvents(result.StandardOutput));
        }

        string[] setpriv = ["--reuid=" + user.Uid, "--regid=" + user.Gid, "--clear-groups"];
        peer = await ReadablePeerAsync(setpriv);
        try
        {
            nodeArguments[0] = Path.Combine(peer, "sds-client.js");
            ProcessResult result = await ProcessRunner.RunAsync("setpriv", [.. setpriv, "node", .. nodeArguments], timeout: timeout + TimeSpan.FromSeconds(15));
            return new SdsClientRun(result, ParseEvents(result.StandardOutput));
        }
        finally
        {
            if (peer != Directory)
            {
                System.IO.Directory.Delete(peer, recursive: true);
            }
        }
    }

    /// <summary>
    /// The peer directory, or a world-readable copy of it when the checkout is not readable by the
    /// other user (a clone under /root, say), so a denial is the server's and not the file system's.
    /// </summary>
    private static async Task<string> ReadablePeerAsync(string[] setpriv)
    {
        string probe = Path.Combine(Directory, "node_modules", "@grpc", "grpc-js-xds", "deps", "envoy-api", "envoy", "service", "secret", "v3", "sds.proto");
        ProcessResult readable = await ProcessRunner.RunAsync("setpriv", [.. setpriv, "test", "-r", probe]);
        if (readable.ExitCode == 0)
        {
            return Directory;
        }

        string copy = Path.Combine(Path.GetTempPath(), "tlsgw-sds-client-" + Guid.NewGuid().ToString("N"));
        ProcessResult copied = await ProcessRunner.RunAsync("cp", ["-r", Directory, copy], timeout: TimeSpan.FromSeconds(60));
        Assert.True(copied.ExitCode == 0, copied.Combined);
        await ProcessRunner.RunAsync("chmod", ["-R", "a+rX", copy]);
        return copy;
    }

    private static List<JsonElement> ParseEvents(string output)
    {
        var events = new List<JsonElement>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(line);
            events.Add(document.RootElement.Clone());
        }

        return events;
    }
}
