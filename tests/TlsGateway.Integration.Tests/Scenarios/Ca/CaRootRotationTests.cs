using System.Text.Json;
using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// Root rotation without an outage, end to end: `tlsgw serve` in front of an echo upstream serves
/// a CA-issued leaf from file-watched cert.pem/key.pem, and an openssl client trusting only the
/// CA's bundle (as read at that moment) connects before, during and after `ca rotate-root`,
/// the renewal onto the new intermediate, and the old root's retirement.
/// </summary>
public sealed partial class CaRootRotationTests
{
    private const string EdgeId = "spiffe://example.org/ns/edge/sa/gateway";

    /// <summary>
    /// The first leaf's lifetime: long enough to reach the renewal on a loaded machine, short
    /// enough that the test waits for its expiry (retirement waits for every gen-1 leaf).
    /// </summary>
    private const int FirstLeafSeconds = 12;

    [Fact]
    public async Task A_client_trusting_only_the_bundle_keeps_connecting_across_the_whole_rotation()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using var upstream = new PlainEchoUpstream("edge");
        // The edge starts on a placeholder pair outside the CA's ledger, so its start-up time does
        // not eat into the short-lived first leaf's lifetime; that leaf then arrives by reload.
        Directory.CreateDirectory(ca.PathOf("edge"));
        File.Copy(TestPki.Instance.PathOf("default.pem"), ca.PathOf("edge", "cert.pem"));
        File.Copy(TestPki.Instance.PathOf("default.key"), ca.PathOf("edge", "key.pem"));
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port,
            [ServeConfig.Chain("edge", [], "unused", [upstream.Address], certificatePath: ca.PathOf("edge", "cert.pem"), keyPath: ca.PathOf("edge", "key.pem"))]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);
        JsonElement first = await IssueAndWaitForReloadAsync(ca, serve, $"{FirstLeafSeconds}s");
        DateTimeOffset firstExpires = first.GetProperty("not_after").GetDateTimeOffset();

        string beforeBundle = Snapshot(ca, "before");
        SClientResult before = await ConnectAsync(port, beforeBundle);
        await ca.RunOkAsync(["ca", "rotate-root"]);
        string overlapBundle = Snapshot(ca, "overlap");
        SClientResult oldLeafDuringOverlap = await ConnectAsync(port, overlapBundle);
        Assert.True(DateTimeOffset.UtcNow < firstExpires, $"the {FirstLeafSeconds}s leaf expired before the renewal step; the machine is too slow for this test");

        await IssueAndWaitForReloadAsync(ca, serve, "1h");
        SClientResult newLeafDuringOverlap = await ConnectAsync(port, overlapBundle);
        SClientResult oldRootOnly = await ConnectAsync(port, beforeBundle);

        TimeSpan untilExpired = firstExpires + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (untilExpired > TimeSpan.Zero)
        {
            await Task.Delay(untilExpired);
        }

        using JsonDocument status = JsonDocument.Parse(await ca.RunOkAsync(["ca", "status", "--json"]));
        string afterBundle = Snapshot(ca, "after");
        SClientResult after = await ConnectAsync(port, afterBundle);

        AssertConnected(before, generation: 1);
        Assert.Equal(1, CaDataDirectory.CountCertificates(beforeBundle));
        Assert.Equal(2, CaDataDirectory.CountCertificates(overlapBundle));
        AssertConnected(oldLeafDuringOverlap, generation: 1);
        AssertConnected(newLeafDuringOverlap, generation: 2);
        Assert.False(oldRootOnly.VerifiedOk, "a client that never got the new bundle must not accept the new leaf:\n" + oldRootOnly.Output);
        Assert.Equal([1], status.RootElement.GetProperty("retired_now").EnumerateArray().Select(g => g.GetInt32()));
        Assert.Equal(["retired", "active"], status.RootElement.GetProperty("generations").EnumerateArray().Select(g => g.GetProperty("state").GetString()));
        Assert.StartsWith("stable", status.RootElement.GetProperty("phase").GetString());
        Assert.Equal(1, CaDataDirectory.CountCertificates(afterBundle));
        Assert.Equal(File.ReadAllText(ca.Generation(2, "root-cert.pem")).Trim(), File.ReadAllText(afterBundle).Trim());
        AssertConnected(after, generation: 2);
    }

    [Fact]
    public async Task Ca_status_shows_what_the_rotation_waits_for_until_the_old_leaves_expire()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await ca.IssueAsync("web", "spiffe://example.org/ns/shop/sa/web");
        await ca.RunOkAsync(["ca", "rotate-root"]);

        using JsonDocument status = JsonDocument.Parse(await ca.RunOkAsync(["ca", "status", "--json"]));
        string table = await ca.RunOkAsync(["ca", "status"]);

        Assert.Empty(status.RootElement.GetProperty("retired_now").EnumerateArray());
        JsonElement old = status.RootElement.GetProperty("generations")[0];
        Assert.Equal("retiring", old.GetProperty("state").GetString());
        Assert.Equal(1, old.GetProperty("live_leaves").GetInt32());
        Assert.StartsWith("rotating", status.RootElement.GetProperty("phase").GetString());
        Assert.Contains("generation 1's root stays in the bundle until its 1 live leaves expire", table);
        Assert.Equal(2, CaDataDirectory.CountCertificates(ca.Bundle));
    }

    [Fact]
    public async Task A_cross_signed_intermediate_lets_a_verifier_knowing_only_the_old_root_accept_new_leaves()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await ca.RunOkAsync(["ca", "rotate-root", "--cross-sign"]);
        await ca.IssueAsync("web", "spiffe://example.org/ns/shop/sa/web");
        string leaf = ca.PathOf("web", "cert.pem");
        string oldRoot = ca.Generation(1, "root-cert.pem");

        ProcessResult crossSigned = await ProcessRunner.RunAsync("openssl",
            ["verify", "-CAfile", oldRoot, "-untrusted", ca.Generation(2, "cross-signed-ca-cert.pem"), leaf]);
        ProcessResult plainIntermediate = await ProcessRunner.RunAsync("openssl",
            ["verify", "-CAfile", oldRoot, "-untrusted", ca.Generation(2, "ca-cert.pem"), leaf]);
        // cert.pem carries the cross-signed intermediate too, so the chain a workload serves works for both kinds of verifier.
        ProcessResult servedChain = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", oldRoot, "-untrusted", leaf, leaf]);
        ProcessResult issuer = await ProcessRunner.RunAsync("openssl", ["x509", "-in", leaf, "-noout", "-issuer"]);
        using JsonDocument status = JsonDocument.Parse(await ca.RunOkAsync(["ca", "status", "--json"]));

        Assert.True(crossSigned.ExitCode == 0, crossSigned.Combined);
        Assert.Contains($"{leaf}: OK", crossSigned.StandardOutput);
        Assert.NotEqual(0, plainIntermediate.ExitCode);
        Assert.True(servedChain.ExitCode == 0, servedChain.Combined);
        Assert.Equal(3, CaDataDirectory.CountCertificates(leaf));
        Assert.Contains("Intermediate CA g2", issuer.StandardOutput);
        Assert.True(status.RootElement.GetProperty("generations")[1].GetProperty("cross_signed").GetBoolean());
    }

    /// <summary>`cert issue` straight into the edge's watched cert.pem/key.pem, then waits until the edge has reloaded them.</summary>
    private static async Task<JsonElement> IssueAndWaitForReloadAsync(CaDataDirectory ca, ServeProcess serve, string ttl)
    {
        int reloads = Occurrences(serve.Process.Output, "Configuration reloaded");
        JsonElement issued = await ca.IssueAsync("edge", EdgeId, ["--dns", "localhost", "--ttl", ttl]);
        await Eventually.EqualAsync(true, () => Occurrences(serve.Process.Output, "Configuration reloaded") > reloads, TimeSpan.FromSeconds(10));
        return issued;
    }

    /// <summary>Copies DIR/bundle.pem as it is now: what a client that fetched the bundle at this moment trusts.</summary>
    private static string Snapshot(CaDataDirectory ca, string name)
    {
        string path = ca.PathOf($"client-{name}.pem");
        File.Copy(ca.Bundle, path);
        return path;
    }

    private static Task<SClientResult> ConnectAsync(int port, string bundle) =>
        OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", caFile: bundle, extra: ["-verify_hostname", "localhost"]);

    private static void AssertConnected(SClientResult result, int generation)
    {
        Assert.True(result.VerifiedOk, result.Output);
        Assert.Contains("edge:ping", result.Process.StandardOutput);
        Assert.Equal(generation.ToString(System.Globalization.CultureInfo.InvariantCulture), IssuerGeneration().Match(result.Output).Groups[1].Value);
    }

    private static int Occurrences(string text, string value) => Regex.Count(text, Regex.Escape(value));

    [GeneratedRegex(@"^issuer=.*Intermediate CA g(\d+)", RegexOptions.Multiline)]
    private static partial Regex IssuerGeneration();
}
