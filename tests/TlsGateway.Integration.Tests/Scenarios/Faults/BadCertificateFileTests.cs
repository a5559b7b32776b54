using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TlsGateway.Integration.Tests.Scenarios.Faults;

/// <summary>
/// The certificate files of a running `tlsgw serve` replaced (written beside, renamed over, as
/// deploy tools do) with garbage, then with a key that belongs to another certificate: each
/// reload is refused with the file and the reason in the log, the certificate that was serving
/// keeps serving every new connection, and a good pair put in place afterwards is taken up.
/// (ServeReloadTests covers a good replacement and a broken config file; this is bad certificate
/// material.)
/// </summary>
public sealed class BadCertificateFileTests(ITestOutputHelper output)
{
    private const string Refused = "refused, still serving the previous configuration";
    private const string Reloaded = "Configuration reloaded";

    [Fact]
    public async Task Garbage_or_a_mismatched_key_in_place_of_the_certificate_files_is_refused_and_the_old_certificate_keeps_serving()
    {
        TestPki pki = TestPki.Instance;
        await using var upstream = new PlainEchoUpstream();
        string directory = ServeProcess.NewDirectory();
        string cert = Path.Combine(directory, "served.pem");
        string key = Path.Combine(directory, "served.key");
        File.Copy(pki.PathOf("default.pem"), cert);
        File.Copy(pki.PathOf("default.key"), key);
        int port = FreePort.Next();
        int admin = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address], certificatePath: cert, keyPath: key)])
            + $"admin:\n  listen: 127.0.0.1:{admin}\n";
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port, directory);

        // 1. Garbage where the certificate was.
        Replace(cert, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"u8.ToArray());
        string garbageRefusal = await NthLineAsync(serve, Refused, 1);
        SClientResult afterGarbage = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        // 2. The certificate back, but a key that belongs to another certificate.
        Replace(cert, pki.Read("default.pem"));
        Replace(key, pki.Read("other.key"));
        string mismatchRefusal = await NthLineAsync(serve, Refused, 2);
        SClientResult afterMismatch = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        // 3. A good pair: taken up.
        int reloadsBefore = Count(serve, Reloaded);
        Replace(cert, pki.Read("other.pem"));
        await NthLineAsync(serve, Reloaded, reloadsBefore + 1);
        SClientResult afterGood = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test");
        MetricsScrape metrics = await MetricsScrape.GetAsync(admin);
        double refused = metrics.Sum("tlsgw_edge_reloads_total", ("result", "refused"));
        double applied = metrics.Sum("tlsgw_edge_reloads_total", ("result", "ok"));

        output.WriteLine($"garbage certificate: {garbageRefusal}");
        output.WriteLine($"  then served: {afterGarbage.Subject}, echoed: {afterGarbage.Echoed("ping") || afterGarbage.Process.StandardOutput.Contains("upstream:ping")}");
        output.WriteLine($"mismatched key: {mismatchRefusal}");
        output.WriteLine($"  then served: {afterMismatch.Subject}");
        output.WriteLine($"good pair: served {afterGood.Subject}");
        output.WriteLine($"reloads on /metrics: {refused} refused, {applied} ok");

        Assert.Contains("served.pem", garbageRefusal);
        Assert.Equal("CN = default.test", afterGarbage.Subject);
        Assert.Contains("upstream:ping", afterGarbage.Process.StandardOutput);
        Assert.Contains("does not match", mismatchRefusal);
        Assert.Equal("CN = default.test", afterMismatch.Subject);
        Assert.Contains("upstream:ping", afterMismatch.Process.StandardOutput);
        Assert.Equal("CN = other.test", afterGood.Subject);
        Assert.Contains("upstream:ping", afterGood.Process.StandardOutput);
        // A file watcher may see one replacement as more than one change: at least, not exactly.
        Assert.True(refused >= 2, $"{refused} refused reloads counted");
        Assert.True(applied >= 1, $"{applied} applied reloads counted");
    }

    /// <summary>Writes beside the file and renames over it, as deploy tools do.</summary>
    private static void Replace(string path, byte[] content)
    {
        File.WriteAllBytes(path + ".new", content);
        File.Move(path + ".new", path, overwrite: true);
    }

    private static int Count(ServeProcess serve, string text) => Lines(serve, text).Count;

    private static List<string> Lines(ServeProcess serve, string text) =>
        Regex.Matches(serve.Process.Output, $"^.*{Regex.Escape(text)}.*$", RegexOptions.Multiline).Select(m => m.Value).ToList();

    /// <summary>Waits (bounded) for the <paramref name="count"/>th log line containing <paramref name="text"/> and returns it.</summary>
    private static async Task<string> NthLineAsync(ServeProcess serve, string text, int count)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            List<string> lines = Lines(serve, text);
            if (lines.Count >= count)
            {
                return lines[count - 1];
            }

            Assert.True(DateTime.UtcNow < deadline, $"no '{text}' #{count} in the log:\n{serve.Process.Output}");
            await Task.Delay(100);
        }
    }
}
