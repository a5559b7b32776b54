using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Rfc8448Trace;

namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>
/// The key schedule (RFC 8446 §7.1, §7.3, §4.4.4, §4.6.1) against every value RFC 8448 §3 prints
/// for TLS_AES_128_GCM_SHA256: the same code runs the SM3 suites, so this is the known answer for
/// the schedule itself.
/// </summary>
public sealed class KeyScheduleRfc8448Tests
{
    private static readonly Tls13CipherSuite s_suite = Tls13CipherSuite.Aes128GcmSha256;

    [Fact]
    public void The_transcript_of_client_hello_and_server_hello_hashes_to_the_published_value()
    {
        using Tls13Hash transcript = s_suite.CreateTranscriptHash();
        transcript.AppendData(ClientHelloMessage);
        transcript.AppendData(ServerHelloMessage);

        Assert.Equal(HelloHash, Convert.ToHexStringLower(transcript.GetCurrentHash()));
    }

    [Fact]
    public void The_early_handshake_and_master_secrets_and_their_derived_salts_match_the_trace()
    {
        Tls13HashAlgorithm sha256 = s_suite.Hash;
        byte[] early = new byte[32];
        sha256.Extract(new byte[32], new byte[32], early);
        Assert.Equal(EarlySecret, Convert.ToHexStringLower(early));

        byte[] derived = new byte[32];
        Tls13KeyDerivation.DeriveSecretOfNoMessages(sha256, early, "derived"u8, derived);
        Assert.Equal(DerivedForHandshake, Convert.ToHexStringLower(derived));

        byte[] handshake = new byte[32];
        sha256.Extract(derived, Hex(SharedSecret), handshake);
        Assert.Equal(HandshakeSecret, Convert.ToHexStringLower(handshake));

        Tls13KeyDerivation.DeriveSecretOfNoMessages(sha256, handshake, "derived"u8, derived);
        Assert.Equal(DerivedForMaster, Convert.ToHexStringLower(derived));

        byte[] master = new byte[32];
        sha256.Extract(derived, new byte[32], master);
        Assert.Equal(MasterSecret, Convert.ToHexStringLower(master));
    }

    [Fact]
    public void The_staged_key_schedule_reproduces_every_traffic_secret_key_and_iv_of_the_trace()
    {
        using Tls13Hash transcript = s_suite.CreateTranscriptHash();
        transcript.AppendData(ClientHelloMessage);
        transcript.AppendData(ServerHelloMessage);
        byte[] helloHash = transcript.GetCurrentHash();

        KeyScheduleEarly early = KeyScheduleEarly.WithoutPsk(s_suite);
        using KeyScheduleHandshake handshake = early.IntoHandshake(Hex(SharedSecret));
        using Tls13Secret clientHandshake = handshake.DeriveClientHandshakeTrafficSecret(helloHash);
        using Tls13Secret serverHandshake = handshake.DeriveServerHandshakeTrafficSecret(helloHash);
        Assert.Equal(ClientHandshakeTrafficSecret, Convert.ToHexStringLower(clientHandshake.Span));
        Assert.Equal(ServerHandshakeTrafficSecret, Convert.ToHexStringLower(serverHandshake.Span));
        AssertKeys(serverHandshake, ServerHandshakeKey, ServerHandshakeIv);
        AssertKeys(clientHandshake, ClientHandshakeKey, ClientHandshakeIv);

        transcript.AppendData(EncryptedExtensionsMessage);
        transcript.AppendData(CertificateMessage);
        transcript.AppendData(CertificateVerifyMessage);
        Assert.Equal(ServerFinishedVerifyData, Convert.ToHexStringLower(serverHandshake.ComputeVerifyData(transcript.GetCurrentHash())));
        transcript.AppendData(ServerFinishedMessage);
        byte[] serverFinishedHash = transcript.GetCurrentHash();

        using KeyScheduleTraffic traffic = handshake.IntoTraffic();
        using Tls13Secret clientApplication = traffic.DeriveClientApplicationTrafficSecret(serverFinishedHash);
        using Tls13Secret serverApplication = traffic.DeriveServerApplicationTrafficSecret(serverFinishedHash);
        using Tls13Secret exporter = traffic.DeriveExporterMasterSecret(serverFinishedHash);
        Assert.Equal(ClientApplicationTrafficSecret, Convert.ToHexStringLower(clientApplication.Span));
        Assert.Equal(ServerApplicationTrafficSecret, Convert.ToHexStringLower(serverApplication.Span));
        Assert.Equal(ExporterMasterSecret, Convert.ToHexStringLower(exporter.Span));
        AssertKeys(serverApplication, ServerApplicationKey, ServerApplicationIv);
        AssertKeys(clientApplication, ClientApplicationKey, ClientApplicationIv);

        byte[] clientFinishedHash = transcript.GetCurrentHash();
        Assert.Equal(ClientFinishedVerifyData, Convert.ToHexStringLower(clientHandshake.ComputeVerifyData(clientFinishedHash)));
        Assert.True(clientHandshake.VerifyVerifyData(clientFinishedHash, Hex(ClientFinishedVerifyData)));
        transcript.AppendData(ClientFinishedMessage);

        using Tls13Secret resumptionMaster = traffic.DeriveResumptionMasterSecret(transcript.GetCurrentHash());
        Assert.Equal(ResumptionMasterSecret, Convert.ToHexStringLower(resumptionMaster.Span));
        using Tls13Secret psk = resumptionMaster.DeriveResumptionPsk([0x00, 0x00]);
        Assert.Equal(ResumptionPsk, Convert.ToHexStringLower(psk.Span));
    }

