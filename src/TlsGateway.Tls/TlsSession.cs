using System.Buffers;
using System.Net.Sockets;

namespace TlsGateway.Tls;

/// <summary>
/// Drives a <see cref="TlsConnection"/> over a connected socket: the only place where the engine
/// meets I/O. One read and one write may run at the same time (a proxy needs both directions).
/// Ciphertext leaves in the order the engine produced it: every producer appends to one outbox
/// under a lock, and a single flusher at a time sends the outbox in order.
/// An idle session holds no receive buffer: it waits with a zero-byte receive and rents a buffer
/// only when bytes have arrived.
/// </summary>
public sealed class TlsSession : ITlsChannel
{
    // One full TLS record (16 KiB plaintext + header, nonce and tag, RFC 8446 section 5.2).
    private const int ReceiveBufferSize = 16 * 1024 + 512;
    private const int OutputBufferSize = 64 * 1024;

    // Post-handshake output produced while reading (KeyUpdate replies, tickets) is sent without
    // making the reader wait; a peer that keeps asking for replies but never reads them must not
    // make us queue without bound.
    private const int MaxQueuedOutput = 1024 * 1024;

    private readonly Socket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly object _outboxGate = new();
    private readonly Queue<(byte[] Buffer, int Length)> _outbox = new();
    private long _queuedBytes;
    private bool _plaintextMayBePending;
    private readonly ReceiveSide _receive;
    private int _disposed;

    public TlsSession(Socket socket, TlsConnection connection)
    {
        _socket = socket;
        // Sends are tried synchronously first (TryFlushAsync); a non-blocking socket makes a full
        // buffer answer WouldBlock at once instead of parking the thread. Async calls are unaffected.
        _socket.Blocking = false;
        _receive = new ReceiveSide(socket);
        Connection = connection;
    }

    public TlsConnection Connection { get; }

    public Socket Socket => _socket;

    public bool HasBufferedInput => Connection.HasBufferedInput;

    public bool CloseNotifyReceived => _receive.CloseNotifyReceived;

