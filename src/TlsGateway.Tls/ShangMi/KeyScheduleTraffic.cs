namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The last stage of the RFC 8446 §7.1 key schedule, holding the Master Secret: application
/// traffic secrets and the exporter master secret over ClientHello…server Finished, the
/// resumption master secret over ClientHello…client Finished. Dispose it once the resumption
/// master secret is derived (or at once, on a server that issues no tickets).
/// </summary>
public sealed class KeyScheduleTraffic : KeyScheduleStage
{
    internal KeyScheduleTraffic(Tls13CipherSuite suite, byte[] masterSecret)
        : base(suite, masterSecret)
    {
    }

    /// <summary>client_application_traffic_secret_0 = Derive-Secret(Master Secret, "c ap traffic", ClientHello...server Finished).</summary>
    public Tls13Secret DeriveClientApplicationTrafficSecret(ReadOnlySpan<byte> serverFinishedHash) => Derive("c ap traffic"u8, serverFinishedHash);

    /// <summary>server_application_traffic_secret_0 = Derive-Secret(Master Secret, "s ap traffic", ClientHello...server Finished).</summary>
    public Tls13Secret DeriveServerApplicationTrafficSecret(ReadOnlySpan<byte> serverFinishedHash) => Derive("s ap traffic"u8, serverFinishedHash);

    /// <summary>exporter_master_secret = Derive-Secret(Master Secret, "exp master", ClientHello...server Finished).</summary>
    public Tls13Secret DeriveExporterMasterSecret(ReadOnlySpan<byte> serverFinishedHash) => Derive("exp master"u8, serverFinishedHash);

    /// <summary>resumption_master_secret = Derive-Secret(Master Secret, "res master", ClientHello...client Finished).</summary>
    public Tls13Secret DeriveResumptionMasterSecret(ReadOnlySpan<byte> clientFinishedHash) => Derive("res master"u8, clientFinishedHash);
}
