namespace TlsGateway.Interop;

/// <summary>
/// libssl reason codes the engine classifies failures by. Mirrors TlsGwSslReason in
/// native/pal_err.h, where each value is checked against OpenSSL's sslerr.h at compile time.
/// </summary>
public enum OpenSslReason
{
    BadPacketLength = 115,
    CertificateVerifyFailed = 134,
    HttpRequest = 156,
    NoProtocolsAvailable = 191,
    NoSharedCipher = 193,
    PacketLengthTooLong = 198,
    PeerDidNotReturnCertificate = 199,
    NoApplicationProtocol = 235,
    UnexpectedMessage = 244,
    UnsupportedProtocol = 258,
    WrongVersionNumber = 267,
    UnexpectedEofWhileReading = 294,
    AlertBase = 1000,
}
