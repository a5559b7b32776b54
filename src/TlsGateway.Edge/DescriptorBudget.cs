using System.Globalization;

namespace TlsGateway.Edge;

/// <summary>
/// How many client connections the process can hold without running out of file descriptors:
/// each takes two (the client's socket and the upstream's), and the runtime, the admin port, the
/// SDS client and the file watchers need some of their own. Running out is not a soft failure
/// here: the .NET 10 runtime aborted ("Internal CLR error", 0x80131506) on the first exception
/// thrown while no descriptor was free — the EMFILE from accept itself. So the edge stops
/// accepting connections (closing new ones at once, as at max_connections) while a reserve of
/// descriptors is still free, rather than meet the limit.
/// </summary>
public static class DescriptorBudget
{
    /// <summary>Descriptors kept for everything but client connections.</summary>
    public const int Reserve = 256;

    private static readonly Lazy<long?> s_softLimit = new(ReadSoftLimit);

    /// <summary>The process's soft RLIMIT_NOFILE, or null when unknown or unlimited.</summary>
    public static long? SoftLimit => s_softLimit.Value;

    /// <summary>The most client connections the whole process should hold; int.MaxValue when the limit is unknown.</summary>
    public static int ConnectionCap => SoftLimit is { } limit ? (int)Math.Clamp((limit - Reserve) / 2, 1, int.MaxValue) : int.MaxValue;

    // /proc/self/limits: "Max open files            20000                20000                files"
    private static long? ReadSoftLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
                }
            }
        }
        catch (IOException)
        {
            // Not Linux, or no /proc: no cap beyond max_connections.
        }

        return null;
    }
}
