using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TlsGateway.Edge;
using TlsGateway.Edge.Config;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>What the server saw of one established session.</summary>
public sealed record ServedSession(HandshakeFacts Facts, PeerIdentity? Peer, string? Entry);

/// <summary>
/// The engine under test behind a real listener on 127.0.0.1:0. Each connection gets one
/// exchange: the server reads up to the first newline, writes back "echo:" and what it read,
/// then closes with close_notify — so a peer like s_client ends by itself. In HTTP mode it answers
/// one HTTP/1.1 request instead.
/// With <c>onEventLoop</c> the listener runs its connections on the edge's event loops, as
/// `tlsgw serve` does for upstreams at IP addresses: every chain forwards to a plaintext upstream that
/// gives the same one-line answer, and the handler (and <see cref="Sessions"/>) go unused.
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly TlsListener _listener;
    private readonly bool _http;
    private readonly PlainEchoUpstream? _upstream;
    private readonly IdleSweeper? _sweeper;

    public EchoServer(TlsServerContext context, bool http = false, TimeSpan? handshakeTimeout = null, bool onEventLoop = false)
    {
        _http = http;
        var limits = LimitsConfig.Default with { HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(10) };
        IReadOnlyDictionary<string, ChainForwarder>? forwarders = null;
        if (onEventLoop)
        {
            _upstream = new PlainEchoUpstream("echo");
            _sweeper = new IdleSweeper();
            var upstream = new UpstreamConfig([new IPEndPoint(IPAddress.Loopback, _upstream.Port)], LoadBalancing.RoundRobin, TimeSpan.FromSeconds(2), 3,
                TimeSpan.FromSeconds(10), ProxyProtocol: false);
            forwarders = context.Entries.ToDictionary(e => e.Config.Name, e => new ChainForwarder("test", e.Config.Name,
                new UpstreamCluster(e.Config.Name, upstream, NullLogger.Instance), limits.IdleTimeout, _sweeper, tls: null, NullLogger.Instance));
        }

        var binding = new ListenerBinding(context, HandleAsync, limits, loopForwarders: forwarders);
        Assert.Equal(onEventLoop, binding.RunsOnLoop);
        _listener = new TlsListener(new ListenerOptions(new IPEndPoint(IPAddress.Loopback, 0)), binding, NullLogger.Instance);
        _listener.Start();
    }

    public int Port => _listener.LocalEndPoint.Port;

    public string Address => $"127.0.0.1:{Port}";

    public HandshakeStats Stats => _listener.Stats;

    public TlsListener Listener => _listener;

    public ConcurrentQueue<ServedSession> Sessions { get; } = new();

    /// <summary>Serves new connections from <paramref name="context"/>; <paramref name="onRetired"/> runs when that binding is released.</summary>
    public void Rebind(TlsServerContext context, Action? onRetired = null) =>
        _listener.Binding = new ListenerBinding(context, HandleAsync, _listener.Binding.Limits, onRetired);

    /// <summary>How the server ends each connection after its reply.</summary>
    public enum Ending
    {
        /// <summary>close_notify, then a FIN: a complete reply.</summary>
        CloseNotify,

        /// <summary>A bare FIN, no close_notify: what a truncation looks like.</summary>
        Fin,

        /// <summary>A reset (SO_LINGER 0).</summary>
        Reset,
    }

    public Ending EndsWith { get; init; } = Ending.CloseNotify;

    /// <summary>When set, the server waits for this before answering (to hold a connection open across a reload).</summary>
    public TaskCompletionSource? HoldReplies { get; set; }

    private async Task HandleAsync(ClientSession session, CancellationToken cancellationToken)
    {
        Sessions.Enqueue(new ServedSession(session.Facts, session.Peer, session.Chain));
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        byte[] terminator = _http ? "\r\n\r\n"u8.ToArray() : "\n"u8.ToArray();
        while (received.Length < 64 * 1024 && received.ToArray().AsSpan().IndexOf(terminator) < 0)
        {
            int n = await session.Link.ReadAsync(buffer, cancellationToken);
            if (n == 0)
            {
                break;
            }

            received.Write(buffer, 0, n);
        }

        if (HoldReplies is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        byte[] reply;
        if (_http)
        {
            string body = $"hello over {TlsVersionNames.ToDisplay(session.Facts.Version)} alpn={session.Facts.ApplicationProtocol}\n";
            reply = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        }
        else
        {
            reply = [.. "echo:"u8, .. received.ToArray()];
        }

        await session.Link.WriteAsync(reply, cancellationToken);
        if (EndsWith != Ending.CloseNotify)
        {
            if (EndsWith == Ending.Reset)
            {
                session.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            }

            session.Link.Abort();
            return;
        }

        await session.Link.ShutdownSendAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
            await _sweeper!.DisposeAsync();
        }
    }
}
