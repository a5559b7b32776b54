using System.Security.Cryptography;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// A server's first flight written here from the engine's public parts (key schedule, record
/// protection, codec) rather than by <see cref="ManagedTlsConnection"/>, so a test can get a flight the
/// managed server would never send: TLS_AES_128_GCM_SHA256 over secp256r1 with the ECDSA server
/// certificate of <see cref="ClientTestPki"/>, and optionally a Finished with one bit flipped.
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

        using Tls13Hash transcript = suite.CreateTranscriptHash();
        transcript.AppendData(helloMessage);
        byte[] serverHello = ServerHello.Create(RandomNumberGenerator.GetBytes(32), hello.LegacySessionId, suite.Id,
            new KeyShareEntry(NamedGroup.Secp256r1, serverShare)).ToMessage();
        transcript.AppendData(serverHello);
        using KeyScheduleHandshake handshake = KeyScheduleEarly.WithoutPsk(suite).IntoHandshake(shared);
        using Tls13Secret serverSecret = handshake.DeriveServerHandshakeTrafficSecret(transcript.GetCurrentHash());
        using RecordProtection keys = serverSecret.CreateRecordProtection();

        var output = new List<byte>(HandshakeSamples.InRecords(serverHello, recordVersion: 0x0303));
        void Send(byte[] message)
        {
            transcript.AppendData(message);
            byte[] record = new byte[keys.GetSealedLength(message.Length)];
            keys.Seal(ContentType.Handshake, message, record);
            output.AddRange(record);
        }

        Send(new EncryptedExtensions([]).ToMessage());
        Send(new Certificate(ReadOnlyMemory<byte>.Empty, [.. pki.Read("ecdsa-server.pem").Select(der => new CertificateEntry(der))]).ToMessage());

        // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
        byte[] content = [.. Enumerable.Repeat((byte)0x20, 64), .. "TLS 1.3, server CertificateVerify"u8, 0, .. transcript.GetCurrentHash()];
        byte[] signature = pki.EcdsaServerKey.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        Send(new CertificateVerify(SignatureScheme.EcdsaSecp256r1Sha256, signature).ToMessage());

        byte[] verifyData = serverSecret.ComputeVerifyData(transcript.GetCurrentHash());
        if (corruptFinished)
        {
            verifyData[^1] ^= 0x01;
        }

        Send(new Finished(verifyData).ToMessage());
        return [.. output];
    }
}
