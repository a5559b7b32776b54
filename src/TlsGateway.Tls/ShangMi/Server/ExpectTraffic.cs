namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// After the handshake. The only handshake message a server accepts now is KeyUpdate (RFC 8446
/// §4.6.3): the client's new key replaces the old for reading, and if it asked, the server updates
/// its own sending key too. The current application traffic secrets are kept for exactly that.
/// </summary>
internal sealed class ExpectTraffic(Tls13Secret clientSecret, Tls13Secret serverSecret) : ServerState
{
    private Tls13Secret _clientSecret = clientSecret;
    private Tls13Secret _serverSecret = serverSecret;

    /// <summary>§5: after the client's Finished a change_cipher_spec is unexpected_message.</summary>
    public override bool AcceptsChangeCipherSpec => false;

    public override bool IsTraffic => true;

    public override ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.KeyUpdate)
        {
            // A server sends no CertificateRequest after the handshake and receives no tickets:
            // anything else is unexpected (§4.6).
            throw Unexpected(type, "application data or KeyUpdate");
        }

        KeyUpdate update = KeyUpdate.Parse(Body(message));
        Tls13Secret next = _clientSecret.NextApplicationTrafficSecret();
        _clientSecret.Dispose();
        _clientSecret = next;
        context.Records.SetReadProtection(_clientSecret.CreateRecordProtection());
        if (update.RequestUpdate == KeyUpdateRequest.UpdateRequested)
        {
            // §4.6.3: answer with a KeyUpdate of update_not_requested, so two peers do not loop.
            UpdateSendingKey(context, KeyUpdateRequest.UpdateNotRequested);
        }

        return this;
    }

    /// <summary>Sends a KeyUpdate under the current key, then switches to the next sending key (§4.6.3, §7.2).</summary>
    public void UpdateSendingKey(ServerHandshakeContext context, KeyUpdateRequest request)
    {
        context.Records.SendProtected(ContentType.Handshake, new KeyUpdate(request).ToMessage());
        Tls13Secret next = _serverSecret.NextApplicationTrafficSecret();
        _serverSecret.Dispose();
        _serverSecret = next;
        context.Records.SetWriteProtection(_serverSecret.CreateRecordProtection());
    }

    public override void Dispose()
    {
        _clientSecret.Dispose();
        _serverSecret.Dispose();
    }
}
