namespace TlsGateway.Edge;

/// <summary>One side of a forwarded connection: a plain socket, or a TLS session over one (client or upstream).</summary>
public abstract class StreamLink : IAsyncDisposable
{
    /// <summary>
    /// Completes when a read may make progress, without holding a buffer (see TlsSession.WaitToReadAsync).
    /// No token: <see cref="Abort"/> ends the wait.
    /// </summary>
    public abstract ValueTask WaitToReadAsync();

    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Ends the sending direction (FIN; close_notify first over TLS).</summary>
    public abstract ValueTask ShutdownSendAsync(CancellationToken cancellationToken);

    /// <summary>Closes at once, waking any pending read or write.</summary>
    public abstract void Abort();

    public abstract ValueTask DisposeAsync();
}
