// sm-load: the client and the plaintext upstream of bench/sm-edge.sh, the ShangMi (RFC 8998)
// benchmark of the edge. `handshakes` opens connections through the edge with the managed TLS 1.3
// client on TLS_SM4_GCM_SM3 / curveSM2 (full, or resumed with the ticket of the previous
// connection), sends one line and reads the upstream's answer on each; `bulk` uploads plaintext
// through the edge to the sink and reports MB/s; `sink` is that upstream. Figures go to stdout as
// key=value lines, progress and errors to stderr. Exit code 0 when nothing failed, 1 otherwise,
// 2 on bad arguments.
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Bench.ShangMi;
using TlsGateway.Tls.ShangMi;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"sm-load: {e.Message}\n{LoadOptions.Usage}");
    return 2;
}

if (options.Mode == "sink")
{
    await Sink.RunAsync(options.Port, TimeSpan.FromSeconds(options.Seconds), options.Timeout);
    return 0;
}

var anchors = new X509Certificate2Collection();
anchors.ImportFromPemFile(options.CaFile!);
var client = new ManagedClientOptions
{
    ServerName = options.ServerName,
    TrustAnchors = [.. anchors.Select(c => c.RawData)],
    CipherSuites = [Tls13CipherSuite.Sm4GcmSm3],
    Groups = [NamedGroup.CurveSm2],
};

IReadOnlyDictionary<string, string> figures = options.Mode == "handshakes"
    ? await HandshakeLoad.RunAsync(options, client)
    : await BulkLoad.RunAsync(options, client);
foreach ((string key, string value) in figures)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={value}"));
}

return figures.TryGetValue("failed", out string? failed) && failed == "0" ? 0 : 1;
