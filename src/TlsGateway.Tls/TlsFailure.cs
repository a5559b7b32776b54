using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>A classified TLS failure: the reason for metrics and logs, and OpenSSL's own words for operators.</summary>
public sealed record TlsFailure(TlsFailureReason Reason, string Detail)
{
    // X509_V_ERR_* values from openssl/x509_vfy.h that mean "not our CA" or "out of date".
    private const int UnableToGetIssuerCert = 2;
    private const int CertNotYetValid = 9;
    private const int CertHasExpired = 10;
    private const int DepthZeroSelfSigned = 18;
    private const int SelfSignedInChain = 19;
    private const int UnableToGetIssuerCertLocally = 20;
    private const int UnableToVerifyLeafSignature = 21;

    // TLS alert descriptions (RFC 8446 section 6).
    private const int AlertBadCertificate = 42;
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

    private static TlsFailureReason FromVerifyResult(int verifyResult) => verifyResult switch
    {
        UnableToGetIssuerCert or UnableToGetIssuerCertLocally or DepthZeroSelfSigned or SelfSignedInChain
            or UnableToVerifyLeafSignature => TlsFailureReason.UnknownCa,
        CertHasExpired or CertNotYetValid => TlsFailureReason.CertificateExpired,
        _ => TlsFailureReason.BadCertificate,
    };

    private static TlsFailureReason FromPeerAlert(int alert) => alert switch
    {
        AlertUnknownCa => TlsFailureReason.UnknownCa,
        AlertBadCertificate => TlsFailureReason.BadCertificate,
        AlertCertificateExpired => TlsFailureReason.CertificateExpired,
        AlertProtocolVersion => TlsFailureReason.ProtocolVersion,
        AlertCertificateRequired => TlsFailureReason.CertificateRequired,
        AlertNoApplicationProtocol => TlsFailureReason.NoApplicationProtocol,
        AlertUnrecognizedName => TlsFailureReason.UnrecognizedName,
        _ => TlsFailureReason.PeerAlert,
    };
}
