using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>A TLS session: the client's, or one the edge originated toward an upstream.</summary>
public sealed class TlsLink(TlsSession session) : StreamLink
{
    public TlsSession Session => session;

    public override ValueTask WaitToReadAsync(CancellationToken cancellationToken) => session.WaitToReadAsync(cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => session.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => session.WriteAsync(data, cancellationToken);

    public override ValueTask ShutdownSendAsync(CancellationToken cancellationToken) => session.ShutdownAsync(cancellationToken);

    public override void Abort() => session.Socket.Close();

    public override ValueTask DisposeAsync() => session.DisposeAsync();
}
