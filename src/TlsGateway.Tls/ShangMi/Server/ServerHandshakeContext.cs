using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What every server state may touch: the immutable options, the record layer to send through
/// and key, and what has been negotiated so far (read by <see cref="ManagedTlsConnection"/>).
/// Secrets never live here: each <c>Expect*</c> state holds the ones valid in it.
/// </summary>
internal sealed class ServerHandshakeContext(ManagedServerOptions options, ServerRecordLayer records)
{
    public ManagedServerOptions Options { get; } = options;

    public ServerRecordLayer Records { get; } = records;

    public Tls13CipherSuite? Suite { get; set; }

    public NamedGroup? Group { get; set; }

    public bool HelloRetried { get; set; }

    public string? ApplicationProtocol { get; set; }

    public string? ServerName { get; set; }

    public IReadOnlyList<byte[]> PeerCertificates { get; set; } = [];

    public X509Certificate2? PeerCertificate { get; set; }

    public SignatureScheme? PeerSignatureScheme { get; set; }
}
