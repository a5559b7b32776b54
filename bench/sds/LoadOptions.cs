using System.Globalization;

namespace TlsGateway.Bench.Sds;

/// <summary>What sds-load is asked to do; parsed from `--name value` pairs.</summary>
internal sealed record LoadOptions
{
    public const string Usage =
        "usage: sds-load --socket PATH [--streams 10000] [--connections 10] [--open-concurrency 1000] [--timeout 300]\n" +
        "                [--up-log FILE | --issued-at ISO-8601] [--mark-dir DIR] [--until renewed|open]";

    /// <summary>The agent's SDS Unix socket.</summary>
    public required string Socket { get; init; }

    /// <summary>StreamSecrets streams to hold open at once.</summary>
    public int Streams { get; init; } = 10_000;

    /// <summary>HTTP/2 connections (one GrpcChannel with its own handler each) the streams are dealt over.</summary>
    public int Connections { get; init; } = 10;

    /// <summary>Streams opened but not yet answered at any moment (0: no limit).</summary>
    public int OpenConcurrency { get; init; } = 1_000;

    /// <summary>The whole run, opening to rotation, must finish within this.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>`tlsgw up`'s log, read for the time the renewal was issued.</summary>
    public string? UpLog { get; init; }

    /// <summary>The renewal's issuance time, when given instead of a log.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>
    /// When set: DIR/pid holds this process's id; DIR/open is written once every stream has its first response, DIR/rotated once
    /// every stream has the renewal (neither when that never happens); the streams are then held open until DIR/close appears, so
    /// the driving script can take the agent's RSS and CPU at those moments.
    /// </summary>
    public string? MarkDir { get; init; }

    /// <summary>False for `--until open`: close once every stream is open (a warm-up run).</summary>
    public bool WaitForRenewal { get; init; } = true;

    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new FormatException($"expected --name value, got '{args[i]}'");
            }

            values[args[i][2..]] = args[i + 1];
        }

        var options = new LoadOptions
        {
            Socket = Take(values, "socket") ?? throw new FormatException("--socket is required"),
            Streams = Positive(Take(values, "streams"), "streams", 10_000),
            Connections = Positive(Take(values, "connections"), "connections", 10),
            OpenConcurrency = NonNegative(Take(values, "open-concurrency"), "open-concurrency", 1_000),
            Timeout = TimeSpan.FromSeconds(Positive(Take(values, "timeout"), "timeout", 300)),
            UpLog = Take(values, "up-log"),
            IssuedAt = Take(values, "issued-at") is string issued
                ? DateTimeOffset.Parse(issued, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : null,
            MarkDir = Take(values, "mark-dir"),
            WaitForRenewal = Take(values, "until") switch
            {
                null or "renewed" => true,
                "open" => false,
                string other => throw new FormatException($"--until must be renewed or open, not '{other}'"),
            },
        };
        if (values.Count > 0)
        {
            throw new FormatException($"unknown option --{values.Keys.First()}");
        }

        return options;
    }

    private static string? Take(Dictionary<string, string> values, string name) =>
        values.Remove(name, out string? value) ? value : null;

    private static int Positive(string? text, string name, int fallback)
    {
        int value = NonNegative(text, name, fallback);
        return value > 0 ? value : throw new FormatException($"--{name} must be positive");
    }

    private static int NonNegative(string? text, string name, int fallback) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value
        : throw new FormatException($"--{name} must be a whole number, not '{text}'");
}
