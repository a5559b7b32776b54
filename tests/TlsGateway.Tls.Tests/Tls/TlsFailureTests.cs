using TlsGateway.Interop;

namespace TlsGateway.Tls.Tests;

public class TlsFailureTests
{
    // X509_V_ERR_* from openssl/x509_vfy.h.
    private const int VerifyOk = 0;
    private const int UnableToGetIssuerCert = 2;
    private const int CertNotYetValid = 9;
    private const int CertHasExpired = 10;
    private const int DepthZeroSelfSigned = 18;
    private const int SelfSignedInChain = 19;
    private const int UnableToGetIssuerCertLocally = 20;
    private const int UnableToVerifyLeafSignature = 21;
    private const int UnableToGetCrl = 3;
    private const int CrlSignatureFailure = 8;
    private const int CrlNotYetValid = 11;
    private const int CrlHasExpired = 12;
    private const int CertRevoked = 23;
    private const int UnableToGetCrlIssuer = 33;
    private const int HostnameMismatch = 62;

    // ERR_LIB_EVP; anything that is not libssl.
    private const int LibEvp = 6;

    private static OpenSslError Ssl(int reason, string text = "error:0A000000:SSL routines::test") => new(OpenSslError.LibSsl, reason, text);

    private static OpenSslError Ssl(OpenSslReason reason) => Ssl((int)reason, $"error:SSL routines::{reason}");

    [Theory]
    [InlineData(UnableToGetIssuerCert, TlsFailureReason.UnknownCa)]
    [InlineData(UnableToGetIssuerCertLocally, TlsFailureReason.UnknownCa)]
    [InlineData(DepthZeroSelfSigned, TlsFailureReason.UnknownCa)]
    [InlineData(SelfSignedInChain, TlsFailureReason.UnknownCa)]
    [InlineData(UnableToVerifyLeafSignature, TlsFailureReason.UnknownCa)]
    [InlineData(CertHasExpired, TlsFailureReason.CertificateExpired)]
    [InlineData(CertNotYetValid, TlsFailureReason.CertificateExpired)]
    [InlineData(CertRevoked, TlsFailureReason.CertificateRevoked)]
    [InlineData(UnableToGetCrl, TlsFailureReason.RevocationUnknown)]
    [InlineData(CrlHasExpired, TlsFailureReason.RevocationUnknown)]
    [InlineData(CrlNotYetValid, TlsFailureReason.RevocationUnknown)]
    [InlineData(CrlSignatureFailure, TlsFailureReason.RevocationUnknown)]
    [InlineData(UnableToGetCrlIssuer, TlsFailureReason.RevocationUnknown)]
    [InlineData(HostnameMismatch, TlsFailureReason.BadCertificate)]
    [InlineData(VerifyOk, TlsFailureReason.BadCertificate)]
    public void A_failed_certificate_verification_is_classified_by_the_verify_result(int verifyResult, TlsFailureReason expected)
    {
        TlsFailure failure = TlsFailure.Classify([Ssl(OpenSslReason.CertificateVerifyFailed)], verifyResult, denial: null, unrecognizedName: false);

        Assert.Equal(expected, failure.Reason);
    }

    [Theory]
    [InlineData(48, TlsFailureReason.UnknownCa)]
    [InlineData(42, TlsFailureReason.BadCertificate)]
    [InlineData(45, TlsFailureReason.CertificateExpired)]
    [InlineData(44, TlsFailureReason.CertificateRevoked)]
    [InlineData(70, TlsFailureReason.ProtocolVersion)]
    [InlineData(116, TlsFailureReason.CertificateRequired)]
    [InlineData(120, TlsFailureReason.NoApplicationProtocol)]
    [InlineData(112, TlsFailureReason.UnrecognizedName)]
    [InlineData(40, TlsFailureReason.PeerAlert)]
    [InlineData(80, TlsFailureReason.PeerAlert)]
    public void An_alert_from_the_peer_is_classified_by_its_description(int alert, TlsFailureReason expected)
    {
        TlsFailure failure = TlsFailure.Classify([Ssl((int)OpenSslReason.AlertBase + alert)], VerifyOk, denial: null, unrecognizedName: false);

        Assert.Equal(expected, failure.Reason);
    }

