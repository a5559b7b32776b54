using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What every state of either role may touch: the record layer to send through and key, and what
/// has been negotiated so far (read by <see cref="ManagedTlsConnection"/>). Secrets never live here:
/// each <c>Expect*</c> state holds the ones valid in it. Each role adds its options in a subclass.
/// </summary>
internal abstract class HandshakeContext(RecordLayer records)
{
    public RecordLayer Records { get; } = records;

    public Tls13CipherSuite? Suite { get; set; }

    public NamedGroup? Group { get; set; }

    public bool HelloRetried { get; set; }

    /// <summary>True when the handshake was authenticated by a resumption PSK (RFC 8446 §2.2).</summary>
    public bool Resumed { get; set; }

    public string? ApplicationProtocol { get; set; }

    public string? ServerName { get; set; }

    /// <summary>The peer's chain (DER, leaf first), empty if it sent none.</summary>
    public IReadOnlyList<byte[]> PeerCertificates { get; set; } = [];

    public X509Certificate2? PeerCertificate { get; set; }

    public SignatureScheme? PeerSignatureScheme { get; set; }
}
