using System.Diagnostics;
using System.Net;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Loop;

// The upstream's side of a loop connection (reaching it is in LoopConnection.Connect.cs, TLS to it
// in LoopConnection.UpstreamTls.cs): its events, what the client sends it, and what it sends back,
// encrypted for the client; its end, and what a failed send to it means for the client.
internal sealed partial class LoopConnection
{
    private readonly PendingBytes _toUpstream = new();
    private ChainForwarder? _forwarder;
    private IEnumerator<UpstreamEndpoint>? _candidates;
    private UpstreamEndpoint? _endpoint;
    private int _upstream = -1;
    private bool _upstreamEnded;
    private bool _upstreamShutDown;
    private bool _upstreamPaused;
    private bool _upstreamDeferred;
    private bool _upstreamEndSignalled;
    private bool _idleExpired;
    private long _forwardingSince;
    private long _lastActivity;
    private long _received;
    private long _sent;

    private void OnUpstreamEvent(uint events)
    {
        if (_phase == Phase.Connecting)
        {
            if ((events & (NativeLoop.Writable | NativeLoop.Error | NativeLoop.HangUp)) == 0)
            {
                return;
            }

            int error = NativeLoop.SocketError(_upstream);
            if (error == -NativeLoop.ConnectionReset)
            {
                ResetBeforeConnected();
                return;
            }

            if (error != 0)
            {
                ConnectFailed(NativeLoop.Describe(error));
                return;
            }

            Connected();
        }

        if ((events & NativeLoop.Writable) != 0 && _toUpstream.Count > 0)
        {
            FlushUpstream();
        }

        _upstreamEndSignalled |= (events & EndEvents) != 0;
        if ((events & (NativeLoop.Readable | EndEvents)) != 0)
        {
            ReadUpstream();
        }
    }

    // Plaintext from the client: sent (encrypted first for a TLS upstream), or queued while the
    // upstream is not ready or is full.
    private void ToUpstream(ReadOnlySpan<byte> data)
    {
        if (_phase is not (Phase.Connecting or Phase.UpstreamHandshake or Phase.Forwarding))
        {
            return; // no upstream will take it (none accepted the connection)
        }

        if (_phase != Phase.Forwarding)
        {
            UpstreamQueue.Add(data); // counted once an upstream takes it
            return;
        }

        CountReceived(data.Length);
        if ((_forwarder!.Tls is null ? SendToUpstream(data) : EncryptToUpstream(data)) != 0)
        {
            UpstreamSendFailed();
        }
    }

    // Plaintext from the client handed to an upstream: the access log's and the metric's count.
    private void CountReceived(long bytes)
    {
        if (bytes > 0)
        {
            _received += bytes;
            EdgeMetrics.ReceivedBytes.Add(bytes, _forwarder!.ListenerTag);
        }
    }

    // A send to the upstream failed: it has gone. If it had ended its reply first (its close_notify,
    // or a FIN from a plaintext upstream), that reply is whole: the client still gets all of it and
    // its end, and what the client sends from now on has nowhere to go. Otherwise the upstream went
    // mid-reply, and the client is cut off too, never ended cleanly.
    private void UpstreamSendFailed()
    {
        if (!_upstreamEnded)
        {
            Close();
            return;
        }

        _toUpstream.Clear();
        _heldForUpstreamTls.Clear();
        _upstreamShutDown = true;
        _clientEnded = true;
        _phase = Phase.Draining;
        CloseIfDrained();
    }

    // Where the client's plaintext waits while the upstream cannot take it: the socket's queue, or
    // for a TLS upstream whose handshake has not finished, a queue of plaintext to encrypt then.
    private PendingBytes UpstreamQueue =>
        _forwarder?.Tls is not null && _phase is Phase.Connecting or Phase.UpstreamHandshake ? _heldForUpstreamTls : _toUpstream;

    // Bytes for the upstream's socket: sent, or queued behind what waits already. Returns 0, or -errno.
    private int SendToUpstream(ReadOnlySpan<byte> data) => _toUpstream.Send(_upstream, data);

