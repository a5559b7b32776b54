using System.Diagnostics;
using System.Net;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Loop;

// Reaching an upstream: the chain's endpoints in balancing order, each under the connect timeout,
// with passive health as UpstreamCluster keeps it; then the PROXY v2 header, and for a TLS
// upstream the start of its handshake (LoopConnection.UpstreamTls.cs).
internal sealed partial class LoopConnection
{
    // Tries the chain's endpoints in balancing order until one takes the connection; the result of
    // each attempt arrives as an event (writable: connected, or failed) or as the connect deadline.
    private void ConnectNext()
    {
        while (_candidates!.MoveNext())
        {
            UpstreamEndpoint endpoint = _candidates.Current;
            int result = NativeLoop.Connect((IPEndPoint)endpoint.Address, out int fd);
            if (result is 0 or NativeLoop.InProgress)
            {
                // Even a connect that succeeded at once is taken up from its event, so the client's
                // handshake step that started it finishes first.
                _endpoint = endpoint;
                _upstream = fd;
                _upstreamEndSignalled = false;
                _deadline = Environment.TickCount64 + (long)_forwarder!.Cluster.Config.ConnectTimeout.TotalMilliseconds;
                _loop.Register(fd, this, NativeLoop.Readable | NativeLoop.Writable | NativeLoop.PeerHalfClosed | NativeLoop.EdgeTriggered);
                return;
            }

            if (result is NativeLoop.TooManyOpenFiles or NativeLoop.FileTableOverflow or NativeLoop.NoBufferSpace or NativeLoop.OutOfMemory)
            {
                // This process is out of descriptors or memory: not the endpoint's failure, so it is
                // not counted against it (nor ejected), and this client is closed, as on the task path.
                _listener.RecordConnectionError(Remote, $"cannot open a connection to an upstream: {NativeLoop.Describe(result)}");
                Close();
                return;
            }

            _forwarder!.Cluster.RecordConnectFailure(endpoint, NativeLoop.Describe(result));
        }

        NoUpstream();
    }

    // What the client sent meanwhile stays queued for the next endpoint.
    private void ConnectFailed(string reason)
    {
        _forwarder!.Cluster.RecordConnectFailure(_endpoint!, reason);
        CloseUpstream();
        _endpoint = null;
        ConnectNext();
    }

    // No endpoint took the connection: the client's stream ends cleanly (close_notify), as on the task path.
    private void NoUpstream()
    {
        _forwarder!.RecordNoUpstream(Remote);
        EndWithoutUpstream();
    }

    // No upstream will take the client's stream (none accepted it, or its TLS handshake failed):
    // what waits for it is dropped, and the client's stream ends cleanly, as on the task path.
    private void EndWithoutUpstream()
    {
        _toUpstream.Clear();
        _heldForUpstreamTls.Clear();
        _clientEnded = true;
        _upstreamEnded = true;
        _phase = Phase.Draining;
        _lastActivity = Environment.TickCount64;
        EndClientStream();
        CloseIfDrained();
    }

    // The upstream accepted and reset before the connect's event was seen; asking for the error
    // cleared it, so a read now would report a clean end. If it sent something first, that reply
    // was cut short: the client is closed abruptly. If it said nothing, it refused the connection
    // in effect: another endpoint is tried (a TLS upstream's handshake has failed: counted as such).
    private void ResetBeforeConnected()
    {
        if (NativeLoop.Peek(_upstream) > 0)
        {
            _endpoint!.RecordSuccess();
            Close();
        }
        else if (_forwarder!.Tls is not null)
        {
            _endpoint!.RecordSuccess();
            UpstreamTlsFailed(HandshakeSocketError(NativeLoop.ConnectionReset));
        }
        else
        {
            ConnectFailed(NativeLoop.Describe(NativeLoop.ConnectionReset));
        }
    }

    private void Connected()
    {
        _endpoint!.RecordSuccess();
        _endpoint.Acquire();
        _phase = _forwarder!.Tls is null ? Phase.Forwarding : Phase.UpstreamHandshake;
        _forwardingSince = Stopwatch.GetTimestamp();
        _lastActivity = Environment.TickCount64;
        CountReceived(_toUpstream.Bytes); // what the client sent meanwhile (for a TLS upstream: counted as it is encrypted)
        if (_forwarder!.Cluster.Config.ProxyProtocol)
        {
            if (Remote is not IPEndPoint source || NativeLoop.LocalEndPoint(_client) is not { } destination)
            {
                // Never forward without the header the upstream expects: a client could send its own.
                _listener.RecordConnectionError(Remote, "cannot build the PROXY v2 header: the connection's addresses are unknown");
                Close();
                return;
            }

            // In plaintext, ahead of anything the client has sent (haproxy's send-proxy).
            _toUpstream.AddFirst(ProxyProtocolV2.Build(source, destination, _tls.Facts!, _tls.Peer));
        }

        if (_phase == Phase.UpstreamHandshake)
        {
            StartUpstreamTls(); // its ClientHello follows the header
            return;
        }

        FlushUpstream();
    }
}
