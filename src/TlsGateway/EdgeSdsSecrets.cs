using Microsoft.Extensions.Logging;
using TlsGateway.Config;
using TlsGateway.Edge.Config;
using TlsGateway.Sds;

namespace TlsGateway.Host;

/// <summary>
/// Gives the edge its SDS secrets as files: every `sds:` certificate and ticket-key source in the
/// edge config is subscribed to (through <see cref="SdsFileMirror"/>) and replaced by the files
/// the mirror keeps, which the edge loads and watches like any other. A new version from the
/// agent rewrites the files and the edge reloads them for new connections; a version that
/// fails its checks is NACKed and the edge keeps serving the previous one.
/// </summary>
internal sealed class EdgeSdsSecrets : IAsyncDisposable
{
    /// <summary>How long a config load waits for a secret it has not had yet.</summary>
    public static readonly TimeSpan FirstVersionWait = TimeSpan.FromSeconds(30);

    private readonly SdsFileMirror _mirror;
    private readonly DirectoryInfo _directory;

    public EdgeSdsSecrets(ILogger logger)
    {
        // Private to this process (0700) and removed at exit: the keys live here only while it
        // runs. A process killed (kill -9, OOM) cannot remove its own: the next one does, by pid.
        RemoveAbandoned();
        _directory = Directory.CreateTempSubdirectory($"{Prefix}{Environment.ProcessId}-");
        _mirror = new SdsFileMirror(_directory.FullName, logger);
    }

    /// <summary>The config with every SDS source resolved to mirrored files; throws <see cref="ConfigException"/> when a secret cannot be had.</summary>
    public EdgeConfig Resolve(EdgeConfig config) =>
        config with { Listeners = config.Listeners.Select(ResolveListener).ToArray() };

    public static bool Uses(EdgeConfig config) =>
        config.Listeners.Any(l => l.SessionTickets.Sds is not null
            || l.FilterChains.Any(c => c.Certificates.Any(x => x.Sds is not null) || c.Upstream.Tls?.Certificate?.Sds is not null));

    private ListenerConfig ResolveListener(ListenerConfig listener)
    {
        SessionTicketConfig tickets = listener.SessionTickets;
        if (tickets.Sds is { } source)
        {
            tickets = tickets with { KeysFile = Wait(_mirror.TicketKeysAsync(source.Socket, source.Name, FirstVersionWait), source) };
        }

        return listener with { SessionTickets = tickets, FilterChains = listener.FilterChains.Select(ResolveChain).ToArray() };
    }

    private FilterChainConfig ResolveChain(FilterChainConfig chain)
    {
        UpstreamConfig upstream = chain.Upstream;
        if (upstream.Tls is { Certificate: { Sds: not null } own } tls)
        {
            upstream = upstream with { Tls = tls with { Certificate = ResolveCertificate(own) } };
        }

        return chain with { Certificates = chain.Certificates.Select(ResolveCertificate).ToArray(), Upstream = upstream };
    }

    private CertificateConfig ResolveCertificate(CertificateConfig certificate)
    {
        if (certificate.Sds is not { } source)
        {
            return certificate;
        }

        (string file, string key) = Wait(_mirror.CertificateAsync(source.Socket, source.Name, FirstVersionWait), source);
        return certificate with { CertificateFile = file, Key = key };
    }

    private static T Wait<T>(Task<T> pending, SdsSourceConfig source)
    {
        try
        {
            // Config loads are synchronous (reloads run on the watcher's thread); existing secrets answer at once.
            return pending.GetAwaiter().GetResult();
        }
        catch (SdsSecretUnavailableException e)
        {
            throw new ConfigException($"sds {source.Name}: {e.Message}", e);
        }
    }

    private const string Prefix = "tlsgw-sds-";

    // tlsgw-sds-PID-RANDOM directories whose process is gone hold keys nobody will delete.
    private static void RemoveAbandoned()
    {
        foreach (string directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            string[] parts = Path.GetFileName(directory)[Prefix.Length..].Split('-', 2);
            if (parts.Length == 2 && int.TryParse(parts[0], out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another user's, or going away already: not ours to clean.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _mirror.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