    private void FlushUpstream()
    {
        int error = _toUpstream.SendTo(_upstream);
        if (error != 0)
        {
            if (_phase == Phase.UpstreamHandshake)
            {
                UpstreamTlsFailed(HandshakeSocketError(error));
            }
            else
            {
                UpstreamSendFailed();
            }

            return;
        }

        if (_toUpstream.Count > 0 || _phase == Phase.UpstreamHandshake)
        {
            return; // the client's end and its paused reads wait for the queue, and for the upstream's handshake
        }

        if (_phase == Phase.Draining)
        {
            CloseIfDrained();
        }
        else if (_clientEnded)
        {
            if (_upstreamEnded)
            {
                BeginDraining();
            }
            else
            {
                ShutdownUpstream();
            }
        }
        else if (_clientPaused)
        {
            _clientPaused = false;
            ReadClient();
        }
    }

    private void ReadUpstream()
    {
        int reads = 0;
        while (_phase is Phase.UpstreamHandshake or Phase.Forwarding && !_upstreamEnded)
        {
            if (!MayRead(_toClient, ref reads, ref _upstreamPaused, ref _upstreamDeferred))
            {
                return;
            }

            // Decided by the chain, not by whether a session exists: never plaintext to a TLS upstream.
            bool tls = _forwarder!.Tls is not null;
            byte[] buffer = tls ? _loop.Input : _loop.Plaintext;
            int n = NativeLoop.Receive(_upstream, buffer);
            if (n == NativeLoop.Again)
            {
                return;
            }

            if (_phase == Phase.UpstreamHandshake && n <= 0)
            {
                UpstreamTlsFailed(n == 0 ? TlsFailure.PeerClosed() : HandshakeSocketError(n));
                return;
            }

            // A reset, or a TLS upstream's end without close_notify: the client must not get a
            // close_notify that vouches for a reply that may have been cut short (RFC 8446 §6.1).
            if (n < 0 || (n == 0 && tls))
            {
                Close();
                return;
            }

            _lastActivity = Environment.TickCount64;
            if (n == 0)
            {
                UpstreamEnded();
                return;
            }

            if (!tls)
            {
                ToClient(buffer.AsSpan(0, n));
            }
            else
            {
                DecryptUpstream(buffer.AsSpan(0, n));
            }

            if (Drained(n, buffer.Length, _upstreamEndSignalled))
            {
                return;
            }
        }
    }

    private void UpstreamEnded()
    {
        _upstreamEnded = true;
        if (_clientEnded && _toUpstream.Count == 0 && _heldForUpstreamTls.Count == 0)
        {
            _phase = Phase.Draining;
        }

        EndClientStream();
        if (_phase == Phase.Draining)
        {
            CloseIfDrained();
        }
    }

    // A FIN; to a TLS upstream a close_notify first, and the FIN once that has gone out.
    private void ShutdownUpstream()
    {
        if (!QueueUpstreamCloseNotify() || _toUpstream.Count > 0)
        {
            return;
        }

        if (!_upstreamShutDown)
        {
            _upstreamShutDown = true;
            NativeLoop.ShutdownSend(_upstream);
        }
    }

    private void IdleExpired()
    {
        _idleExpired = true;
        _forwarder!.RecordIdleClosed(Remote);
        Close();
    }

    private void CloseUpstream()
    {
        if (_upstream >= 0)
        {
            _loop.Unregister(_upstream);
            NativeLoop.Close(_upstream);
            _upstream = -1;
        }

        _upstreamTls?.Dispose(); // a session per connection: the next endpoint gets a new one
        _upstreamTls = null;
    }

    // A connection that reached an upstream releases the endpoint and writes its access log line.
    private void EndForwarding()
    {
        if (_forwardingSince == 0)
        {
            return;
        }

        _endpoint!.Release();
        if (_forwarder!.HasAccessLog)
        {
            _forwarder.LogAccess(Remote, _tls.Facts!, _tls.Peer, _endpoint, _received, _sent, Stopwatch.GetElapsedTime(_forwardingSince), _idleExpired);
        }

        _forwardingSince = 0;
    }
}
