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
/// loop's. This file is the client's side and the connection's life; LoopConnection.Upstream.cs
/// is the upstream's side.
/// </summary>
internal sealed partial class LoopConnection : ILoopHandler
{
    // What a client that never reads may make us queue (post-handshake replies): then it is dropped.
    private const int MaxQueuedToClient = 1024 * 1024;

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

        if ((events & (NativeLoop.Readable | NativeLoop.PeerHalfClosed | NativeLoop.HangUp | NativeLoop.Error)) != 0)
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

    private void ReadClient()
    {
        int reads = 0;
        while (_phase is Phase.Handshake or Phase.Connecting or Phase.Forwarding && !_clientEnded)
        {
            if (!MayRead(_toUpstream, ref reads, ref _clientPaused, ref _clientDeferred))
            {
                return;
            }

            int n = NativeLoop.Receive(_client, _loop.Input);
            if (n == NativeLoop.Again)
            {
                return;
            }

            if (_phase == Phase.Handshake && n <= 0)
            {
                FailHandshake(n == 0 ? TlsFailure.PeerClosed() : new TlsFailure(TlsFailureReason.PeerClosed, $"socket error during handshake: {NativeLoop.Describe(n)}"));
                return;
            }

            if (n < 0)
            {
                Close(); // a reset: the upstream is cut off too
                return;
            }

            _lastActivity = Environment.TickCount64;
            if (n == 0)
            {
                ClientEnded();
                return;
            }

            Decrypt(_loop.Input.AsSpan(0, n));
        }
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

    // Feeds what the client sent to OpenSSL and passes on what comes out: handshake messages and
    // alerts to the client, plaintext to the upstream.
    private void Decrypt(ReadOnlySpan<byte> input)
    {
        while (_phase != Phase.Closed)
        {
            TlsStepResult step = _tls.Process(input, _loop.Plaintext, _loop.Output);
            input = default;
            int sendError = SendTlsOutput(step.OutputLength, step.OutputPending);
            if (_phase == Phase.Handshake)
            {
                if (step.Status == NativeStatus.Error)
                {
                    FailHandshake(_tls.Failure!);
                    return;
                }

                if (step.HandshakeDone)
                {
                    if (!CompleteHandshake(step, ticketsUndelivered: sendError != 0))
                    {
                        return;
                    }
                }
                else if (sendError != 0 || step.Status == NativeStatus.Closed)
                {
                    FailHandshake(sendError != 0
                        ? new TlsFailure(TlsFailureReason.PeerClosed, $"socket error during handshake: {NativeLoop.Describe(sendError)}")
                        : TlsFailure.PeerClosed());
                    return;
                }
            }
            else if (step.Status == NativeStatus.Error || sendError != 0)
            {
                Close();
                return;
            }

            if (step.PlaintextLength > 0)
            {
                ToUpstream(_loop.Plaintext.AsSpan(0, step.PlaintextLength));
            }

            if (step.Status == NativeStatus.Closed)
            {
                ClientEnded(); // close_notify
                return;
            }

            if (!step.PlaintextPending)
            {
                return;
            }
        }
    }

    // The handshake is done: count it, and unless the client has already gone, start the upstream
    // connection. False when the connection was closed instead.
    private bool CompleteHandshake(TlsStepResult step, bool ticketsUndelivered)
    {
        HandshakeFacts facts = _tls.Facts!;
        _listener.RecordHandshakeCompleted(facts, _tls.Peer, ClientSession.OpenSslEngine, _acceptedAt, _remoteAddress);

        // A client gone by now (it closed before the tickets could be sent, or has reset) with no
        // request behind its Finished has nobody to forward for: no upstream connection is opened.
        // The socket is asked first (one peek); the engine only for a client that looks gone.
        int peek = NativeLoop.Peek(_client);
        bool looksGone = ticketsUndelivered ? peek <= 0 : peek < 0 && peek != NativeLoop.Again;
        if (looksGone && step.PlaintextLength == 0 && !step.PlaintextPending && !_tls.HasBufferedInput)
        {
            Close();
            return false;
        }

        _forwarder = _binding.LoopForwarders![_tls.ServerEntry!.Name];
        _phase = Phase.Connecting;
        _candidates = _forwarder.Cluster.Order().GetEnumerator();
        ConnectNext();
        return _phase != Phase.Closed;
    }

    private void FailHandshake(TlsFailure failure)
    {
        _tls.Fail(failure);
        _listener.RecordHandshakeFailure(_tls.Failure!, ClientSession.OpenSslEngine, _acceptedAt, _remoteAddress);
        _toClient.SendTo(_client); // the alert, if it had to wait: one more try, without waiting
        Close();
    }

    // Returns 0, or the -errno of a send that failed (the client is gone).
    private int SendTlsOutput(int length, bool more)
    {
        int error = SendToClient(_loop.Output.AsSpan(0, length));
        while (more && error == 0)
        {
            length = _tls.DrainOutput(_loop.Output, out more);
            error = SendToClient(_loop.Output.AsSpan(0, length));
        }

        return error;
    }

    // Sends what the socket takes now and queues the rest. Returns 0, or -errno.
    private int SendToClient(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || _phase == Phase.Closed)
        {
            return 0;
        }

        if (_toClient.Count == 0)
        {
            int sent = NativeLoop.Send(_client, data);
            if (sent == data.Length)
            {
                return 0;
            }

            if (sent < 0 && sent != NativeLoop.Again)
            {
                return sent;
            }

            data = data[Math.Max(sent, 0)..];
        }

        if (_toClient.Bytes + data.Length > MaxQueuedToClient)
        {
            return NativeLoop.NoBufferSpace;
        }

        _toClient.Add(data);
        return 0;
    }

    private void FlushClient()
    {
        int error = _toClient.SendTo(_client);
        if (error != 0)
        {
            if (_phase == Phase.Handshake)
            {
                FailHandshake(new TlsFailure(TlsFailureReason.PeerClosed, $"socket error during handshake: {NativeLoop.Describe(error)}"));
            }
            else
            {
                Close();
            }

            return;
        }

        _lastActivity = Environment.TickCount64;
        if (_toClient.Count > 0)
        {
            return;
        }

        // Drained: close if both directions have ended, pass on an end that waited for the queue,
        // or resume the direction that waited.
        if (_phase == Phase.Draining)
        {
            CloseIfDrained();
        }
        else if (_upstreamEnded)
        {
            ShutdownClient();
        }
        else if (_upstreamPaused)
        {
            _upstreamPaused = false;
            ReadUpstream();
        }
    }

    private void ClientEnded()
    {
        _clientEnded = true;
        if (_phase != Phase.Forwarding)
        {
            return; // still connecting: the end is passed on once the queue has gone out
        }

        if (_upstreamEnded)
        {
            BeginDraining();
        }
        else if (_toUpstream.Count == 0)
        {
            ShutdownUpstream();
        }
    }

    // close_notify, then a FIN once it has gone out.
    private void EndClientStream()
    {
        int length = _tls.Shutdown(_loop.Output);
        if (SendToClient(_loop.Output.AsSpan(0, length)) != 0)
        {
            Close();
        }
        else if (_toClient.Count == 0)
        {
            ShutdownClient();
        }
    }

    private void ShutdownClient()
    {
        if (!_clientShutDown)
        {
            _clientShutDown = true;
            NativeLoop.ShutdownSend(_client);
        }
    }

    private void BeginDraining()
    {
        _phase = Phase.Draining;
        CloseIfDrained();
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
                _listener.LoopConnectionEnded(this, _binding);
            }
        }
    }
}
