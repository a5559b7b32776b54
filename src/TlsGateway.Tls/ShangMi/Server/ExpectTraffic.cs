namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// After the handshake. The only handshake message a server accepts now is KeyUpdate (RFC 8446
/// §4.6.3): the client's new key replaces the old for reading, and if it asked, the server updates
/// its own sending key too (<see cref="TrafficKeys"/>).
/// </summary>
internal sealed class ExpectTraffic(Tls13Secret clientSecret, Tls13Secret serverSecret) : ServerState
{
    private readonly TrafficKeys _keys = new(readSecret: clientSecret, writeSecret: serverSecret);

    /// <summary>§5: after the client's Finished a change_cipher_spec is unexpected_message.</summary>
    public override bool AcceptsChangeCipherSpec => false;

    public override TrafficKeys Traffic => _keys;

    public override ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.KeyUpdate)
        {
            // A server sends no CertificateRequest after the handshake and receives no tickets:
            // anything else is unexpected (§4.6).
            throw Unexpected(type, "application data or KeyUpdate");
        }

        _keys.ReceiveKeyUpdate(context.Records, Body(message));
        return this;
    }

    public override void Dispose() => _keys.Dispose();
}
