using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace TlsGateway.Tls;

/// <summary>
/// Waits until a socket has something to read (bytes, the end of the stream, or an error), holding
/// no buffer, with one reusable zero-byte receive per socket. A proxy waits like this once per
/// request in each direction, so the wait is built to cost as little as the runtime allows:
/// <list type="bullet">
/// <item>nothing is allocated per wait (this object is the awaited source, reused);</item>
/// <item>the waiter's completion resumes the awaiting method directly, not through a chain of
/// async frames, and captures no execution context;</item>
/// <item>no cancellation token, so no registration per wait: a wait ends when the socket is closed
/// (the owner's Abort), which is how idle timeouts and draining end connections;</item>
/// <item>a reset is a code, never an exception: it sets <see cref="PeerReset"/> and ends the wait.</item>
/// </list>
/// One wait at a time; the socket must stay open while one is pending, except to end it.
/// </summary>
public sealed class ReadinessWaiter : IValueTaskSource, IDisposable
{
    private readonly Socket _socket;
    private readonly ZeroByteReceive _receive;
    private ManualResetValueTaskSourceCore<bool> _core;

    public ReadinessWaiter(Socket socket)
    {
        _socket = socket;
        _receive = new ZeroByteReceive(this);
    }

    /// <summary>
    /// True once a wait met a reset (or another error from the peer's side) already there: the peer
    /// is gone and the stream ends. A reset that arrives during a wait ends it as readable instead
    /// (the runtime completes a zero-byte receive on the readiness event without reading the
    /// error); the receive that follows reports it.
    /// </summary>
    public bool PeerReset { get; private set; }

    /// <summary>
    /// Completes when a receive would not block. Throws a <see cref="SocketException"/>
    /// (OperationAborted) if the socket is closed meanwhile. A token that can be cancelled takes
    /// <see cref="QuietSocket.ReceiveAsync"/>'s zero-byte receive instead, which needs a
    /// non-blocking socket and allocates and registers per wait; callers that wait often, like the
    /// forwarder, pass none and close the socket to end a wait.
    /// </summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.CanBeCanceled)
        {
            return WaitCancellableAsync(cancellationToken);
        }

        _core.Reset();
        if (_socket.ReceiveAsync(_receive))
        {
            return new ValueTask(this, _core.Version);
        }

        // Completed at once: bytes, the end of the stream or an error were already there.
        return Conclude() is { } aborted ? ValueTask.FromException(aborted) : default;
    }

    public void Dispose() => _receive.Dispose();

    private async ValueTask WaitCancellableAsync(CancellationToken cancellationToken)
    {
        if (await QuietSocket.ReceiveAsync(_socket, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false) == QuietSocket.Reset)
        {
            PeerReset = true;
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        _core.GetResult(token);
        if (Conclude() is { } aborted)
        {
            throw aborted;
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    // Success: readable. OperationAborted: this process closed the socket to end the connection,
    // which stays an exception (the caller is being told to stop). Anything else: the peer is gone.
    private SocketException? Conclude()
    {
        switch (_receive.SocketError)
        {
            case SocketError.Success:
                return null;
            case SocketError.OperationAborted:
                return new SocketException((int)SocketError.OperationAborted);
            default:
                PeerReset = true;
                return null;
        }
    }

    private sealed class ZeroByteReceive : SocketAsyncEventArgs
    {
        private readonly ReadinessWaiter _owner;

        public ZeroByteReceive(ReadinessWaiter owner)
            : base(unsafeSuppressExecutionContextFlow: true)
        {
            _owner = owner;
            SetBuffer(Memory<byte>.Empty);
        }

        protected override void OnCompleted(SocketAsyncEventArgs e) => _owner._core.SetResult(true);
    }
}
