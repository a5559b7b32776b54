using System.Net.Sockets;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>A TLS connection from either engine: the client's, or one the edge originated toward an upstream.</summary>
/// <param name="resetIsFailure">
/// A reset ends the stream as a failure (a <see cref="SocketException"/> from <see cref="ReadAsync"/>)
/// rather than as its end. True for an upstream: what it sent may have been cut short, and the
/// client must not receive close_notify after a truncated reply (as with a plaintext upstream, see
/// <see cref="SocketLink"/>). False for the client, whose reset just means it is gone.
/// </param>
public sealed class TlsLink(ITlsChannel channel, bool resetIsFailure = false) : StreamLink
{
    public override ValueTask WaitToReadAsync() => channel.WaitToReadAsync();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ValueTask<int> reading = channel.ReadAsync(buffer, cancellationToken);
        return reading.IsCompletedSuccessfully ? ValueTask.FromResult(Ended(reading.Result)) : EndedAsync(reading);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => channel.WriteAsync(data, cancellationToken);

    public override ValueTask ShutdownSendAsync(CancellationToken cancellationToken) => channel.ShutdownAsync(cancellationToken);

    public override void Abort() => channel.Socket.Close();

    public override ValueTask DisposeAsync() => channel.DisposeAsync();

    private async ValueTask<int> EndedAsync(ValueTask<int> reading) => Ended(await reading.ConfigureAwait(false));

    private int Ended(int count) =>
        count == 0 && resetIsFailure && channel.PeerReset ? throw new SocketException((int)SocketError.ConnectionReset) : count;
}
