using System.Net.Sockets;

namespace TlsGateway.Tls;

/// <summary>
/// The receiving side of a TLS session's socket, for both engines (<see cref="TlsSession"/> and the
/// managed ShangMi session): how it waits for bytes without holding a buffer, and how its stream
/// ended. A FIN and a reset both end the stream; a reset also means nothing sent would arrive, so
/// the session's shutdown skips its close_notify. The reader records the end; the writer's
/// shutdown reads <see cref="PeerReset"/> from the other pump (a stale false costs one
/// close_notify that fails with an error code, nothing more).
/// </summary>
internal sealed class ReceiveSide(Socket socket) : IDisposable
{
    private ReadinessWaiter? _waiter; // made on the first wait: a client gone after its handshake never waits
    private bool _readable;
    private bool _peerReset;

    /// <summary>The stream has ended: a FIN, close_notify or a reset.</summary>
    public bool Ended { get; private set; }

    /// <summary>It ended with close_notify: everything the peer sent has arrived.</summary>
    public bool CloseNotifyReceived { get; private set; }

    public bool PeerReset => Volatile.Read(ref _peerReset);

    /// <summary>The engine read the peer's close_notify.</summary>
    public void EndByCloseNotify()
    {
        CloseNotifyReceived = true;
        Ended = true;
    }

    /// <summary>
    /// Completes when a receive may make progress, holding no buffer; closing the socket ends it.
    /// Whatever ends the wait (bytes, the end of the stream, a reset), the next receive finds it.
    /// </summary>
    public ValueTask WaitAsync()
    {
        if (Ended || _readable)
        {
            return default;
        }

        _readable = true;
        return (_waiter ??= new ReadinessWaiter(socket)).WaitAsync();
    }

    /// <summary>
    /// Before a receive: waits (still without a buffer) unless a wait already ended; false when
    /// the stream has ended, so there is nothing to receive.
    /// </summary>
    public async ValueTask<bool> ReadyAsync(CancellationToken cancellationToken)
    {
        if (!Ended && !_readable)
        {
            // No wait first: a caller streaming data skips it, and a record may hold no plaintext.
            await (_waiter ??= new ReadinessWaiter(socket)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _readable = false;
        if (_waiter is { PeerReset: true })
        {
            EndByReset();
        }

        return !Ended;
    }

    /// <summary>Receives into <paramref name="input"/>: the byte count, or 0 once the stream has ended (FIN or reset).</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> input, CancellationToken cancellationToken)
    {
        ValueTask<int> receiving = QuietSocket.ReceiveAsync(socket, input, cancellationToken);
        return receiving.IsCompletedSuccessfully ? ValueTask.FromResult(Received(receiving.Result)) : ReceivedAsync(receiving);
    }

    public void Dispose() => _waiter?.Dispose();

    private async ValueTask<int> ReceivedAsync(ValueTask<int> receiving) => Received(await receiving.ConfigureAwait(false));

    // A TCP FIN without close_notify ends the stream (many HTTP clients do this); so does a reset.
    private int Received(int count)
    {
        if (count == QuietSocket.Reset)
        {
            EndByReset();
            return 0;
        }

        if (count == 0)
        {
            Ended = true; // a TCP FIN
        }

        return count;
    }

    private void EndByReset()
    {
        Ended = true;
        Volatile.Write(ref _peerReset, true);
    }
}
