using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>A TLS connection from either engine: the client's, or one the edge originated toward an upstream.</summary>
public sealed class TlsLink(ITlsChannel channel) : StreamLink
{
    public override ValueTask WaitToReadAsync() => channel.WaitToReadAsync();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => channel.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => channel.WriteAsync(data, cancellationToken);

    public override ValueTask ShutdownSendAsync(CancellationToken cancellationToken) => channel.ShutdownAsync(cancellationToken);

    public override void Abort() => channel.Socket.Close();

    public override ValueTask DisposeAsync() => channel.DisposeAsync();
}
