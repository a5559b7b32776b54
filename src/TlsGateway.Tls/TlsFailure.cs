using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>A classified TLS failure: the reason for metrics and logs, and OpenSSL's own words for operators.</summary>
public sealed record TlsFailure(TlsFailureReason Reason, string Detail)
{
    // TLS alert descriptions (RFC 8446 section 6).
    private const int AlertBadCertificate = 42;
    private const int AlertCertificateRevoked = 44;
    private const int AlertCertificateExpired = 45;
    private const int AlertUnknownCa = 48;
    private const int AlertProtocolVersion = 70;
    private const int AlertUnrecognizedName = 112;
    private const int AlertCertificateRequired = 116;
    private const int AlertNoApplicationProtocol = 120;

    public static TlsFailure Timeout(TimeSpan limit) => new(TlsFailureReason.Timeout, $"handshake did not complete within {limit.TotalSeconds:0.###} s");

    public static TlsFailure PeerClosed() => new(TlsFailureReason.PeerClosed, "peer closed the connection during the handshake");

    /// <summary>Classifies what OpenSSL left in the error queue after a failed call.</summary>
    /// <param name="verifyResult">SSL_get_verify_result of the connection.</param>
    /// <param name="denial">The authorizer's reason when it refused the peer, else null.</param>
    /// <param name="unrecognizedName">Whether the SNI lookup refused the name.</param>
    public static TlsFailure Classify(IReadOnlyList<OpenSslError> errors, int verifyResult, string? denial, bool unrecognizedName)
    {
        string detail = errors.Count == 0 ? "no OpenSSL error recorded" : string.Join("; ", errors.Select(e => e.Text));
        if (denial is not null)
        {
            return new(TlsFailureReason.AuthorizationDenied, denial);
        }

        if (unrecognizedName)
        {
            return new(TlsFailureReason.UnrecognizedName, detail);
        }

        foreach (OpenSslError error in errors)
        {
            if (error.PeerAlert is int alert)
            {
                return new(FromPeerAlert(alert), detail);
            }

            if (error.Library != OpenSslError.LibSsl)
            {
                continue;
            }

            TlsFailureReason? reason = (OpenSslReason)error.Reason switch
            {
                OpenSslReason.CertificateVerifyFailed => FromVerifyResult(verifyResult),
                OpenSslReason.PeerDidNotReturnCertificate => TlsFailureReason.CertificateRequired,
                OpenSslReason.NoSharedCipher => TlsFailureReason.NoSharedCipher,
                OpenSslReason.NoApplicationProtocol => TlsFailureReason.NoApplicationProtocol,
                OpenSslReason.UnsupportedProtocol or OpenSslReason.NoProtocolsAvailable => TlsFailureReason.ProtocolVersion,
                OpenSslReason.HttpRequest => TlsFailureReason.PlaintextHttp,
                OpenSslReason.WrongVersionNumber or OpenSslReason.PacketLengthTooLong or OpenSslReason.BadPacketLength
                    or OpenSslReason.UnexpectedMessage => TlsFailureReason.Malformed,
                OpenSslReason.UnexpectedEofWhileReading => TlsFailureReason.PeerClosed,
                _ => null,
            };
            if (reason is not null)
            {
                return new(reason.Value, detail);
            }
        }

        // Anything else libssl rejects while parsing a handshake message is a decode problem.
        return errors.Any(e => e.Library == OpenSslError.LibSsl)
            ? new(TlsFailureReason.Malformed, detail)
            : new(TlsFailureReason.Other, detail);
    }

    private static TlsFailureReason FromVerifyResult(int verifyResult) => (X509VerifyResult)verifyResult switch
    {
        X509VerifyResult.UnableToGetIssuerCert or X509VerifyResult.UnableToGetIssuerCertLocally or X509VerifyResult.DepthZeroSelfSigned
            or X509VerifyResult.SelfSignedInChain or X509VerifyResult.UnableToVerifyLeafSignature => TlsFailureReason.UnknownCa,
        X509VerifyResult.CertHasExpired or X509VerifyResult.CertNotYetValid => TlsFailureReason.CertificateExpired,
        X509VerifyResult.CertRevoked => TlsFailureReason.CertificateRevoked,
        // The CRL's own problems: expired or future (a stale file), badly signed, or none for this issuer.
        X509VerifyResult.UnableToGetCrl or X509VerifyResult.CrlHasExpired or X509VerifyResult.CrlNotYetValid
            or X509VerifyResult.CrlSignatureFailure or X509VerifyResult.UnableToGetCrlIssuer => TlsFailureReason.RevocationUnknown,
        _ => TlsFailureReason.BadCertificate,
    };

    private static TlsFailureReason FromPeerAlert(int alert) => alert switch
    {
        AlertUnknownCa => TlsFailureReason.UnknownCa,
        AlertBadCertificate => TlsFailureReason.BadCertificate,
        AlertCertificateRevoked => TlsFailureReason.CertificateRevoked,
        AlertCertificateExpired => TlsFailureReason.CertificateExpired,
        AlertProtocolVersion => TlsFailureReason.ProtocolVersion,
        AlertCertificateRequired => TlsFailureReason.CertificateRequired,
        AlertNoApplicationProtocol => TlsFailureReason.NoApplicationProtocol,
        AlertUnrecognizedName => TlsFailureReason.UnrecognizedName,
        _ => TlsFailureReason.PeerAlert,
    };
}
