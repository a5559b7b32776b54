namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The second stage of the RFC 8446 §7.1 key schedule, holding the Handshake Secret: the two
/// handshake traffic secrets (over ClientHello…ServerHello), then the master stage.
/// </summary>
public sealed class KeyScheduleHandshake : KeyScheduleStage
{
    internal KeyScheduleHandshake(Tls13CipherSuite suite, byte[] handshakeSecret)
        : base(suite, handshakeSecret)
    {
    }

    /// <summary>client_handshake_traffic_secret = Derive-Secret(Handshake Secret, "c hs traffic", ClientHello...ServerHello).</summary>
    public Tls13Secret DeriveClientHandshakeTrafficSecret(ReadOnlySpan<byte> helloHash) => Derive("c hs traffic"u8, helloHash);

    /// <summary>server_handshake_traffic_secret = Derive-Secret(Handshake Secret, "s hs traffic", ClientHello...ServerHello).</summary>
    public Tls13Secret DeriveServerHandshakeTrafficSecret(ReadOnlySpan<byte> helloHash) => Derive("s hs traffic"u8, helloHash);

    /// <summary>
    /// Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0) (RFC 8446
    /// §7.1). Call it once both handshake traffic secrets are derived; this stage is wiped.
    /// </summary>
    public KeyScheduleTraffic IntoTraffic()
    {
        Span<byte> zeros = stackalloc byte[Suite.HashLength];
        zeros.Clear();
        return new KeyScheduleTraffic(Suite, ExtractNext(zeros));
    }
}
