using System.Security.Cryptography;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// A server's first flight written here from the engine's public parts (key schedule, record
/// protection, codec) rather than by <see cref="ManagedTlsConnection"/>, so a test can get a flight the
/// managed server would never send: TLS_AES_128_GCM_SHA256 over secp256r1 with the ECDSA server
/// certificate of <see cref="ClientTestPki"/> and optionally a Finished with one bit flipped, or an
/// RFC 8998 flight whose CertificateVerify is signed under a chosen SM2 distinguishing ID.
/// </summary>
public static class ScriptedServerFlight
{
    public static byte[] Answer(byte[] clientHelloRecords, ClientTestPki pki, bool corruptFinished)
    {
        Tls13CipherSuite suite = Tls13CipherSuite.Aes128GcmSha256;
        byte[] helloMessage = clientHelloRecords[5..]; // one record: the ClientHello is far below 2^14
        ClientHello hello = ClientHello.Parse(helloMessage[HandshakeMessage.HeaderLength..]);
        KeyShareEntry clientShare = hello.KeyShares!.Single(s => s.Group == NamedGroup.Secp256r1);

        using var own = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var peer = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = clientShare.KeyExchange[1..33].ToArray(), Y = clientShare.KeyExchange[33..].ToArray() },
        });
        byte[] shared = own.DeriveRawSecretAgreement(peer.PublicKey);
        ECParameters ours = own.ExportParameters(false);
        byte[] serverShare = [0x04, .. ours.Q.X!, .. ours.Q.Y!];
        return Flight(suite, helloMessage, hello, new KeyShareEntry(NamedGroup.Secp256r1, serverShare), shared, pki.Read("ecdsa-server.pem"),
            SignatureScheme.EcdsaSecp256r1Sha256, content => pki.EcdsaServerKey.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            corruptFinished);
    }

    /// <summary>
    /// An RFC 8998 flight (TLS_SM4_GCM_SM3, curveSM2, the SM2 server chain) whose CertificateVerify is
    /// signed under <paramref name="signingId"/>: RFC 8998 §3.2.1 requires "TLSv1.3+GM+Cipher+Suite".
    /// </summary>
    public static byte[] AnswerShangMi(byte[] clientHelloRecords, ClientTestPki pki, byte[] signingId)
    {
        byte[] helloMessage = clientHelloRecords[5..];
        ClientHello hello = ClientHello.Parse(helloMessage[HandshakeMessage.HeaderLength..]);
        KeyShareEntry clientShare = hello.KeyShares!.Single(s => s.Group == NamedGroup.CurveSm2);
        using var own = new Crypto.ShangMi.Sm2KeyExchange();
        byte[] shared = own.DeriveSharedSecret(clientShare.KeyExchange.Span);
        return Flight(Tls13CipherSuite.Sm4GcmSm3, helloMessage, hello, new KeyShareEntry(NamedGroup.CurveSm2, own.KeyShare.ToArray()), shared,
            pki.Read("sm2-server-chain.pem"), SignatureScheme.Sm2SigSm3, content => pki.Sm2ServerKey.SignData(content, signingId), corruptFinished: false);
    }

    private static byte[] Flight(Tls13CipherSuite suite, byte[] helloMessage, ClientHello hello, KeyShareEntry serverShareEntry, byte[] shared,
        List<byte[]> chain, SignatureScheme scheme, Func<byte[], byte[]> sign, bool corruptFinished)
    {
        using Tls13Hash transcript = suite.CreateTranscriptHash();
        transcript.AppendData(helloMessage);
        byte[] serverHello = ServerHello.Create(RandomNumberGenerator.GetBytes(32), hello.LegacySessionId, suite.Id, serverShareEntry).ToMessage();
        transcript.AppendData(serverHello);
        using KeyScheduleHandshake handshake = KeyScheduleEarly.WithoutPsk(suite).IntoHandshake(shared);
        using Tls13Secret serverSecret = handshake.DeriveServerHandshakeTrafficSecret(transcript.GetCurrentHash());
        using RecordProtection keys = serverSecret.CreateRecordProtection();

        var output = new List<byte>(HandshakeSamples.InRecords(serverHello, recordVersion: 0x0303));
        void Send(byte[] message)
        {
            transcript.AppendData(message);
            output.AddRange(TestRecords.Seal(keys, ContentType.Handshake, message));
        }

        Send(new EncryptedExtensions([]).ToMessage());
        Send(new Certificate(ReadOnlyMemory<byte>.Empty, [.. chain.Select(der => new CertificateEntry(der))]).ToMessage());

        // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
        byte[] content = [.. Enumerable.Repeat((byte)0x20, 64), .. "TLS 1.3, server CertificateVerify"u8, 0, .. transcript.GetCurrentHash()];
        Send(new CertificateVerify(scheme, sign(content)).ToMessage());

        byte[] verifyData = serverSecret.ComputeVerifyData(transcript.GetCurrentHash());
        if (corruptFinished)
        {
            verifyData[^1] ^= 0x01;
        }

        Send(new Finished(verifyData).ToMessage());
        return [.. output];
    }
}
