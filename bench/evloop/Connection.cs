using System.Buffers;
using System.Net;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Bench.EvLoop;

/// <summary>
/// One client: the TLS handshake, then a plaintext upstream connection, each direction passed on
/// with its end as a half-close (as the edge does), closed when both have ended or anything fails.
/// Bytes a socket does not take at once wait in a queue, and the direction feeding it stops
/// reading until it drains (backpressure). All of it runs on the loop's one thread, so the scratch
/// buffers are shared by every connection.
/// </summary>
internal sealed class Connection(EventLoop loop, int client, TlsConnection tls, int upstreamPort) : IHandler
{
    private static readonly byte[] s_input = new byte[16 * 1024 + 512];
    private static readonly byte[] s_plaintext = new byte[16 * 1024];
    private static readonly byte[] s_output = new byte[64 * 1024];

    private readonly Pending _toClient = new();
    private readonly Pending _toUpstream = new();
    private int _upstream = -1;
    private bool _handshakeDone;
    private bool _connected;
    private bool _clientEnded;
    private bool _upstreamEnded;
    private bool _clientPaused;
    private bool _upstreamPaused;
    private bool _closeWhenDrained;
    private bool _closed;

    public void OnEvent(int fd, uint events)
    {
        if (fd == client)
        {
            if ((events & NativeLoop.Writable) != 0 && _toClient.Count > 0)
            {
                Flush(client, _toClient);
            }

            if ((events & (NativeLoop.Readable | NativeLoop.PeerHalfClosed | NativeLoop.HangUp | NativeLoop.Error)) != 0)
            {
                ReadClient();
            }
        }
        else if (fd == _upstream)
        {
            if (!_connected)
            {
                if ((events & (NativeLoop.Writable | NativeLoop.Error | NativeLoop.HangUp)) == 0)
                {
                    return;
                }

                if (NativeLoop.SocketError(_upstream) != 0)
                {
                    Close();
                    return;
                }

                _connected = true;
                if (_toUpstream.Count == 0 && _clientEnded)
                {
                    NativeLoop.ShutdownSend(_upstream);
                }
            }

            if (_toUpstream.Count > 0)
            {
                Flush(_upstream, _toUpstream);
            }

            if ((events & (NativeLoop.Readable | NativeLoop.PeerHalfClosed | NativeLoop.HangUp | NativeLoop.Error)) != 0)
            {
                ReadUpstream();
            }
        }
    }

    // A non-blocking connect (with TCP_NODELAY) to 127.0.0.1:port; the connection completes later.
    private static int ConnectLoopback(int port)
    {
        int result = NativeLoop.Connect(new IPEndPoint(IPAddress.Loopback, port), out int fd);
        return result is 0 or NativeLoop.InProgress ? fd : throw new IOException($"connect: {NativeLoop.Describe(result)}");
    }

    private void ReadClient()
    {
        while (!_closed && !_clientEnded)
        {
            if (_toUpstream.Count > 0)
            {
                _clientPaused = true; // resumed when the upstream has taken the queue
                return;
            }

            int n = NativeLoop.Receive(client, s_input);
            if (n == NativeLoop.Again)
            {
                return;
            }

            if (n <= 0)
            {
                if (n < 0)
                {
                    Close();
                }
                else
                {
                    ClientEnded();
                }

                return;
            }

            Decrypt(s_input.AsSpan(0, n));
        }
    }

    private void Decrypt(ReadOnlySpan<byte> input)
    {
        while (!_closed)
        {
            TlsStepResult step = tls.Process(input, s_plaintext, s_output);
            input = default;
            SendTlsOutput(step.OutputLength, step.OutputPending);
            if (step.Status == NativeStatus.Error)
            {
                Close();
                return;
            }

            if (!_handshakeDone && step.HandshakeDone && !_closed)
            {
                _handshakeDone = true;
                _upstream = ConnectLoopback(upstreamPort);
                loop.Add(_upstream, this, NativeLoop.Readable | NativeLoop.Writable | NativeLoop.PeerHalfClosed);
            }

            if (step.PlaintextLength > 0)
            {
                Send(_upstream, _toUpstream, s_plaintext.AsSpan(0, step.PlaintextLength), _connected);
            }

            if (step.Status == NativeStatus.Closed)
            {
                ClientEnded();
                return;
            }

            if (!step.PlaintextPending)
            {
                return;
            }
        }
    }

    private void ReadUpstream()
    {
        while (!_closed && !_upstreamEnded)
        {
            if (_toClient.Count > 0)
            {
                _upstreamPaused = true;
                return;
            }

            int n = NativeLoop.Receive(_upstream, s_plaintext);
            if (n == NativeLoop.Again)
            {
                return;
            }

            if (n < 0)
            {
                Close(); // a reset: the client must not get a clean end
                return;
            }

            if (n == 0)
            {
                UpstreamEnded();
                return;
            }

            ReadOnlySpan<byte> plaintext = s_plaintext.AsSpan(0, n);
            while (!plaintext.IsEmpty && !_closed)
            {
                TlsStepResult step = tls.Write(plaintext, s_output);
                if (step.Status == NativeStatus.Error || (step.Consumed == 0 && step.OutputLength == 0))
                {
                    Close();
                    return;
                }

                SendTlsOutput(step.OutputLength, step.OutputPending);
                plaintext = plaintext[step.Consumed..];
            }
        }
    }

