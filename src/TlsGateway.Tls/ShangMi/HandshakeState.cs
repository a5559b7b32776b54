namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One state of either side's handshake (the rustls habit): a closed set of sealed <c>Expect*</c>
/// classes, each holding only the secrets and transcript valid in it. <see cref="Advance"/> takes one
/// whole handshake message (framed, as the transcript hashes it) and returns the next state; anything
/// the state does not expect is unexpected_message (RFC 8446 §6.2). A state that is left behind is
/// disposed by the connection and wipes what it held, unless it handed it on. The server's states
/// derive from <see cref="ServerState"/>, the client's from <see cref="ClientState"/>; the connection
/// only sees this base.
/// </summary>
internal abstract class HandshakeState : IDisposable
{
    /// <summary>
    /// RFC 8446 §5 / §D.4: a plaintext change_cipher_spec of 0x01 is dropped while the handshake runs
    /// (after the first ClientHello on a server); anywhere else it is unexpected_message.
    /// </summary>
    public virtual bool AcceptsChangeCipherSpec => true;

    /// <summary>The application traffic keys once both Finished are done; null before.</summary>
    public virtual TrafficKeys? Traffic => null;

    /// <summary>True once both Finished are done: application data may flow.</summary>
    public bool IsTraffic => Traffic is not null;

    /// <summary>Handles one framed handshake message; the connection installs the state returned.</summary>
    public abstract HandshakeState Advance(HandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message);

    public virtual void Dispose()
    {
    }

    /// <summary>The message body after the four-byte header.</summary>
    protected static ReadOnlySpan<byte> Body(ReadOnlySpan<byte> message) => message[HandshakeMessage.HeaderLength..];
}
