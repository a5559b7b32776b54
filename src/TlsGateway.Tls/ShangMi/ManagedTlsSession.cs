using System.Buffers;
using System.Net.Sockets;
using TlsGateway.Interop;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Drives a <see cref="ManagedTlsConnection"/> over a connected socket, as <see cref="TlsSession"/>
/// drives an OpenSSL connection: the one place the managed engine meets I/O. One read and one
/// write may run at the same time (a proxy pumps both directions), so every call into the
/// connection is made under one lock, and ciphertext is taken from it and sent under one send
/// lock, which keeps records on the wire in the order the engine wrote them.
/// </summary>
/// <remarks>
/// An idle session holds no receive buffer (it waits with a zero-byte receive). Failures are
/// <see cref="TlsException"/>s classified like OpenSSL's (<see cref="ManagedTlsFailures"/>), so the
/// edge counts and logs both engines the same way.
/// </remarks>
public sealed class ManagedTlsSession : ITlsChannel
{
    // One full record (RFC 8446 §5.2: 2^14 bytes of plaintext plus header, type, padding and tag).
    private const int ReceiveBufferSize = 16 * 1024 + 512;

    // Output the engine queues while reading (a KeyUpdate answer) is sent without the reader
    // waiting; a peer that keeps asking for answers it never reads must not grow it without bound.
    private const int MaxPendingOutput = 1024 * 1024;

    // How long a refused client's leftover bytes are read after the alert (see LingerAsync).
    private static readonly TimeSpan LingerTime = TimeSpan.FromMilliseconds(500);

    private readonly Socket _socket;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ReceiveSide _receive;
    private int _disposed;

    public ManagedTlsSession(Socket socket, ManagedTlsConnection connection)
    {
        _socket = socket;
        // QuietSocket tries each receive without blocking first; async calls are unaffected.
        _socket.Blocking = false;
        _receive = new ReceiveSide(socket);
        Connection = connection;
    }

    public ManagedTlsConnection Connection { get; }

    public Socket Socket => _socket;

    public bool CloseNotifyReceived => _receive.CloseNotifyReceived;

    public bool HasBufferedInput
    {
        get
        {
            lock (_gate)
            {
                return Connection.HasBufferedInput;
            }
        }
    }

    /// <summary>What the handshake negotiated, in the OpenSSL engine's terms; set when it completes.</summary>
    public HandshakeFacts? Facts { get; private set; }

    /// <summary>
    /// Runs the handshake, starting with <paramref name="alreadyReceived"/> (bytes the caller read
    /// to look at the ClientHello). Throws <see cref="TlsException"/>; the alert, if any, has been sent.
    /// </summary>
    public async Task HandshakeAsync(ReadOnlyMemory<byte> alreadyReceived, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        byte[] input = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        try
        {
            ReadOnlyMemory<byte> received = alreadyReceived;
            while (true)
            {
                lock (_gate)
                {
                    Connection.Feed(received.Span);
                }

                await FlushAsync(deadline.Token).ConfigureAwait(false);
                if (Connection.IsHandshakeComplete)
                {
                    Facts = ManagedTlsFailures.FactsOf(Connection);
                    // A client may send data right behind its Finished: it stays in the engine for ReadAsync.
                    return;
                }

                if (Connection.IsEnded)
                {
                    await LingerAsync(input, deadline.Token).ConfigureAwait(false);
                    throw new TlsException(ManagedTlsFailures.Classify(Connection));
                }

                int count = await _socket.ReceiveAsync(input, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (count == 0)
                {
                    throw new TlsException(TlsFailure.PeerClosed());
                }

                received = input.AsMemory(0, count);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TlsException(TlsFailure.Timeout(timeout));
        }
        catch (SocketException e)
        {
            throw new TlsException(new TlsFailure(TlsFailureReason.PeerClosed, $"socket error during handshake: {e.SocketErrorCode}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    // After a fatal alert: FIN behind it, then read and drop what the client still sends, for a
    // moment. Closed at once with the client's data unread, the socket would answer with a reset,
    // and a reset makes the client's kernel drop the alert before the client reads it (a TLS 1.3
    // client sends application data right behind its Finished, before it can learn it was refused).
    private async Task LingerAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linger.CancelAfter(LingerTime);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            while (await QuietSocket.ReceiveAsync(_socket, buffer, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone, or lingered long enough: the alert had its chance.
        }
    }

    /// <summary>Completes when a read may make progress, without holding a buffer; closing the socket ends the wait (see <see cref="ReceiveSide"/>).</summary>
    public ValueTask WaitToReadAsync() => PlaintextPending ? default : _receive.WaitAsync();

    /// <summary>Reads decrypted bytes. Returns 0 at the end of the stream (close_notify, TCP FIN or a reset).</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int ready = ReadPlaintext(buffer.Span);
            if (ready > 0)
            {
                return ready;
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
                    return 0; // a TCP FIN without close_notify, or a reset: the stream just ends, as with the OpenSSL engine
                }

                int pending;
                lock (_gate)
                {
                    Connection.Feed(input.AsSpan(0, received));
                    pending = Connection.PendingOutputLength;
                }

                if (pending > MaxPendingOutput)
                {
                    throw new TlsException(new TlsFailure(TlsFailureReason.Other, "the peer does not read what the protocol requires us to send (over 1 MiB queued)"));
                }

                if (pending > 0)
                {
                    // An alert or a KeyUpdate answer: sent without making this reader wait behind a
                    // writer blocked on a slow peer, which could deadlock a proxy.
                    _ = FlushQuietlyAsync();
                }

                if (Connection.Failure is not null || Connection.ReceivedAlert is not null)
                {
                    throw new TlsException(ManagedTlsFailures.Classify(Connection));
                }

                if (Connection.IsEnded && !PlaintextPending)
                {
                    _receive.EndByCloseNotify();
                    return 0;
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
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] output;
            lock (_gate)
            {
                if (Connection.IsWriteClosed)
                {
                    throw new TlsException(new TlsFailure(TlsFailureReason.Other, "cannot write on this connection: it is closed"));
                }

                Connection.Write(data.Span);
                output = Connection.TakePendingOutput();
            }

            await SendAsync(output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends close_notify and half-closes the socket for sending; a peer already gone is not an error.</summary>
    public async ValueTask ShutdownAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Connection.Close();
        }

        if (_receive.PeerReset)
        {
            return; // a read found the connection reset: a close_notify would only meet EPIPE
        }

        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The peer is already gone; nothing left to tell it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _socket.Dispose();
        _receive.Dispose();
        await _sendLock.WaitAsync().ConfigureAwait(false); // a flush in flight has failed fast on the closed socket
        lock (_gate)
        {
            Connection.Dispose();
        }

        _sendLock.Dispose();
    }

    // Decrypted bytes are copied once, from the engine straight into the reader's buffer.
    private bool PlaintextPending
    {
        get
        {
            lock (_gate)
            {
                return Connection.ReceivedPlaintextLength > 0;
            }
        }
    }

    private int ReadPlaintext(Span<byte> destination)
    {
        lock (_gate)
        {
            return Connection.ReadReceivedPlaintext(destination);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] output;
            lock (_gate)
            {
                output = Connection.TakePendingOutput();
            }

            await SendAsync(output, cancellationToken).ConfigureAwait(false);
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
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer is gone; the reader or writer will see it too.
        }
    }

    private async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }
}
