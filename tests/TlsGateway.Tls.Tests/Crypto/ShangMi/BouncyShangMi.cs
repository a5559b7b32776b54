using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities;

namespace TlsGateway.Crypto.Tests.ShangMi;

/// <summary>
/// Bouncy Castle's SM2/SM3/SM4: an implementation that shares no code with OpenSSL, used as
/// the second opinion every cross-check compares against.
/// </summary>
internal static class BouncyShangMi
{
    public static readonly X9ECParameters Curve = GMNamedCurves.GetByName("sm2p256v1");

    public static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);

    private static readonly SecureRandom s_random = new();

    public static byte[] Sm3(ReadOnlySpan<byte> data)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(data.ToArray(), 0, data.Length);
        byte[] output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] HmacSm3(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var hmac = new HMac(new SM3Digest());
        hmac.Init(new KeyParameter(key.ToArray()));
        hmac.BlockUpdate(data.ToArray(), 0, data.Length);
        byte[] output = new byte[32];
        hmac.DoFinal(output, 0);
        return output;
    }

    public static byte[] HkdfSm3(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int length)
    {
        var hkdf = new HkdfBytesGenerator(new SM3Digest());
        hkdf.Init(new HkdfParameters(ikm.ToArray(), salt.IsEmpty ? null : salt.ToArray(), info.ToArray()));
        byte[] output = new byte[length];
        hkdf.GenerateBytes(output, 0, length);
        return output;
    }

    public static byte[] Sm4EncryptBlock(ReadOnlySpan<byte> key, ReadOnlySpan<byte> block)
    {
        var engine = new SM4Engine();
        engine.Init(true, new KeyParameter(key.ToArray()));
        byte[] output = new byte[16];
        engine.ProcessBlock(block.ToArray(), 0, output, 0);
        return output;
    }

    /// <summary>SM4-GCM or SM4-CCM seal: ciphertext || 16-byte tag.</summary>
    public static byte[] Seal(bool ccm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        IAeadBlockCipher cipher = ccm ? new CcmBlockCipher(new SM4Engine()) : new GcmBlockCipher(new SM4Engine());
        cipher.Init(true, new AeadParameters(new KeyParameter(key.ToArray()), 128, nonce.ToArray(), aad.ToArray()));
        byte[] output = new byte[cipher.GetOutputSize(plaintext.Length)];
        int written = cipher.ProcessBytes(plaintext.ToArray(), 0, plaintext.Length, output, 0);
        cipher.DoFinal(output, written);
        return output;
    }

    public static AsymmetricCipherKeyPair GenerateKeyPair()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(Domain, s_random));
        return generator.GenerateKeyPair();
    }

    public static ECPublicKeyParameters PublicKeyFromPoint(ReadOnlySpan<byte> point) =>
        new(Curve.Curve.DecodePoint(point.ToArray()), Domain);

    public static byte[] Point(ECPublicKeyParameters key) => key.Q.GetEncoded(compressed: false);

    public static byte[] Sign(ECPrivateKeyParameters key, ReadOnlySpan<byte> id, ReadOnlySpan<byte> data)
    {
        var signer = new SM2Signer();
        signer.Init(true, new ParametersWithID(new ParametersWithRandom(key, s_random), id.ToArray()));
        signer.BlockUpdate(data.ToArray(), 0, data.Length);
        return signer.GenerateSignature();
    }

    public static bool Verify(ECPublicKeyParameters key, ReadOnlySpan<byte> id, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var signer = new SM2Signer();
        signer.Init(false, new ParametersWithID(key, id.ToArray()));
        signer.BlockUpdate(data.ToArray(), 0, data.Length);
        return signer.VerifySignature(signature.ToArray());
    }

    public static byte[] Agree(ECPrivateKeyParameters key, ReadOnlySpan<byte> peerPoint)
    {
        var agreement = new ECDHBasicAgreement();
        agreement.Init(key);
        BigInteger x = agreement.CalculateAgreement(PublicKeyFromPoint(peerPoint));
        return BigIntegers.AsUnsignedByteArray(32, x);
    }

    /// <summary>A PKCS#8 PrivateKeyInfo naming the sm2p256v1 curve, as other SM2 tools write it.</summary>
    public static byte[] Pkcs8(BigInteger d) =>
        Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(
            new ECPrivateKeyParameters("EC", d, GMObjectIdentifiers.sm2p256v1)).GetDerEncoded();
}
