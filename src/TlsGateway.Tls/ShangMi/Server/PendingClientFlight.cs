namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What the server holds after sending its Finished while it waits for the client's flight
/// (RFC 8446 §4.4): the transcript (client Certificate, CertificateVerify and Finished are still to
/// be hashed), the client handshake traffic secret (to check the client's Finished, §4.4.4), and both
/// application traffic secrets, already derived over ClientHello…server Finished (§7.1), and — only
/// when tickets will be sent — the master secret stage, for resumption_master_secret over
/// ClientHello…client Finished (§7.1, §4.6.1). Passed from state to state; whoever ends the handshake
/// disposes it.
/// </summary>
internal sealed class PendingClientFlight(
    Tls13CipherSuite suite,
    Tls13Hash transcript,
    Tls13Secret clientHandshakeSecret,
    Tls13Secret clientApplicationSecret,
    Tls13Secret serverApplicationSecret,
    KeyScheduleTraffic? master) : IDisposable
{
    public Tls13CipherSuite Suite { get; } = suite;

    public Tls13Hash Transcript { get; } = transcript;

    public Tls13Secret ClientHandshakeSecret { get; } = clientHandshakeSecret;

    public Tls13Secret ClientApplicationSecret { get; } = clientApplicationSecret;

    public Tls13Secret ServerApplicationSecret { get; } = serverApplicationSecret;

    /// <summary>The Master Secret stage, kept only to derive resumption_master_secret for tickets; null without tickets.</summary>
    public KeyScheduleTraffic? Master { get; } = master;

    /// <summary>Hands the application secrets on to the traffic state and wipes the rest.</summary>
    public (Tls13Secret Client, Tls13Secret Server) Complete()
    {
        Transcript.Dispose();
        ClientHandshakeSecret.Dispose();
        Master?.Dispose();
        return (ClientApplicationSecret, ServerApplicationSecret);
    }

    public void Dispose()
    {
        Transcript.Dispose();
        ClientHandshakeSecret.Dispose();
        ClientApplicationSecret.Dispose();
        ServerApplicationSecret.Dispose();
        Master?.Dispose();
    }
}
