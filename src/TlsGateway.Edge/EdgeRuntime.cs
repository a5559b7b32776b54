using TlsGateway.Config;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Edge.Config;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Runs an <see cref="EdgeConfig"/>: a <see cref="TlsListener"/> per listener, each bound to a TLS
/// snapshot and the forwarders of its filter chains. <see cref="Apply"/> builds everything a new
/// config needs first — certificates, keys, bundles, ticket keys — and only then swaps; if
/// anything fails, nothing changes and the old config keeps serving. Established connections
/// finish under the snapshot they started with.
/// </summary>
public sealed partial class EdgeRuntime : IAsyncDisposable
{
    // One client for every OCSP responder: connection reuse, no socket exhaustion.
    private static readonly HttpClient s_http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });

    /// <summary>The logger category of the access log, so operators can route or filter it.</summary>
    public const string AccessLogCategory = "tlsgw.access";

    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Dictionary<string, RunningListener> _listeners = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly InheritedListeners? _inherited;

    /// <param name="inherited">Sockets handed over by the process this one replaces (hot restart), taken by address.</param>
    public EdgeRuntime(ILoggerFactory loggers, InheritedListeners? inherited = null)
    {
        _loggers = loggers;
        _logger = loggers.CreateLogger<EdgeRuntime>();
        _inherited = inherited;
    }

    public IReadOnlyDictionary<string, TlsListener> Listeners
    {
        get
        {
            lock (_gate)
            {
                return _listeners.ToDictionary(l => l.Key, l => l.Value.Listener);
            }
        }
    }

    /// <summary>
    /// Starts or reconfigures. Everything the new config needs is built (and new sockets bound)
    /// before anything running changes; on failure it is all released and the exception says why.
    /// </summary>
    public void Apply(EdgeConfig config)
    {
        lock (_gate)
        {
            var staged = new List<StagedListener>();
            try
            {
                foreach (ListenerConfig listener in config.Listeners)
                {
                    staged.Add(Stage(listener));
                }
            }
            catch (Exception e)
            {
                foreach (StagedListener item in staged)
                {
                    item.Release();
                }

                throw e is TlsConfigurationException or CryptoConfigurationException or IOException ? new ConfigException(e.Message, e) : e;
            }

            // Everything is built and bound: swap. Listeners that disappeared or moved are drained.
            var kept = staged.Where(s => s.Existing is not null).Select(s => s.Config.Name).ToHashSet();
            foreach (string name in _listeners.Keys.Where(n => !kept.Contains(n)).ToArray())
            {
                Retire(name);
            }

            foreach (StagedListener item in staged)
            {
                item.Stapler?.Start();
                if (item.Existing is { } running)
                {
                    item.CommitPendingKeys();
                    running.Listener.Binding = item.Binding;
                    if (running.Stapler is { } previous)
                    {
                        _ = previous.DisposeAsync().AsTask();
                    }

                    if (item.NewRing)
                    {
                        // Contexts still in use hold native references to the old ring.
                        running.Rotation?.Dispose();
                        running.Tickets.Dispose();
                    }

                    _listeners[item.Config.Name] = running with
                    {
                        Config = item.Config,
                        Stapler = item.Stapler,
                        Tickets = item.Ring,
                        Rotation = item.NewRing ? StartRotation(item.Config, item.Ring) : running.Rotation,
                    };
                }
                else
                {
                    _listeners[item.Config.Name] = new RunningListener(item.Config, item.NewListener!, item.Ring, item.Idle,
                        StartRotation(item.Config, item.Ring), item.Stapler);
                }
            }
        }
    }

    // Builds one listener's binding; reuses the running socket, ticket ring and idle sweeper when the address is unchanged.
    private StagedListener Stage(ListenerConfig listener)
    {
        _listeners.TryGetValue(listener.Name, out RunningListener? running);
        RunningListener? existing = running is not null && running.Config.Address.Equals(listener.Address) ? running : null;
        bool sameTickets = existing is not null && existing.Config.SessionTickets == listener.SessionTickets;
        Socket? inherited = null;
        byte[]? inheritedKeys = null;
        if (existing is null)
        {
            _inherited?.TryTake(listener.Address, out inherited, out inheritedKeys);
        }

        TicketKeyRing ring;
        try
        {
            ring = sameTickets ? existing!.Tickets : CreateRing(listener, inheritedKeys);
        }
        catch
        {
            CloseInherited(inherited);
            throw;
        }
        finally
        {
            if (inheritedKeys is not null)
            {
                CryptographicOperations.ZeroMemory(inheritedKeys);
            }
        }

        IdleSweeper idle = existing?.Idle ?? new IdleSweeper();
        var staged = new StagedListener(listener, existing, ring, !sameTickets, idle);
        try
        {
            if (listener.SessionTickets.KeysFile is { } file)
            {
                // A ring in service gets the new keys only when the whole reload commits.
                byte[] keys = TicketKeyFile.Read(file);
                if (staged.NewRing)
                {
                    try
                    {
                        TicketKeyFile.Install(ring, keys);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(keys);
                    }
                }
                else
                {
                    staged.PendingKeys = keys;
                }
            }

            (staged.Binding, staged.Stapler) = BuildBinding(listener, ring, idle);
            if (existing is null)
            {
                staged.NewListener = new TlsListener(new ListenerOptions(listener.Address, listener.Name), staged.Binding, _loggers.CreateLogger<TlsListener>(), inherited);
                inherited = null;
                staged.NewListener.Start();
                idle.Start();
            }

            return staged;
        }
        catch
        {
            staged.Release();
            CloseInherited(inherited);
            throw;
        }
    }

    // The process that handed the socket over may still be accepting on it.
    private static void CloseInherited(Socket? socket)
    {
        if (socket is not null)
        {
            NativeSockets.CloseOwnDescriptor(socket);
        }
    }

    // Keys handed over by the process this one replaces go on rotating here; a key file is read anew.
    private static TicketKeyRing CreateRing(ListenerConfig listener, byte[]? inheritedKeys) => listener.SessionTickets.KeysFile is not null
        ? new TicketKeyRing()
        : inheritedKeys is not null ? TicketKeyRing.ContinueFrom(inheritedKeys) : TicketKeyRing.CreateRandom();

    // Local keys rotate on a timer; keys from a file change when the file is reloaded.
    private Timer? StartRotation(ListenerConfig listener, TicketKeyRing ring) => listener.SessionTickets.KeysFile is not null
        ? null
        : new Timer(_ => RotateQuietly(ring), null, listener.SessionTickets.RotateEvery, listener.SessionTickets.RotateEvery);

    // A timer callback must never throw: an exception there would end the process.
    private void RotateQuietly(TicketKeyRing ring)
    {
        try
        {
            ring.Rotate(keep: 2);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Session ticket key rotation failed; the previous keys stay in use");
        }
    }

    private (ListenerBinding, OcspStapler?) BuildBinding(ListenerConfig listener, TicketKeyRing ring, IdleSweeper sweeper)
    {
        var entries = new List<ServerNameEntry>();
        var pairs = new List<CertificateKeyPair>();
        var stapled = new List<OcspTarget>();
        var served = new List<ServedCertificate>();
        bool built = false;
        var chains = new Dictionary<string, ChainForwarder>(StringComparer.Ordinal);
        var routes = new List<ShangMiRoute>();
        var sm2Certificates = new List<ShangMiCertificate>(); // owned by the router once it is built
        try
        {
            foreach (FilterChainConfig chain in listener.FilterChains)
            {
                string where = $"listener '{listener.Name}', filter chain '{chain.Name}'";
                try
                {
                    var certificates = new List<CertificateKeyPair>();
                    ShangMiCertificate? sm2 = null;
                    foreach (CertificateConfig certificate in chain.Certificates)
                    {
                        if (ShangMiCertificate.IsSm2(certificate.CertificateFile))
                        {
                            // OpenSSL 3.0's libssl cannot serve it: the managed engine will (docs/shangmi.md).
                            sm2 = LoadShangMiCertificate(chain, certificate, sm2);
                            sm2Certificates.Add(sm2);
                            served.Add(new ServedCertificate(listener.Name, chain.Name, sm2.Leaf.Subject, sm2.Leaf.SerialNumber, sm2.NotAfter));
                            continue;
                        }

                        CertificateKeyPair pair = LoadCertificate(certificate);
                        certificates.Add(pair);
                        served.Add(new ServedCertificate(listener.Name, chain.Name, pair.Leaf.Subject, pair.Leaf.SerialNumber, pair.NotAfter));
                        if (certificate.Ocsp is { } ocsp)
                        {
                            // The stapler keeps this very pair: OpenSSL matches staples by certificate object.
                            stapled.Add(new OcspTarget(chain.Name, pair, ocsp, certificate.CertificateFile));
                        }
                        else
                        {
                            pairs.Add(pair);
                        }
                    }

                    ClientAuthOptions clientAuth = BuildClientAuth(chain.ClientAuth);
                    CheckShangMi(chain, sm2, certificates.Count);
                    if (certificates.Count > 0)
                    {
                        entries.Add(new ServerNameEntry(chain.Name, chain.ServerNames, certificates, BuildProfile(chain.Tls), clientAuth, chain.Alpn, chain.MatchAlpn));
                    }

                    routes.Add(BuildShangMiRoute(chain, sm2, clientAuth, ring));
                }
                catch (Exception e) when (e is TlsConfigurationException or CryptoConfigurationException)
                {
                    throw new TlsConfigurationException($"{where}: {e.Message}", e);
                }

                UpstreamTls? upstreamTls;
                try
                {
                    upstreamTls = BuildUpstreamTls(chain.Upstream.Tls, pairs);
                }
                catch (Exception e) when (e is TlsConfigurationException or CryptoConfigurationException)
                {
                    throw new TlsConfigurationException($"{where}, upstream TLS: {e.Message}", e);
                }

                var cluster = new UpstreamCluster(chain.Name, chain.Upstream, _loggers.CreateLogger<UpstreamCluster>());
                chains[chain.Name] = new ChainForwarder(listener.Name, chain.Name, cluster, listener.Limits.IdleTimeout, sweeper, upstreamTls,
                    _loggers.CreateLogger<ChainForwarder>(), listener.AccessLog ? _loggers.CreateLogger(AccessLogCategory) : null);
            }

            // A chain served only by the ShangMi engine (sm: require, SM2 certificates only) is not OpenSSL's.
            string? defaultChain = entries.FirstOrDefault(e => e.ServerNames.Count == 0)?.Name;
            TlsServerContext? context;
            try
            {
                // No OpenSSL entries: every chain is ShangMi-only, and the router answers everyone.
                context = entries.Count == 0 ? null : TlsServerContext.Create(new TlsServerOptions(entries, defaultChain, listener.RejectUnknownServerNames, ring));
            }
            catch (TlsConfigurationException e)
            {
                throw new TlsConfigurationException($"listener '{listener.Name}': {e.Message}", e);
            }

            Task Handler(ClientSession session, CancellationToken token) => chains[session.Chain].ForwardAsync(session, token);
            var router = new ShangMiRouter(routes, listener.RejectUnknownServerNames);
            OcspStapler? stapler = stapled.Count == 0 ? null : new OcspStapler(context!, stapled, s_http, _loggers.CreateLogger<OcspStapler>());
            built = true;
            // Released once the binding is retired and its last connection has ended.
            void Release()
            {
                context?.Dispose();
                router.Dispose();
                foreach (ChainForwarder forwarder in chains.Values)
                {
                    forwarder.ReleaseUpstreamTls();
                }
            }

            // The event loops run a listener whose every chain they can forward; any other takes the task-based path.
            string? notOnLoop = !listener.EventLoops ? "event_loops is off"
                : router.HasShangMiChains ? "it serves ShangMi (RFC 8998) clients"
                : chains.Values.Select(f => f.NotOnLoopBecause).FirstOrDefault(r => r is not null);
            IReadOnlyDictionary<string, ChainForwarder>? loopForwarders = notOnLoop is null ? chains : null;
            if (notOnLoop is null)
            {
                EdgeLog.RunsOnLoops(_logger, listener.Name);
            }
            else
            {
                EdgeLog.RunsOnTasks(_logger, listener.Name, notOnLoop);
            }

            return (new ListenerBinding(context, Handler, listener.Limits, Release, served, router.HasShangMiChains ? router : null, loopForwarders), stapler);
        }
        finally
        {
            // OpenSSL holds its own references to what the contexts use.
            foreach (CertificateKeyPair pair in pairs)
            {
                pair.Dispose();
            }

            if (!built)
            {
                stapled.ForEach(t => t.Certificate.Dispose());
                sm2Certificates.ForEach(c => c.Dispose());
            }
        }
    }

    private void Retire(string name)
    {
        RunningListener running = _listeners[name];
        _listeners.Remove(name);
        running.Rotation?.Dispose();
        _ = DrainAndReleaseAsync(running);
    }

    private static async Task DrainAndReleaseAsync(RunningListener running)
    {
        if (running.Stapler is not null)
        {
            await running.Stapler.DisposeAsync().ConfigureAwait(false);
        }

        await running.Listener.StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await running.Listener.DisposeAsync().ConfigureAwait(false);
        await running.Idle.DisposeAsync().ConfigureAwait(false);
        running.Tickets.Dispose();
    }

    /// <summary>Graceful drain of every listener: stop accepting, let connections finish up to <paramref name="drainTimeout"/>.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        RunningListener[] all;
        lock (_gate)
        {
            all = _listeners.Values.ToArray();
        }

        await Task.WhenAll(all.Select(l => l.Listener.StopAsync(drainTimeout))).ConfigureAwait(false);
    }

    /// <summary>
    /// The listening sockets and locally generated ticket keys, for the process replacing this one
    /// (hot restart). The sockets stay this runtime's; the caller wipes the keys once sent.
    /// </summary>
    public IReadOnlyList<HandedOverListener> HandOver()
    {
        lock (_gate)
        {
            return _listeners.Values.Select(l => new HandedOverListener(l.Config.Name, l.Listener.LocalEndPoint, l.Listener.ListeningSocket,
                l.Config.SessionTickets.KeysFile is null ? l.Tickets.ExportGenerated() : null)).ToList();
        }
    }

    /// <summary>Every certificate the listeners serve to new connections now.</summary>
    public IReadOnlyList<ServedCertificate> ServedCertificates
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Values.SelectMany(l => l.Listener.Binding.Certificates).ToList();
            }
        }
    }

    public int ActiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Values.Sum(l => l.Listener.ActiveConnections);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        RunningListener[] all;
        lock (_gate)
        {
            all = _listeners.Values.ToArray();
            _listeners.Clear();
        }

        foreach (RunningListener running in all)
        {
            running.Rotation?.Dispose();
            if (running.Stapler is not null)
            {
                await running.Stapler.DisposeAsync().ConfigureAwait(false);
            }

            await running.Listener.DisposeAsync().ConfigureAwait(false);
            await running.Idle.DisposeAsync().ConfigureAwait(false);
            running.Tickets.Dispose();
        }
    }
}
