using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>A TLS connection from either engine: the client's, or one the edge originated toward an upstream.</summary>
/// <param name="requireCloseNotify">
/// The stream must end with close_notify; a bare FIN or a reset makes the read throw instead of
/// returning 0, and the forwarder then closes the client abruptly too. True for an upstream: its
/// reply may have been cut short (by the upstream or by anyone on the path, RFC 8446 §6.1), and the
/// client must not receive a close_notify that vouches for it. False for the client, many of which
/// close without one once they have what they wanted.
/// </param>
public sealed class TlsLink(ITlsChannel channel, bool requireCloseNotify = false) : StreamLink
{
    public override ValueTask WaitToReadAsync() => channel.WaitToReadAsync();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ValueTask<int> reading = channel.ReadAsync(buffer, cancellationToken);
        if (!requireCloseNotify)
        {
            return reading; // a client's read: no check, and no extra async frame on its hot path
        }

        return reading.IsCompletedSuccessfully ? ValueTask.FromResult(Ended(reading.Result)) : EndedAsync(reading);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => channel.WriteAsync(data, cancellationToken);

    public override ValueTask ShutdownSendAsync(CancellationToken cancellationToken) => channel.ShutdownAsync(cancellationToken);

    public override void Abort() => channel.Socket.Close();

    public override ValueTask DisposeAsync() => channel.DisposeAsync();

    private async ValueTask<int> EndedAsync(ValueTask<int> reading) => Ended(await reading.ConfigureAwait(false));

    private int Ended(int count) =>
        count == 0 && !channel.CloseNotifyReceived
            ? throw new TlsException(new TlsFailure(TlsFailureReason.PeerClosed, "the upstream ended its stream without close_notify (a FIN or a reset): its reply may be cut short"))
            : count;
}
