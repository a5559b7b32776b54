namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The synthetic message_hash handshake message of RFC 8446 §4.4.1: after a HelloRetryRequest the
/// transcript restarts as message_hash(Hash(ClientHello1)) followed by the HelloRetryRequest, so a
/// stateless server can carry one hash in its cookie instead of the whole first ClientHello.
/// </summary>
public static class MessageHash
{
    /// <summary>
    /// The framed message: 254, then uint24 Hash.length, then Hash(ClientHello1) — "handshake_type
    /// message_hash (1 byte) || 00 00 Hash.length || Hash(ClientHello1)".
    /// </summary>
    public static byte[] Create(ReadOnlySpan<byte> clientHello1Hash)
    {
        byte[] message = new byte[HandshakeMessage.HeaderLength + clientHello1Hash.Length];
        message[0] = (byte)HandshakeType.MessageHash;
        message[1] = 0;
        message[2] = 0;
        message[3] = checked((byte)clientHello1Hash.Length);
        clientHello1Hash.CopyTo(message.AsSpan(HandshakeMessage.HeaderLength));
        return message;
    }
}
