using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>TLS (or mutual TLS) originated by the edge toward the upstream.</summary>
public sealed class TlsUpstreamLink(TlsSession session) : UpstreamLink
{
    public TlsSession Session => session;

    public override ValueTask WaitToReadAsync(CancellationToken cancellationToken) => session.WaitToReadAsync(cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => session.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => session.WriteAsync(data, cancellationToken);

    public override ValueTask ShutdownSendAsync(CancellationToken cancellationToken) => session.ShutdownAsync(cancellationToken);

    public override void Abort() => session.Socket.Close();

    public override ValueTask DisposeAsync() => session.DisposeAsync();
}
