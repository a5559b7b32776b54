using System.Text.RegularExpressions;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>What `openssl s_client` printed, with the facts tests assert on pulled out of it.</summary>
public sealed partial record SClientResult(ProcessResult Process)
{
    public string Output => Process.Combined;

    /// <summary>True when s_client completed a handshake and the server echoed our line back.</summary>
    public bool Echoed(string line) => Process.StandardOutput.Contains("echo:" + line, StringComparison.Ordinal);

    /// <summary>"TLSv1.3" from the "New, TLSv1.3, Cipher is ..." or "Reused, ..." line.</summary>
    public string? Protocol => Match(SessionLine(), 2);

    public string? Cipher => Match(SessionLine(), 3);

    public bool Reused => Match(SessionLine(), 1) == "Reused";

    /// <summary>The negotiated ALPN protocol, or null for "No ALPN negotiated".</summary>
    public string? Alpn => Match(AlpnLine(), 1);

    /// <summary>The subject of the server's leaf, e.g. "CN = example.test".</summary>
    public string? Subject => Match(SubjectLine(), 1);

    /// <summary>"Server public key is 256 bit" and friends: the leaf's key size.</summary>
    public int? ServerKeyBits => int.TryParse(Match(KeyBitsLine(), 1), out int bits) ? bits : null;

    public bool VerifiedOk => Output.Contains("Verify return code: 0 (ok)", StringComparison.Ordinal);

    /// <summary>The server ended the stream with close_notify: s_client prints "closed" on its own line.</summary>
    public bool ClosedByCloseNotify => ClosedLine().IsMatch(Output);

    /// <summary>The stream ended without close_notify: a reset ("read:errno=104") or a bare FIN ("unexpected eof").</summary>
    public bool EndedAbruptly => Output.Contains("read:errno=", StringComparison.Ordinal)
        || Output.Contains("unexpected eof while reading", StringComparison.Ordinal);

    private string? Match(Regex regex, int group)
    {
        System.Text.RegularExpressions.Match m = regex.Match(Output);
        return m.Success ? m.Groups[group].Value : null;
    }

    [GeneratedRegex(@"^(New|Reused), (TLSv1\.\d|SSLv3), Cipher is (\S+)", RegexOptions.Multiline)]
    private static partial Regex SessionLine();

    [GeneratedRegex(@"^ALPN protocol: (\S+)", RegexOptions.Multiline)]
    private static partial Regex AlpnLine();

    [GeneratedRegex(@"^subject=(.+)$", RegexOptions.Multiline)]
    private static partial Regex SubjectLine();

    [GeneratedRegex(@"^Server public key is (\d+) bit", RegexOptions.Multiline)]
    private static partial Regex KeyBitsLine();

    [GeneratedRegex(@"^closed$", RegexOptions.Multiline)]
    private static partial Regex ClosedLine();
}

/// <summary>
/// The real `openssl s_client` against a server under test. It verifies the chain against the
/// test root and fails on any verification error; it sends one line and stays until the server
/// closes (-ign_eof), so its output always includes the full session summary.
/// </summary>
public static class OpenSslClient
{
    public static async Task<SClientResult> ConnectAsync(string address, string? serverName = null, string line = "ping",
        string? caFile = null, IEnumerable<string>? extra = null, TimeSpan? timeout = null)
    {
        var arguments = new List<string>
        {
            "s_client", "-connect", address, "-CAfile", caFile ?? TestPki.Instance.CaPath, "-verify_return_error", "-ign_eof",
        };
        if (serverName is not null)
        {
            arguments.AddRange(["-servername", serverName]);
        }
        else
        {
            arguments.Add("-noservername");
        }

        arguments.AddRange(extra ?? []);
        ProcessResult result = await ProcessRunner.RunAsync("openssl", arguments, line + "\n", timeout: timeout ?? TimeSpan.FromSeconds(15));
        return new SClientResult(result);
    }
}