    /// <summary>Runs the handshake. Throws <see cref="TlsException"/> with a classified failure; the alert, if any, has been sent.</summary>
    /// <param name="alreadyReceived">Bytes the caller already read from the socket (to look at the ClientHello); the engine gets them first.</param>
    public async Task HandshakeAsync(TimeSpan timeout, CancellationToken cancellationToken = default, ReadOnlyMemory<byte> alreadyReceived = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        byte[] input = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        try
        {
            ReadOnlyMemory<byte> received = alreadyReceived;
            while (true)
            {
                TlsStepResult step = Process(received.Span, Span<byte>.Empty);
                if (step.HandshakeDone && step.Status != Interop.NativeStatus.Error)
                {
                    // Plaintext may wait only if records came with the peer's last flight (a request
                    // behind a client's Finished); otherwise the first read waits on the socket,
                    // without a buffer, like any other (an idle connection holds none).
                    _plaintextMayBePending = Connection.HasBufferedInput;
                    await FlushAfterHandshakeAsync(deadline.Token).ConfigureAwait(false);
                    return;
                }

                await FlushAsync(deadline.Token).ConfigureAwait(false);
                if (step.Status == Interop.NativeStatus.Error)
                {
                    throw new TlsException(Connection.Failure!);
                }

                if (step.Status == Interop.NativeStatus.Closed)
                {
                    throw Fail(TlsFailure.PeerClosed());
                }

                int count = await _socket.ReceiveAsync(input, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (count == 0)
                {
                    throw Fail(TlsFailure.PeerClosed());
                }

                received = input.AsMemory(0, count);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Fail(TlsFailure.Timeout(timeout));
        }
        catch (SocketException e)
        {
            throw Fail(new TlsFailure(TlsFailureReason.PeerClosed, $"socket error during handshake: {e.SocketErrorCode}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>
    /// True when the peer was gone by the time the end of the handshake (e.g. TLS 1.3 session
    /// tickets) was sent: the handshake completed, but there is nobody left to serve.
    /// </summary>
    public bool PeerGone { get; private set; }

    // A client may finish its side of the handshake and close at once (openssl s_time does); the
    // tickets we send after its Finished then meet a closed socket. That is a completed handshake
    // and an ended connection, not a handshake failure.
    private async Task FlushAfterHandshakeAsync(CancellationToken cancellationToken)
    {
        try
        {
            PeerGone = await TryFlushAsync(cancellationToken).ConfigureAwait(false) != SocketError.Success;
        }
        catch (SocketException)
        {
            PeerGone = true; // reset while waiting for buffer space
        }
    }

    /// <summary>
    /// Completes when a read may make progress (bytes arrived, plaintext is pending, or the stream
    /// ended), without holding a buffer: callers that keep many idle connections rent their read
    /// buffer only after this, so an idle connection holds no buffer at all. The wait takes no
    /// token (see <see cref="ReadinessWaiter"/>): closing the socket ends it.
    /// </summary>
    public ValueTask WaitToReadAsync() => _plaintextMayBePending ? default : _receive.WaitAsync();

    /// <summary>Reads decrypted bytes. Returns 0 at the end of the stream (close_notify, TCP FIN or a reset).</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_plaintextMayBePending)
            {
                int n = ProcessInput(ReadOnlyMemory<byte>.Empty, buffer, out bool done);
                if (n > 0 || done)
                {
                    return n;
                }
            }

            if (!await _receive.ReadyAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }

            byte[] input = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
            try
            {
                int received = await _receive.ReceiveAsync(input, cancellationToken).ConfigureAwait(false);
                if (received == 0)
                {
                    return 0;
                }

                int n = ProcessInput(input.AsMemory(0, received), buffer, out bool done);
                if (n > 0 || done)
                {
                    return n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(input);
            }
        }
    }

    /// <summary>Encrypts and sends all of <paramref name="data"/>; completes when the socket has taken it (backpressure).</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            TlsStepResult step = Encrypt(data.Span);
            if (step.Status == Interop.NativeStatus.Error)
            {
                throw new TlsException(Connection.Failure!);
            }

            if (step.Consumed == 0 && step.OutputLength == 0)
            {
                // No progress (e.g. the connection was shut down): never spin.
                throw Fail(new TlsFailure(TlsFailureReason.Other, $"cannot write on this connection ({step.Status})"));
            }

            data = data[step.Consumed..];
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends close_notify and half-closes the socket for sending; a peer already gone is not an error.</summary>
    public async ValueTask ShutdownAsync(CancellationToken cancellationToken = default)
    {
        if (_receive.PeerReset)
        {
            return; // a read found the connection reset: a close_notify would only meet EPIPE
        }

        lock (_outboxGate)
        {
            byte[] output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            Enqueue(output, Connection.Shutdown(output));
        }

        // A client that closed first (most do, right after their last request) has reset the socket
        // by the time the upstream's end reaches us. That is the normal end of a connection: answered
        // with a code, not an exception, whose dispatch through the async chain cost a tenth of the
        // edge's CPU per resumed handshake.
        try
        {
            if (await TryFlushAsync(cancellationToken).ConfigureAwait(false) != SocketError.Success)
            {
                return;
            }
        }
        catch (SocketException)
        {
            return; // reset while waiting for buffer space
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The peer is already gone; nothing left to tell it.
        }
    }

    private int ProcessInput(ReadOnlyMemory<byte> input, Memory<byte> buffer, out bool done)
    {
        TlsStepResult step = Process(input.Span, buffer.Span);
        if (Volatile.Read(ref _queuedBytes) > MaxQueuedOutput)
        {
            throw Fail(new TlsFailure(TlsFailureReason.Other, "the peer does not read what the protocol requires us to send (over 1 MiB queued)"));
        }

        if (step.OutputLength > 0)
        {
            // Post-handshake output (a KeyUpdate reply, tickets): send it without making the reader
            // wait behind a writer blocked on a slow peer, which could deadlock a proxy.
            _ = FlushQuietlyAsync();
        }

        _plaintextMayBePending = step.PlaintextPending;
        switch (step.Status)
        {
            case Interop.NativeStatus.Error:
                throw new TlsException(Connection.Failure!);
            case Interop.NativeStatus.Closed:
                _receive.EndByCloseNotify();
                done = true;
                return step.PlaintextLength;
            default:
                done = false;
                return step.PlaintextLength;
        }
    }

    // Engine calls write into a pooled buffer and queue what they produced under the outbox lock,
    // so ciphertext is queued in exactly the order OpenSSL produced it.
    private TlsStepResult Process(ReadOnlySpan<byte> input, Span<byte> plaintext)
    {
        lock (_outboxGate)
        {
            byte[] output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            TlsStepResult step = Connection.Process(input, plaintext, output);
            QueueOutput(output, step);
            return step;
        }
    }

    private TlsStepResult Encrypt(ReadOnlySpan<byte> plaintext)
    {
        lock (_outboxGate)
        {
            byte[] output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            TlsStepResult step = Connection.Write(plaintext, output);
            QueueOutput(output, step);
            return step;
        }
    }

    private void QueueOutput(byte[] output, TlsStepResult step)
    {
        Enqueue(output, step.OutputLength);
        bool more = step.OutputPending;
        while (more)
        {
            byte[] extra = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            Enqueue(extra, Connection.DrainOutput(extra, out more));
        }
    }

    private void Enqueue(byte[] buffer, int length)
    {
        if (length > 0)
        {
            _outbox.Enqueue((buffer, length));
            _queuedBytes += length;
        }
        else
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        SocketError error = await TryFlushAsync(cancellationToken).ConfigureAwait(false);
        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }
    }

    /// <summary>
    /// Sends everything queued. Each record is first written straight away (non-blocking): most
    /// TLS flights fit the socket buffer, so this needs no async operation, and a peer that has
    /// already gone (openssl s_time closes right after its Finished, before our tickets) comes
    /// back as an error code instead of an exception. Only a full socket buffer waits, asynchronously.
    /// </summary>
    private async Task<SocketError> TryFlushAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                (byte[] Buffer, int Length) item;
                lock (_outboxGate)
                {
                    if (!_outbox.TryDequeue(out item))
                    {
                        return SocketError.Success;
                    }

                    _queuedBytes -= item.Length;
                }

                try
                {
                    int sent = 0;
                    while (sent < item.Length)
                    {
                        int now = _socket.Send(item.Buffer, sent, item.Length - sent, SocketFlags.None, out SocketError error);
                        if (error == SocketError.Success)
                        {
                            sent += now;
                        }
                        else if (error == SocketError.WouldBlock)
                        {
                            sent += await _socket.SendAsync(item.Buffer.AsMemory(sent, item.Length - sent), SocketFlags.None, cancellationToken)
                                .ConfigureAwait(false);
                        }
                        else
                        {
                            return error;
                        }
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task FlushQuietlyAsync()
    {
        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is going away; the reader or writer will see it too.
        }
    }

    private TlsException Fail(TlsFailure failure)
    {
        Connection.Fail(failure);
        return new TlsException(Connection.Failure!);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _socket.Dispose();
        _receive.Dispose();
        Connection.Dispose();
        lock (_outboxGate)
        {
            while (_outbox.TryDequeue(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }

        return ValueTask.CompletedTask;
    }
}