    [Fact]
    public void A_resumption_psk_gives_the_published_early_secret_binder_key_and_binder()
    {
        using KeyScheduleEarly early = KeyScheduleEarly.WithPsk(s_suite, Hex(ResumptionPsk));
        using Tls13Secret binderKey = early.DeriveResumptionBinderKey();

        Assert.Equal(ResumedBinderKey, Convert.ToHexStringLower(binderKey.Span));
        Assert.Equal(ResumedBinder, Convert.ToHexStringLower(binderKey.ComputeVerifyData(Hex(ResumedBinderHash))));
        Assert.True(binderKey.VerifyVerifyData(Hex(ResumedBinderHash), Hex(ResumedBinder)));

        byte[] earlySecret = new byte[32];
        s_suite.Hash.Extract(new byte[32], Hex(ResumptionPsk), earlySecret);
        Assert.Equal(ResumedEarlySecret, Convert.ToHexStringLower(earlySecret));
    }

    [Fact]
    public void A_finished_with_one_flipped_bit_does_not_verify()
    {
        using Tls13Secret secret = Tls13Secret.Import(s_suite, Hex(ServerHandshakeTrafficSecret));
        byte[] hash = new byte[32];
        byte[] verifyData = secret.ComputeVerifyData(hash);
        verifyData[31] ^= 1;

        Assert.False(secret.VerifyVerifyData(hash, verifyData));
        Assert.False(secret.VerifyVerifyData(hash, verifyData.AsSpan(0, 31)));
    }

    [Fact]
    public void A_stage_that_has_moved_on_refuses_to_derive_and_its_secrets_are_wiped_on_dispose()
    {
        KeyScheduleEarly early = KeyScheduleEarly.WithoutPsk(s_suite);
        using KeyScheduleHandshake handshake = early.IntoHandshake(Hex(SharedSecret));

        Assert.Throws<ObjectDisposedException>(() => early.DeriveResumptionBinderKey());

        Tls13Secret secret = handshake.DeriveServerHandshakeTrafficSecret(new byte[32]);
        secret.Dispose();
        Assert.Throws<ObjectDisposedException>(() => secret.Span.Length);
    }

    [Fact]
    public void Key_update_and_the_exporter_follow_rfc_8446_from_the_trace_secrets()
    {
        // §7.2 and §7.5 have no RFC 8448 values; spell the definitions out with .NET's HKDF.
        using Tls13Secret current = Tls13Secret.Import(s_suite, Hex(ClientApplicationTrafficSecret));
        using Tls13Secret next = current.NextApplicationTrafficSecret();
        byte[] expectedNext = System.Security.Cryptography.HKDF.Expand(System.Security.Cryptography.HashAlgorithmName.SHA256,
            Hex(ClientApplicationTrafficSecret), 32, [0x00, 0x20, 17, .. "tls13 traffic upd"u8, 0x00]);
        Assert.Equal(expectedNext, next.Span.ToArray());

        using Tls13Secret exporter = Tls13Secret.Import(s_suite, Hex(ExporterMasterSecret));
        byte[] material = new byte[20];
        exporter.ExportKeyingMaterial("EXPERIMENTAL test", "context"u8, material);
        byte[] derived = new byte[32];
        Tls13KeyDerivation.DeriveSecretOfNoMessages(s_suite.Hash, Hex(ExporterMasterSecret), "EXPERIMENTAL test"u8, derived);
        byte[] expected = System.Security.Cryptography.HKDF.Expand(System.Security.Cryptography.HashAlgorithmName.SHA256, derived, 20,
            [0x00, 20, 14, .. "tls13 exporter"u8, 32, .. System.Security.Cryptography.SHA256.HashData("context"u8)]);
        Assert.Equal(expected, material);
    }

    private static void AssertKeys(Tls13Secret secret, string key, string iv)
    {
        byte[] actualKey = new byte[secret.Suite.KeyLength];
        byte[] actualIv = new byte[secret.Suite.IvLength];
        Tls13KeyDerivation.DeriveTrafficKeys(secret.Suite, secret.Span, actualKey, actualIv);
        Assert.Equal(key, Convert.ToHexStringLower(actualKey));
        Assert.Equal(iv, Convert.ToHexStringLower(actualIv));
    }
}
