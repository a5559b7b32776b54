using System.Buffers;
using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>
/// A <see cref="Stream"/> of plaintext over another stream of ciphertext, with a
/// <see cref="TlsConnection"/> in between: the engine's driver for transports that are not a bare
/// socket (a Kestrel connection's pipe, a connection SocketsHttpHandler asked for). It does what
/// <see cref="TlsSession"/> does for sockets: one read and one write may run at the same time,
/// ciphertext leaves in the order the engine produced it (<see cref="TlsOutbox"/>), and
/// an idle reader waits with a zero-byte read and rents its buffer only once bytes have arrived.
/// </summary>
/// <remarks>
/// After the handshake, failures surface the way streams report them: an <see cref="IOException"/>
/// whose inner exception is the <see cref="TlsException"/> with the classified failure (a peer
/// that refuses our certificate after a TLS 1.3 handshake says so with an alert on the first read,
/// RFC 8446 section 4.4.2.4). Synchronous I/O is not supported: everything that drives this (pipes,
/// HttpClient) is asynchronous, and blocking a thread on the network is what this code avoids.
/// </remarks>
public sealed class TlsStream : Stream
{
    // One full TLS record (16 KiB plaintext + header, nonce and tag, RFC 8446 section 5.2).
    private const int ReceiveBufferSize = 16 * 1024 + 512;

    // Post-handshake output produced while reading (KeyUpdate replies, tickets) is sent without
    // making the reader wait; a peer that keeps asking for replies but never reads them must not
    // make us queue without bound.
    private const int MaxQueuedOutput = 1024 * 1024;

    private readonly Stream _inner;
    private readonly bool _leaveInnerOpen;
    private readonly TlsOutbox _outbox = new();
    private bool _plaintextMayBePending;
    private bool _receivedEnd;
    private int _disposed;

    /// <param name="inner">The ciphertext transport; disposed with this stream unless <paramref name="leaveInnerOpen"/>.</param>
    /// <param name="connection">A fresh connection from a server or client context; owned (disposed) by this stream.</param>
    public TlsStream(Stream inner, TlsConnection connection, bool leaveInnerOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(connection);
        _inner = inner;
        _leaveInnerOpen = leaveInnerOpen;
        Connection = connection;
    }

