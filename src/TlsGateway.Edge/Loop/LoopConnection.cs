using System.Diagnostics;
using System.Net;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Loop;

/// <summary>
/// One client on an event loop, from accept to close: the TLS handshake, the connect to an
/// upstream endpoint, then each direction passed on with its end as a half-close, as
/// <see cref="ChainForwarder"/> does on the task-based path (docs/edge-loop.md). Bytes a socket
/// does not take at once wait in a queue, and the direction feeding that socket stops reading
/// until the queue drains (backpressure; at most about one TLS record waits per direction).
/// Everything runs on the loop's thread: no locks, no tasks, and the scratch buffers are the
/// loop's. This file is the connection's life (events, deadlines, closing);
/// LoopConnection.Client.cs is the client's side, LoopConnection.Connect.cs reaching an upstream,
/// LoopConnection.Upstream.cs the upstream's side and LoopConnection.UpstreamTls.cs TLS to it.
/// </summary>
internal sealed partial class LoopConnection : ILoopHandler
{
    // What a client that never reads may make us queue (post-handshake replies): then it is dropped.
    private const int MaxQueuedToClient = 1024 * 1024;

    // What an event says about a socket's end (half-close, hang-up or error). Once seen, that
    // direction reads until the socket reports the end itself: the end raises no second event.
    private const uint EndEvents = NativeLoop.PeerHalfClosed | NativeLoop.HangUp | NativeLoop.Error;

    // Reads of one direction in one go (up to 16 KiB each) before the rest waits for the loop's next
    // turn: a fast transfer must not hold up the loop's other connections.
    private const int ReadsPerTurn = 16;

    private readonly EventLoop _loop;
    private readonly TlsListener _listener;
    private readonly ListenerBinding _binding;
    private readonly int _client;
    private readonly byte[] _remoteAddress;
    private readonly long _acceptedAt;
    private readonly TlsConnection _tls;
    private readonly PendingBytes _toClient = new();
    private Phase _phase = Phase.Handshake;
    private long _deadline;
    private bool _clientEnded;
    private bool _clientShutDown;
    private bool _clientPaused;
    private bool _clientDeferred;
    private bool _clientEndSignalled;

    public LoopConnection(EventLoop loop, TlsListener listener, ListenerBinding binding, int client, byte[] remoteAddress, long acceptedAt)
    {
        _loop = loop;
        _listener = listener;
        _binding = binding;
        _client = client;
        _remoteAddress = remoteAddress;
        _acceptedAt = acceptedAt;
        _tls = binding.Context!.CreateConnection();
    }

    private enum Phase
    {
        Handshake,
        Connecting,
        UpstreamHandshake, // connected to a TLS upstream, its handshake under way
        Forwarding,
        Draining, // both directions ended: sending what is queued, then closing
        Closed,
    }

    public TlsListener Listener => _listener;

    private EndPoint? Remote => NativeLoop.Decode(_remoteAddress);

    /// <summary>Starts the handshake (loop thread): the first event reports what the client sent already.</summary>
    public void Start()
    {
        _deadline = Environment.TickCount64 + (long)_binding.Limits.HandshakeTimeout.TotalMilliseconds;
        _loop.StartTicking(this);
        _loop.Register(_client, this, NativeLoop.Readable | NativeLoop.Writable | NativeLoop.PeerHalfClosed | NativeLoop.EdgeTriggered);
    }

    /// <summary>Closes both sides at once (the drain deadline has passed).</summary>
    public void Abort() => Close();

    public void OnEvent(int fd, uint events)
    {
        if (fd != _client)
        {
            OnUpstreamEvent(events);
            return;
        }

        if ((events & NativeLoop.Writable) != 0 && _toClient.Count > 0)
        {
            FlushClient();
        }

        _clientEndSignalled |= (events & EndEvents) != 0;
        if ((events & (NativeLoop.Readable | EndEvents)) != 0)
        {
            ReadClient();
        }
    }

    public void OnDeferred()
    {
        if (_clientDeferred)
        {
            _clientDeferred = false;
            ReadClient();
        }

        if (_upstreamDeferred)
        {
            _upstreamDeferred = false;
            ReadUpstream();
        }
    }

    public void OnTick(long now)
    {
        switch (_phase)
        {
            case Phase.Handshake when now >= _deadline:
                FailHandshake(TlsFailure.Timeout(_binding.Limits.HandshakeTimeout));
                break;
            case Phase.Connecting when now >= _deadline:
                ConnectFailed("connect timed out");
                break;
            case Phase.UpstreamHandshake when now >= _deadline:
                UpstreamTlsFailed(TlsFailure.Timeout(_forwarder!.Cluster.Config.ConnectTimeout));
                break;
            case Phase.Forwarding or Phase.Draining when now - _lastActivity > (long)_forwarder!.IdleTimeout.TotalMilliseconds:
                IdleExpired();
                break;
        }
    }

    public void OnCrash(Exception exception)
    {
        _listener.RecordCrash(Remote, exception);
        Close();
    }

    // Whether a direction may read again now: not while what it read last still waits for the other
    // socket (backpressure: resumed when that queue drains), nor past its share of this turn of the
    // loop (resumed on the next turn).
    private bool MayRead(PendingBytes destination, ref int reads, ref bool paused, ref bool deferred)
    {
        if (destination.Count > 0)
        {
            paused = true;
            return false;
        }

        if (++reads > ReadsPerTurn)
        {
            deferred = true;
            _loop.Defer(this);
            return false;
        }

        return true;
    }

    // Whether a read of n bytes into a buffer of the given length emptied the socket's queue, so
    // the read that would only return EAGAIN can be skipped (nginx does the same): a short read
    // took all there was, and with edge-triggered events any data that comes later raises a new
    // event. Not so for a socket's end, hence the caller's endSignalled.
    private static bool Drained(int n, int bufferLength, bool endSignalled) => n < bufferLength && !endSignalled;

    // A socket that failed during a handshake: counted as the peer having closed, with the errno.
    private static TlsFailure HandshakeSocketError(int error) =>
        new(TlsFailureReason.PeerClosed, $"socket error during handshake: {NativeLoop.Describe(error)}");

    private void BeginDraining()
    {
        _phase = Phase.Draining;
        if (QueueUpstreamCloseNotify())
        {
            CloseIfDrained();
        }
    }

    private void CloseIfDrained()
    {
        if (_toClient.Count == 0 && _toUpstream.Count == 0)
        {
            Close();
        }
    }

    private void Close()
    {
        if (_phase == Phase.Closed)
        {
            return;
        }

        _phase = Phase.Closed;
        try
        {
            _loop.StopTicking(this);
            _loop.Unregister(_client);
            NativeLoop.Close(_client);
            CloseUpstream();
            _toClient.Clear();
            _toUpstream.Clear();
            _heldForUpstreamTls.Clear();
            EndForwarding();
        }
        finally
        {
            try
            {
                _tls.Dispose();
            }
            finally
            {
                // Whatever failed above, the connection is counted out: a drain must not wait for it forever.
                _listener.LoopConnectionEnded(_binding);
            }
        }
    }
}
