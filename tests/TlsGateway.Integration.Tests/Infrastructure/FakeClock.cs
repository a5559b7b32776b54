namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// libfaketime (Debian's `faketime` package) for one child process: LD_PRELOAD'ed, it shifts what
/// clock_gettime/gettimeofday/time return — DateTime.UtcNow in .NET, and the validity checks
/// OpenSSL makes — by a fixed offset, while the monotonic clock (timers, timeouts) is left alone.
/// A missing library fails the test with the install hint; it is never skipped.
/// </summary>
public static class FakeClock
{
    /// <summary>The environment that runs a process with its wall clock <paramref name="offset"/> off, e.g. "+5m" or "-5m".</summary>
    public static Dictionary<string, string> Environment(string offset) => new()
    {
        ["LD_PRELOAD"] = Library(),
        ["FAKETIME"] = offset,
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        // Read FAKETIME once, not from a cache file that other processes could share.
        ["FAKETIME_NO_CACHE"] = "1",
    };

    private static string Library()
    {
        string? found = Directory.GetDirectories("/usr/lib")
            .Select(d => Path.Combine(d, "faketime", "libfaketime.so.1"))
            .Append("/usr/lib/faketime/libfaketime.so.1")
            .FirstOrDefault(File.Exists);
        return found ?? throw new InvalidOperationException(
            "libfaketime.so.1 is missing: the clock-skew tests need Debian's faketime package (scripts/install-deps.sh test installs it)");
    }
}
