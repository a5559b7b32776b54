using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Loop;

// TLS to the upstream, for a chain that originates it: after the connect (and the PROXY v2
// header, which goes first in plaintext), the edge's client handshake under the chain's connect
// timeout, with the client's bytes held back as plaintext until it is done; then each direction
// through the session. The upstream's stream must end with close_notify: a FIN or a reset without
// one may have cut its reply short, and the client then loses its connection without the
// close_notify that would vouch for the reply (RFC 8446 §6.1), as on the task-based path (TlsLink).
internal sealed partial class LoopConnection
{
    private readonly PendingBytes _heldForUpstreamTls = new();
    private TlsConnection? _upstreamTls;
    private bool _upstreamCloseNotifyQueued;

    // Connected: the ClientHello goes out, and the handshake has the connect timeout to finish.
    private void StartUpstreamTls()
    {
        UpstreamTls config = _forwarder!.Tls!;
        _deadline = Environment.TickCount64 + (long)_forwarder.Cluster.Config.ConnectTimeout.TotalMilliseconds;
        _upstreamCloseNotifyQueued = false;
        _upstreamTls = config.Context.CreateConnection(config.ServerName, config.Alpn);
        DecryptUpstream(default);
        if (_phase == Phase.UpstreamHandshake)
        {
            FlushUpstream(); // the PROXY header and the ClientHello, if the socket did not take them at once
        }
    }

    // Feeds what the upstream sent to its session and passes on what comes out: handshake
    // messages and alerts to the upstream, plaintext to the client.
    private void DecryptUpstream(ReadOnlySpan<byte> input)
    {
        bool handshakeDone = false;
        while (_phase != Phase.Closed)
        {
            TlsStepResult step = _upstreamTls!.Process(input, _loop.Plaintext, _loop.Output);
            input = default;
            int sendError = SendUpstreamTlsOutput(step.OutputLength, step.OutputPending);
            if (_phase == Phase.UpstreamHandshake)
            {
                // The step that finishes the handshake may also carry the upstream's first bytes and
                // even its close_notify (a TLS 1.2 server that speaks first and hangs up): those are
                // a reply, handled below, not a failure.
                if (step.Status == NativeStatus.Error || sendError != 0 || (step.Status == NativeStatus.Closed && !step.HandshakeDone))
                {
                    UpstreamTlsFailed(step.Status == NativeStatus.Error ? _upstreamTls.Failure!
                        : sendError != 0 ? HandshakeSocketError(sendError)
                        : TlsFailure.PeerClosed());
                    return;
                }

                if (step.HandshakeDone)
                {
                    // The held bytes go out after this step's reply has gone to the client: if the
                    // upstream has gone already, sending them fails, and the reply must not go with them.
                    handshakeDone = true;
                    _phase = Phase.Forwarding;
                    _lastActivity = Environment.TickCount64;
                }
            }
            else if (step.Status == NativeStatus.Error || sendError != 0)
            {
                Close(); // the upstream's stream is broken: so is the client's, without close_notify
                return;
            }

            if (step.PlaintextLength > 0)
            {
                ToClient(_loop.Plaintext.AsSpan(0, step.PlaintextLength));
            }

            if (step.Status == NativeStatus.Closed && _phase != Phase.Closed)
            {
                UpstreamEnded(); // close_notify: the upstream's reply is complete
                break;
            }

            if (!step.PlaintextPending)
            {
                break;
            }
        }

        if (handshakeDone && _phase != Phase.Closed)
        {
            ReleaseHeld();
            if (_phase != Phase.Closed)
            {
                // Only now: the client's end, or its paused reads, may be taken up from here, and a
                // read of the client reuses the loop's buffers that this step's results were in.
                FlushUpstream();
            }
        }
    }

    // The handshake is done: the plaintext held back is encrypted and sent (or queued) in order.
    private void ReleaseHeld()
    {
        if (_heldForUpstreamTls.Count == 0)
        {
            return; // most clients wait for the handshake: no delegate to allocate
        }

        _heldForUpstreamTls.Drain(data =>
        {
            if (_phase == Phase.Forwarding)
            {
                CountReceived(data.Length);
                if (EncryptToUpstream(data) != 0)
                {
                    UpstreamSendFailed();
                }
            }
        });
    }

    // Plaintext for the upstream, encrypted into records. Returns 0, or -errno of a failed send.
    private int EncryptToUpstream(ReadOnlySpan<byte> plaintext)
    {
        while (!plaintext.IsEmpty)
        {
            TlsStepResult step = _upstreamTls!.Write(plaintext, _loop.Output);
            if (step.Status == NativeStatus.Error || (step.Consumed == 0 && step.OutputLength == 0))
            {
                return NativeLoop.ConnectionReset; // the session cannot carry it: treated as a broken upstream
            }

            int error = SendUpstreamTlsOutput(step.OutputLength, step.OutputPending);
            if (error != 0)
            {
                return error;
            }

            plaintext = plaintext[step.Consumed..];
        }

        return 0;
    }

    private int SendUpstreamTlsOutput(int length, bool more)
    {
        int error = SendToUpstream(_loop.Output.AsSpan(0, length));
        while (more && error == 0)
        {
            length = _upstreamTls!.DrainOutput(_loop.Output, out more);
            error = SendToUpstream(_loop.Output.AsSpan(0, length));
        }

        return error;
    }

    // True once there is nothing more to say before the FIN: at once for a plaintext upstream;
    // for a TLS one, once its close_notify is queued (never before its handshake has finished).
    private bool QueueUpstreamCloseNotify()
    {
        if (_upstreamTls is null || _upstreamCloseNotifyQueued)
        {
            return true;
        }

        _upstreamCloseNotifyQueued = true;
        int length = _upstreamTls.Shutdown(_loop.Output);
        if (SendToUpstream(_loop.Output.AsSpan(0, length)) == 0)
        {
            return true;
        }

        UpstreamSendFailed();
        return false;
    }

    // The handshake with the upstream failed or timed out: counted against the chain (not the
    // endpoint's health, which is about connecting), and the client's stream ends cleanly.
    private void UpstreamTlsFailed(TlsFailure failure)
    {
        _forwarder!.RecordUpstreamTlsFailure(_endpoint!, failure);
        CloseUpstream();
        EndWithoutUpstream();
    }
}
