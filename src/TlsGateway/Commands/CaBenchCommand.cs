using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TlsGateway.Ca;
using TlsGateway.Identity;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw ca bench`: issues N certificates from ECDSA P-256 CSRs through the CA's API
/// (CertificateAuthority.IssueAsync: CSR check, signing, ledger row + audit event per
/// certificate) against the configured store, and prints certificates per second and CPU time.
/// Operators use it to size a CA and its database; bench/ca-vs-cfssl.sh compares it with cfssl.
/// The certificates are real ledger entries, so run it against a scratch --data directory.
/// </summary>
internal static class CaBenchCommand
{
    public static Command Create(CaContext.Options options)
    {
        var count = new Option<int>("--count") { Description = "Certificates to issue", DefaultValueFactory = _ => 2000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight", DefaultValueFactory = _ => 1 };
        var warmup = new Option<int>("--warmup") { Description = "Certificates issued before measuring (about ten seconds' worth: .NET's tiered JIT and dynamic PGO keep recompiling hot code for the first several thousand)", DefaultValueFactory = _ => 20_000 };
        var csrDirectory = new Option<string?>("--csr-dir") { Description = "Sign these *.csr files (PEM) in turn instead of generating 16 CSRs" };
        var command = new Command("bench", """
            Issue --count certificates through the CA's API into its store and print certificates/s (use a scratch --data directory).
            Example: tlsgw ca init --trust-domain bench.local --data /tmp/b && tlsgw ca bench --data /tmp/b --count 5000
            """)
        {
            count, concurrency, warmup, csrDirectory,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken);
            int total = Math.Max(1, result.GetValue(count));
            int parallel = Math.Clamp(result.GetValue(concurrency), 1, 256);
            SpiffeId id = SpiffeId.ForWorkload(ca.Settings.TrustDomain, "bench", "load");
            List<byte[]> csrs = result.GetValue(csrDirectory) is string dir
                ? Directory.GetFiles(dir, "*.csr").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList()
                : Enumerable.Range(0, 16).Select(_ => IssuedFiles.NewKeyAndCsr("ecdsa-p256", id, []).Csr).ToList();
            if (csrs.Count == 0)
            {
                throw new FormatException("--csr-dir holds no *.csr files");
            }

            var caller = CaCaller.CurrentOperator;
            // Warm up outside the measurement: tiered JIT promotes hot methods to optimised code
            // after a few thousand calls, and a CA is a long-running process.
            await RunAsync(ca.Authority, csrs, caller, id, Math.Max(1, result.GetValue(warmup)), parallel, cancellationToken);

            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await RunAsync(ca.Authority, csrs, caller, id, total, parallel, cancellationToken);
            clock.Stop();
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            double rate = total / clock.Elapsed.TotalSeconds;
            double perCpuSecond = total / Math.Max(cpu.TotalSeconds, 1e-9);
            if (result.GetValue(options.Json))
            {
                TableWriter.WriteJson(Console.Out, new
                {
                    store = ca.Store.Description, count = total, concurrency = parallel, seconds = clock.Elapsed.TotalSeconds,
                    certificates_per_second = rate, cpu_seconds = cpu.TotalSeconds, certificates_per_cpu_second = perCpuSecond,
                });
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{total} certificates in {clock.Elapsed.TotalSeconds:0.00} s: {rate:0} certificates/s ({perCpuSecond:0} per CPU second) on {ca.Store.Description}"));
            }

            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static async Task RunAsync(CertificateAuthority authority, List<byte[]> csrs, CaCaller caller, SpiffeId id, int total, int parallel,
        CancellationToken cancellationToken)
    {
        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= total)
            {
                await authority.IssueAsync(new IssuanceRequest(csrs[n % csrs.Count], caller, id), cancellationToken);
            }
        }));
    }
}