    public TlsConnection Connection { get; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Runs the handshake. Throws <see cref="TlsException"/> with a classified failure (the alert,
    /// if any, has been sent); a cancelled <paramref name="cancellationToken"/> throws
    /// <see cref="OperationCanceledException"/> as usual.
    /// </summary>
    public async Task HandshakeAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        byte[] input = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        try
        {
            int received = 0;
            while (true)
            {
                TlsStepResult step = _outbox.Process(Connection, input.AsSpan(0, received), Span<byte>.Empty);
                if (step.HandshakeDone && step.Status != NativeStatus.Error)
                {
                    // Bytes that came with the peer's Finished (an HTTP/2 preface) wait inside OpenSSL.
                    _plaintextMayBePending = true;
                    await FlushAfterHandshakeAsync(deadline.Token).ConfigureAwait(false);
                    return;
                }

                if (step.Status == NativeStatus.Error)
                {
                    // Best effort: the alert tells the peer why; the failure is ours to report either way.
                    await FlushQuietlyAsync(deadline.Token).ConfigureAwait(false);
                    throw new TlsException(Connection.Failure!);
                }

                await FlushOutboxAsync(deadline.Token).ConfigureAwait(false);
                if (step.Status == NativeStatus.Closed)
                {
                    throw Fail(TlsFailure.PeerClosed());
                }

                received = await _inner.ReadAsync(input.AsMemory(0, ReceiveBufferSize), deadline.Token).ConfigureAwait(false);
                if (received == 0)
                {
                    throw Fail(TlsFailure.PeerClosed());
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Fail(TlsFailure.Timeout(timeout));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw Fail(new TlsFailure(TlsFailureReason.PeerClosed, $"transport failed during the handshake: {e.Message}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>
    /// Reads decrypted bytes; 0 at the end of the stream (close_notify or the transport's end). A
    /// zero-byte read consumes nothing and completes once a read may make progress (ciphertext
    /// arrived, plaintext may be waiting, or the stream ended), so a caller can wait without a buffer.
    /// </summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return await ReadCoreAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (Connection.Failure is not null)
        {
            throw FailedEarlier();
        }
    }

    /// <summary>Encrypts and sends all of <paramref name="buffer"/>; completes when the transport has taken it (backpressure).</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            await WriteCoreAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (Connection.Failure is not null)
        {
            throw FailedEarlier();
        }
    }

    // A stream closed because TLS failed says why, whoever closed it: HttpClient disposes a
    // connection whose read met the peer's alert while its own first write is still under way, and
    // that write should report the alert, not a bare ObjectDisposedException.
    private IOException FailedEarlier() => new("the TLS connection had failed", new TlsException(Connection.Failure!));

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty)
        {
            if (!_plaintextMayBePending && !_receivedEnd)
            {
                await _inner.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }

        while (true)
        {
            if (_plaintextMayBePending)
            {
                int n = ProcessInput(ReadOnlySpan<byte>.Empty, buffer.Span, out bool done);
                if (n > 0 || done)
                {
                    return n;
                }
            }

            if (_receivedEnd)
            {
                return 0;
            }

            // Wait without a buffer, so an idle connection holds none.
            await _inner.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            byte[] input = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
            try
            {
                int received = await _inner.ReadAsync(input.AsMemory(0, ReceiveBufferSize), cancellationToken).ConfigureAwait(false);
                if (received == 0)
                {
                    // The transport ended without close_notify: many HTTP peers do this; the stream just ends.
                    _receivedEnd = true;
                    return 0;
                }

                int n = ProcessInput(input.AsSpan(0, received), buffer.Span, out bool done);
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

    private async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            TlsStepResult step = _outbox.Encrypt(Connection, buffer.Span);
            if (step.Status == NativeStatus.Error)
            {
                throw new IOException("TLS write failed", new TlsException(Connection.Failure!));
            }

            if (step.Consumed == 0 && step.OutputLength == 0)
            {
                // No progress (e.g. the connection was shut down): never spin.
                throw new IOException($"cannot write on this TLS connection ({step.Status})", Fail(new TlsFailure(TlsFailureReason.Other, "write made no progress")));
            }

            buffer = buffer[step.Consumed..];
            await FlushOutboxAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await FlushOutboxAsync(cancellationToken).ConfigureAwait(false);
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends close_notify (RFC 8446 section 6.1). A transport already gone is not an error: there is nobody left to tell.</summary>
    public async ValueTask ShutdownAsync(CancellationToken cancellationToken = default)
    {
        if (_disposed != 0)
        {
            return;
        }

        _outbox.QueueShutdown(Connection);
        await FlushQuietlyAsync(cancellationToken).ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw SynchronousIo();

    public override void Write(byte[] buffer, int offset, int count) => throw SynchronousIo();

    public override void Flush() => throw SynchronousIo();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static NotSupportedException SynchronousIo() => new("TlsStream supports asynchronous I/O only");

    private int ProcessInput(ReadOnlySpan<byte> input, Span<byte> buffer, out bool done)
    {
        TlsStepResult step = _outbox.Process(Connection, input, buffer);
        if (_outbox.QueuedBytes > MaxQueuedOutput)
        {
            throw new IOException("TLS peer does not read",
                Fail(new TlsFailure(TlsFailureReason.Other, "the peer does not read what the protocol requires us to send (over 1 MiB queued)")));
        }

        if (step.OutputLength > 0)
        {
            // Post-handshake output (a KeyUpdate reply, tickets): send it without making the reader
            // wait behind a writer blocked on a slow peer, which could deadlock a proxy.
            _ = FlushQuietlyAsync(CancellationToken.None);
        }

        _plaintextMayBePending = step.PlaintextPending;
        switch (step.Status)
        {
            case NativeStatus.Error:
                throw new IOException("TLS read failed", new TlsException(Connection.Failure!));
            case NativeStatus.Closed:
                _receivedEnd = true;
                done = true;
                return step.PlaintextLength;
            default:
                done = false;
                return step.PlaintextLength;
        }
    }

    private Task FlushOutboxAsync(CancellationToken cancellationToken) => _outbox.FlushToAsync(_inner, cancellationToken);

    // A client may finish its side of the handshake and close at once; the tickets we send after
    // its Finished then meet a closed transport. That is a completed handshake and an ended
    // connection, which the next read reports, not a handshake failure.
    private Task FlushAfterHandshakeAsync(CancellationToken cancellationToken) => FlushQuietlyAsync(cancellationToken);

    private async Task FlushQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushOutboxAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException)
        {
            // The transport is going away; the reader or writer will see it too.
        }
    }

    private TlsException Fail(TlsFailure failure)
    {
        Connection.Fail(failure);
        return new TlsException(Connection.Failure!);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (!_leaveInnerOpen)
            {
                _inner.Dispose();
            }

            Release();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (!_leaveInnerOpen)
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
            }

            Release();
        }

        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        Connection.Dispose();
        _outbox.Clear();
    }
}