    [Theory]
    [InlineData(OpenSslReason.PeerDidNotReturnCertificate, TlsFailureReason.CertificateRequired)]
    [InlineData(OpenSslReason.NoSharedCipher, TlsFailureReason.NoSharedCipher)]
    [InlineData(OpenSslReason.NoApplicationProtocol, TlsFailureReason.NoApplicationProtocol)]
    [InlineData(OpenSslReason.UnsupportedProtocol, TlsFailureReason.ProtocolVersion)]
    [InlineData(OpenSslReason.NoProtocolsAvailable, TlsFailureReason.ProtocolVersion)]
    [InlineData(OpenSslReason.HttpRequest, TlsFailureReason.PlaintextHttp)]
    [InlineData(OpenSslReason.WrongVersionNumber, TlsFailureReason.Malformed)]
    [InlineData(OpenSslReason.PacketLengthTooLong, TlsFailureReason.Malformed)]
    [InlineData(OpenSslReason.BadPacketLength, TlsFailureReason.Malformed)]
    [InlineData(OpenSslReason.UnexpectedMessage, TlsFailureReason.Malformed)]
    [InlineData(OpenSslReason.UnexpectedEofWhileReading, TlsFailureReason.PeerClosed)]
    public void A_local_libssl_error_is_classified_by_its_reason(OpenSslReason reason, TlsFailureReason expected)
    {
        TlsFailure failure = TlsFailure.Classify([Ssl(reason)], VerifyOk, denial: null, unrecognizedName: false);

        Assert.Equal(expected, failure.Reason);
    }

    [Fact]
    public void An_unmapped_libssl_reason_is_a_decode_problem()
    {
        TlsFailure failure = TlsFailure.Classify([Ssl(159, "error:0A00009F:SSL routines::length mismatch")], VerifyOk, denial: null, unrecognizedName: false);

        Assert.Equal(TlsFailureReason.Malformed, failure.Reason);
    }

    [Fact]
    public void The_first_classifiable_error_in_the_queue_decides()
    {
        OpenSslError[] errors = [new(LibEvp, 100, "error:evp"), Ssl(159), Ssl(OpenSslReason.NoSharedCipher), Ssl(OpenSslReason.HttpRequest)];

        TlsFailure failure = TlsFailure.Classify(errors, VerifyOk, denial: null, unrecognizedName: false);

        Assert.Equal(TlsFailureReason.NoSharedCipher, failure.Reason);
    }

    [Fact]
    public void An_authorizer_denial_wins_over_everything_and_is_the_detail()
    {
        TlsFailure failure = TlsFailure.Classify([Ssl(OpenSslReason.CertificateVerifyFailed)], UnableToGetIssuerCertLocally,
            denial: "peer 'spiffe://example.org/x' is not allowed", unrecognizedName: true);

        Assert.Equal(TlsFailureReason.AuthorizationDenied, failure.Reason);
        Assert.Equal("peer 'spiffe://example.org/x' is not allowed", failure.Detail);
    }

    [Fact]
    public void A_refused_server_name_is_unrecognized_name_whatever_openssl_reported()
    {
        TlsFailure failure = TlsFailure.Classify([Ssl(234, "error:0A0000EA:SSL routines::callback failed")], VerifyOk, denial: null, unrecognizedName: true);

        Assert.Equal(TlsFailureReason.UnrecognizedName, failure.Reason);
        Assert.Contains("callback failed", failure.Detail);
    }

    [Fact]
    public void Errors_from_other_libraries_only_are_other()
    {
        TlsFailure failure = TlsFailure.Classify([new OpenSslError(LibEvp, 100, "error:06000064:digital envelope routines::bad decrypt")], VerifyOk,
            denial: null, unrecognizedName: false);

        Assert.Equal(TlsFailureReason.Other, failure.Reason);
        Assert.Equal("error:06000064:digital envelope routines::bad decrypt", failure.Detail);
    }

    [Fact]
    public void A_reason_in_the_alert_range_of_another_library_is_not_a_peer_alert()
    {
        TlsFailure failure = TlsFailure.Classify([new OpenSslError(LibEvp, 1048, "error:evp")], VerifyOk, denial: null, unrecognizedName: false);

        Assert.Equal(TlsFailureReason.Other, failure.Reason);
    }

    [Fact]
    public void An_empty_queue_is_other_and_says_nothing_was_recorded()
    {
        TlsFailure failure = TlsFailure.Classify([], VerifyOk, denial: null, unrecognizedName: false);

        Assert.Equal(TlsFailureReason.Other, failure.Reason);
        Assert.Equal("no OpenSSL error recorded", failure.Detail);
    }

    [Fact]
    public void The_detail_keeps_every_openssl_error_text_in_order()
    {
        OpenSslError[] errors = [Ssl(OpenSslReason.NoSharedCipher), new(LibEvp, 1, "second")];

        TlsFailure failure = TlsFailure.Classify(errors, VerifyOk, denial: null, unrecognizedName: false);

        Assert.Equal("error:SSL routines::NoSharedCipher; second", failure.Detail);
    }
}