    private void SendTlsOutput(int length, bool more)
    {
        Send(client, _toClient, s_output.AsSpan(0, length), ready: true);
        while (more && !_closed)
        {
            length = tls.DrainOutput(s_output, out more);
            Send(client, _toClient, s_output.AsSpan(0, length), ready: true);
        }
    }

    private void ClientEnded()
    {
        _clientEnded = true;
        if (_upstream < 0)
        {
            Close();
        }
        else if (_upstreamEnded)
        {
            CloseWhenDrained();
        }
        else if (_connected && _toUpstream.Count == 0)
        {
            NativeLoop.ShutdownSend(_upstream);
        }
    }

    private void UpstreamEnded()
    {
        _upstreamEnded = true;
        int length = tls.Shutdown(s_output);
        Send(client, _toClient, s_output.AsSpan(0, length), ready: true);
        if (_clientEnded)
        {
            CloseWhenDrained();
        }
        else if (!_closed && _toClient.Count == 0)
        {
            NativeLoop.ShutdownSend(client);
        }
    }

    // Sends what the socket takes now and queues the rest (all of it while a queue waits or the socket is not ready).
    private void Send(int fd, Pending queue, ReadOnlySpan<byte> data, bool ready)
    {
        if (data.IsEmpty || _closed)
        {
            return;
        }

        if (ready && queue.Count == 0)
        {
            int sent = NativeLoop.Send(fd, data);
            if (sent == data.Length)
            {
                return;
            }

            if (sent < 0 && sent != NativeLoop.Again)
            {
                Close();
                return;
            }

            data = data[Math.Max(sent, 0)..];
        }

        queue.Add(data);
    }

    private void Flush(int fd, Pending queue)
    {
        int error = queue.SendTo(fd);
        if (error != 0)
        {
            Close();
            return;
        }

        if (queue.Count > 0)
        {
            return;
        }

        if (_closeWhenDrained)
        {
            CloseWhenDrained();
            return;
        }

        // Drained: pass on an end that waited for it, and resume the direction that waited.
        if (fd == client)
        {
            if (_upstreamEnded)
            {
                NativeLoop.ShutdownSend(client);
            }
            else if (_upstreamPaused)
            {
                _upstreamPaused = false;
                ReadUpstream();
            }
        }
        else
        {
            if (_clientEnded)
            {
                NativeLoop.ShutdownSend(_upstream);
            }
            else if (_clientPaused)
            {
                _clientPaused = false;
                ReadClient();
            }
        }
    }

    // Both directions have ended: close once what waits for either socket has gone out.
    private void CloseWhenDrained()
    {
        if (_toClient.Count == 0 && _toUpstream.Count == 0)
        {
            Close();
        }
        else
        {
            _closeWhenDrained = true;
        }
    }

    private void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        loop.Remove(client);
        NativeLoop.Close(client);
        if (_upstream >= 0)
        {
            loop.Remove(_upstream);
            NativeLoop.Close(_upstream);
        }

        _toClient.Clear();
        _toUpstream.Clear();
        tls.Dispose();
    }

    /// <summary>Bytes a socket has not taken yet, in order.</summary>
    private sealed class Pending
    {
        private readonly Queue<Chunk> _chunks = new();

        public int Count => _chunks.Count;

        public void Add(ReadOnlySpan<byte> data)
        {
            byte[] copy = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(copy);
            _chunks.Enqueue(new Chunk(copy, data.Length));
        }

        /// <summary>Sends until the queue is empty or the socket is full; a nonzero errno on failure.</summary>
        public int SendTo(int fd)
        {
            while (_chunks.Count > 0)
            {
                Chunk chunk = _chunks.Peek();
                int sent = NativeLoop.Send(fd, chunk.Buffer.AsSpan(chunk.Offset, chunk.Length - chunk.Offset));
                if (sent == NativeLoop.Again)
                {
                    return 0;
                }

                if (sent < 0)
                {
                    return -sent;
                }

                chunk.Offset += sent;
                if (chunk.Offset < chunk.Length)
                {
                    return 0;
                }

                ArrayPool<byte>.Shared.Return(_chunks.Dequeue().Buffer);
            }

            return 0;
        }

        public void Clear()
        {
            while (_chunks.Count > 0)
            {
                ArrayPool<byte>.Shared.Return(_chunks.Dequeue().Buffer);
            }
        }

        private sealed class Chunk(byte[] buffer, int length)
        {
            public byte[] Buffer { get; } = buffer;

            public int Length { get; } = length;

            public int Offset { get; set; }
        }
    }
}
