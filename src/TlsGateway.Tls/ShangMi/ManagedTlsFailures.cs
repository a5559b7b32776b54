using TlsGateway.Interop;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Translates how a managed connection ended, and what it negotiated, into the OpenSSL engine's
/// terms (<see cref="TlsFailure"/>, <see cref="HandshakeFacts"/>), so the edge counts, labels and
/// logs both engines with one vocabulary.
/// </summary>
public static class ManagedTlsFailures
{
    private const int Tls13 = 0x0304;

    /// <summary>The failure of an ended connection: the alert we sent for our error, or the peer's.</summary>
    public static TlsFailure Classify(ManagedTlsConnection connection)
    {
        if (connection.Failure is { } error)
        {
            return new TlsFailure(ReasonFor(error.Alert), $"{Name(error.Alert)}: {error.Message}");
        }

        if (connection.ReceivedAlert is { } alert)
        {
            return new TlsFailure(TlsFailureReason.PeerAlert, $"the peer sent a fatal {Name(alert)} alert");
        }

        return TlsFailure.PeerClosed();
    }

    /// <summary>The failure reason an alert (RFC 8446 §6.2) is counted under.</summary>
    public static TlsFailureReason ReasonFor(AlertDescription alert) => alert switch
    {
        AlertDescription.ProtocolVersion => TlsFailureReason.ProtocolVersion,
        AlertDescription.HandshakeFailure or AlertDescription.InsufficientSecurity => TlsFailureReason.NoSharedCipher,
        AlertDescription.NoApplicationProtocol => TlsFailureReason.NoApplicationProtocol,
        AlertDescription.CertificateRequired => TlsFailureReason.CertificateRequired,
        AlertDescription.UnknownCa => TlsFailureReason.UnknownCa,
        AlertDescription.CertificateExpired => TlsFailureReason.CertificateExpired,
        AlertDescription.CertificateRevoked => TlsFailureReason.CertificateRevoked,
        AlertDescription.BadCertificate or AlertDescription.UnsupportedCertificate or AlertDescription.CertificateUnknown
            or AlertDescription.DecryptError => TlsFailureReason.BadCertificate,
        AlertDescription.AccessDenied => TlsFailureReason.AuthorizationDenied,
        AlertDescription.UnrecognizedName => TlsFailureReason.UnrecognizedName,
        AlertDescription.DecodeError or AlertDescription.IllegalParameter or AlertDescription.UnexpectedMessage
            or AlertDescription.BadRecordMac or AlertDescription.RecordOverflow or AlertDescription.MissingExtension
            or AlertDescription.UnsupportedExtension => TlsFailureReason.Malformed,
        _ => TlsFailureReason.Other,
    };

    /// <summary>The facts of a completed handshake, with OpenSSL's names for the suite and group.</summary>
    public static HandshakeFacts FactsOf(ManagedTlsConnection connection) => new(
        Tls13,
        connection.CipherSuite?.Name ?? "",
        connection.ApplicationProtocol,
        connection.ServerName,
        connection.Group switch
        {
            NamedGroup.CurveSm2 => "curveSM2",
            NamedGroup.Secp256r1 => "prime256v1",
            { } other => other.ToString(),
            null => null,
        },
        SessionReused: connection.Resumed,
        PeerPresentedCertificate: connection.PeerCertificates.Count > 0,
        VerifyResult: 0);

    // RFC 8446's snake_case names, as logs and OpenSSL print them.
    private static string Name(AlertDescription alert) =>
        string.Concat(alert.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
