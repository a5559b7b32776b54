using System.Globalization;

namespace TlsGateway.Bench.ShangMi;

/// <summary>What sm-load is asked to do: a mode, then `--name value` pairs (`--resume` stands alone).</summary>
internal sealed record LoadOptions
{
    public const string Usage =
        "usage: sm-load handshakes --port P --ca FILE [--seconds 5] [--concurrency 8] [--resume] [--server-name localhost]\n" +
        "       sm-load bulk --port P --ca FILE [--bytes 268435456] [--connections 1] [--server-name localhost]\n" +
        "       sm-load sink --port P [--seconds 3600]\n" +
        "Every mode stops within its bound: --seconds (handshakes: load time; sink: lifetime), --timeout per connection (default 60).";

    public required string Mode { get; init; }

    public required int Port { get; init; }

    /// <summary>PEM file of the trust anchor(s) for the server's chain.</summary>
    public string? CaFile { get; init; }

    public string ServerName { get; init; } = "localhost";

    public int Seconds { get; init; } = 5;

    public int Concurrency { get; init; } = 8;

    public bool Resume { get; init; }

    public long Bytes { get; init; } = 256L * 1024 * 1024;

    public int Connections { get; init; } = 1;

    /// <summary>Bound on any one connection (handshake, request, transfer).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public static LoadOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("handshakes" or "bulk" or "sink"))
        {
            throw new FormatException("the first argument must be handshakes, bulk or sink");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool resume = false;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--resume")
            {
                resume = true;
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new FormatException($"expected --name value, got '{args[i]}'");
            }

            values[args[i][2..]] = args[++i];
        }

        string mode = args[0];
        var options = new LoadOptions
        {
            Mode = mode,
            Port = Positive(Take(values, "port"), "port", 0),
            CaFile = Take(values, "ca"),
            ServerName = Take(values, "server-name") ?? "localhost",
            Seconds = Positive(Take(values, "seconds"), "seconds", mode == "sink" ? 3600 : 5),
            Concurrency = Positive(Take(values, "concurrency"), "concurrency", 8),
            Resume = resume,
            Bytes = Take(values, "bytes") is string b ? long.Parse(b, CultureInfo.InvariantCulture) : 256L * 1024 * 1024,
            Connections = Positive(Take(values, "connections"), "connections", 1),
            Timeout = TimeSpan.FromSeconds(Positive(Take(values, "timeout"), "timeout", 60)),
        };
        if (values.Count > 0)
        {
            throw new FormatException($"unknown option --{values.Keys.First()}");
        }

        if (options.Port == 0)
        {
            throw new FormatException("--port is required");
        }

        if (mode != "sink" && options.CaFile is null)
        {
            throw new FormatException("--ca is required");
        }

        if (options.Bytes <= 0)
        {
            throw new FormatException("--bytes must be positive");
        }

        return options;
    }

    private static string? Take(Dictionary<string, string> values, string name) =>
        values.Remove(name, out string? value) ? value : null;

    private static int Positive(string? text, string name, int fallback)
    {
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
        {
            throw new FormatException($"--{name} must be a positive integer, got '{text}'");
        }

        return value;
    }
}
