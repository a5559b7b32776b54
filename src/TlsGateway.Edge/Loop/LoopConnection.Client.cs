using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Loop;

// The client's side of a loop connection: the TLS handshake, what the client sends (decrypted and
// passed to the upstream), and what goes back to it (handshake flights, alerts, records,
// close_notify), queued while its socket is full.
internal sealed partial class LoopConnection
{
    private void ReadClient()
    {
        int reads = 0;
        while (_phase is Phase.Handshake or Phase.Connecting or Phase.UpstreamHandshake or Phase.Forwarding && !_clientEnded)
        {
            if (!MayRead(UpstreamQueue, ref reads, ref _clientPaused, ref _clientDeferred))
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
                FailHandshake(n == 0 ? TlsFailure.PeerClosed() : HandshakeSocketError(n));
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
            if (Drained(n, _loop.Input.Length, _clientEndSignalled))
            {
                return;
            }
        }
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
                        ? HandshakeSocketError(sendError)
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

    // Plaintext from the upstream, encrypted for the client.
    private void ToClient(ReadOnlySpan<byte> plaintext)
    {
        int length = plaintext.Length;
        while (!plaintext.IsEmpty && _phase != Phase.Closed)
        {
            TlsStepResult step = _tls.Write(plaintext, _loop.Output);
            if (step.Status == NativeStatus.Error || (step.Consumed == 0 && step.OutputLength == 0) ||
                SendTlsOutput(step.OutputLength, step.OutputPending) != 0)
            {
                Close();
                return;
            }

            plaintext = plaintext[step.Consumed..];
        }

        _sent += length;
        EdgeMetrics.SentBytes.Add(length, _forwarder!.ListenerTag);
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
    private int SendToClient(ReadOnlySpan<byte> data) => _phase == Phase.Closed ? 0 : _toClient.Send(_client, data, MaxQueuedToClient);

    private void FlushClient()
    {
        int error = _toClient.SendTo(_client);
        if (error != 0)
        {
            if (_phase == Phase.Handshake)
            {
                FailHandshake(HandshakeSocketError(error));
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
}
