namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One state of the server handshake (the rustls habit): a closed set of sealed <c>Expect*</c>
/// classes, each holding only the secrets and transcript valid in it. <see cref="Handle"/> takes
/// one whole handshake message (framed, as the transcript hashes it) and returns the next state;
/// anything the state does not expect is unexpected_message (RFC 8446 §6.2). A state that is left
/// behind is disposed by the connection and wipes what it held, unless it handed it on.
/// </summary>
internal abstract class ServerState : IDisposable
{
    /// <summary>
    /// RFC 8446 §5 / §D.4: a plaintext change_cipher_spec of 0x01 is dropped between the first
    /// ClientHello and the client's Finished; anywhere else it is unexpected_message.
    /// </summary>
    public virtual bool AcceptsChangeCipherSpec => true;

    /// <summary>True once both Finished are done: application data may flow.</summary>
    public virtual bool IsTraffic => false;

    public abstract ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message);

    public virtual void Dispose()
    {
    }

    /// <summary>The message body after the four-byte header.</summary>
    protected static ReadOnlySpan<byte> Body(ReadOnlySpan<byte> message) => message[HandshakeMessage.HeaderLength..];

    protected static TlsProtocolException Unexpected(HandshakeType type, string state) =>
        new(AlertDescription.UnexpectedMessage, $"{type} while the server expects {state}");
}
