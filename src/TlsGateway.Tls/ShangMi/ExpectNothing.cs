namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The state of an ended connection (closed, failed, or disposed): it holds nothing, and since the
/// connection reads nothing after the end (RFC 8446 §6), it is never asked to handle a message.
/// </summary>
internal sealed class ExpectNothing : HandshakeState
{
    public static ExpectNothing Instance { get; } = new();

    public override bool AcceptsChangeCipherSpec => false;

    public override HandshakeState Advance(HandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message) =>
        throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"{type} after the connection ended");
}
