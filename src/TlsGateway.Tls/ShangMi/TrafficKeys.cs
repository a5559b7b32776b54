namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The current application traffic secrets of both directions after the handshake, kept only to
/// derive the next ones at a KeyUpdate (RFC 8446 §4.6.3, §7.2). Both roles' traffic states hold one:
/// the peer's secret keys reading, our own keys writing. Each update wipes the secret it replaces.
/// </summary>
internal sealed class TrafficKeys(Tls13Secret readSecret, Tls13Secret writeSecret) : IDisposable
{
    private Tls13Secret _readSecret = readSecret;
    private Tls13Secret _writeSecret = writeSecret;

    /// <summary>The peer's KeyUpdate: its next key replaces the old for reading, and if it asked, ours is updated too.</summary>
    public void ReceiveKeyUpdate(RecordLayer records, ReadOnlySpan<byte> body)
    {
        KeyUpdate update = KeyUpdate.Parse(body);
        Tls13Secret next = _readSecret.NextApplicationTrafficSecret();
        _readSecret.Dispose();
        _readSecret = next;
        records.SetReadProtection(_readSecret.CreateRecordProtection());
        if (update.RequestUpdate == KeyUpdateRequest.UpdateRequested && !records.SendingClosed)
        {
            // §4.6.3: answer with a KeyUpdate of update_not_requested, so two peers do not loop.
            // The answer is due before our next application data; after our close_notify there is none.
            UpdateSendingKey(records, KeyUpdateRequest.UpdateNotRequested);
        }
    }

    /// <summary>Sends a KeyUpdate under the current key, then switches to the next sending key (§4.6.3, §7.2).</summary>
    public void UpdateSendingKey(RecordLayer records, KeyUpdateRequest request)
    {
        records.SendProtected(ContentType.Handshake, new KeyUpdate(request).ToMessage());
        Tls13Secret next = _writeSecret.NextApplicationTrafficSecret();
        _writeSecret.Dispose();
        _writeSecret = next;
        records.SetWriteProtection(_writeSecret.CreateRecordProtection());
    }

    public void Dispose()
    {
        _readSecret.Dispose();
        _writeSecret.Dispose();
    }
}
