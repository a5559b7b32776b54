using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using TlsGateway.Crypto.ShangMi;
using TlsGateway.Interop;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class Sm2KeyTests
{
    // The signature example on the recommended curve published with GB/T 32918.2-2016 (also
    // GM/T 0003.5): message "message digest", ID "1234567812345678".
    private const string PublishedPrivateKey = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    private static readonly byte[] s_publishedPoint = Convert.FromHexString(
        "04" + "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
             + "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13");
    private static readonly byte[] s_publishedSignature = new DerSequence(
        new DerInteger(new BigInteger("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3", 16)),
        new DerInteger(new BigInteger("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA", 16))).GetDerEncoded();
    private static readonly byte[] s_message = "message digest"u8.ToArray();

    [Fact]
    public void Sm2_verifies_the_published_GB_T_32918_signature_example()
    {
        using Sm2Key key = Sm2Key.ImportPublicPoint(s_publishedPoint);

        Assert.False(key.HasPrivateKey);
        Assert.True(key.VerifyData(s_message, s_publishedSignature, Sm2DistinguishingId.Default));
    }

    [Fact]
    public void The_published_signature_fails_under_another_id_or_message()
    {
        using Sm2Key key = Sm2Key.ImportPublicPoint(s_publishedPoint);

        Assert.False(key.VerifyData(s_message, s_publishedSignature, Sm2DistinguishingId.Tls13));
        Assert.False(key.VerifyData(s_message, s_publishedSignature, []));
        Assert.False(key.VerifyData("message digesT"u8, s_publishedSignature, Sm2DistinguishingId.Default));
    }

    [Fact]
    public void The_published_private_key_imports_from_pkcs8_to_the_published_public_point_and_signs()
    {
        byte[] pkcs8 = BouncyShangMi.Pkcs8(new BigInteger(PublishedPrivateKey, 16));
        using Sm2Key key = Sm2Key.ImportPkcs8PrivateKey(pkcs8);

        Assert.True(key.HasPrivateKey);
        Assert.Equal(s_publishedPoint, key.ExportPublicPoint());
        byte[] signature = key.SignData(s_message, Sm2DistinguishingId.Default);
        Assert.True(BouncyShangMi.Verify(BouncyShangMi.PublicKeyFromPoint(s_publishedPoint), Sm2DistinguishingId.Default, s_message, signature));
    }

    [Theory]
    [InlineData("1234567812345678")]
    [InlineData("TLSv1.3+GM+Cipher+Suite")]
    [InlineData("")]
    public void Our_signature_verifies_in_bouncy_castle_under_the_same_id_only(string id)
    {
        byte[] idBytes = System.Text.Encoding.ASCII.GetBytes(id);
        using Sm2Key key = Sm2Key.Generate();
        ECPublicKeyParameters publicKey = BouncyShangMi.PublicKeyFromPoint(key.ExportPublicPoint());
        byte[] data = RandomNumberGenerator.GetBytes(100);

        byte[] signature = key.SignData(data, idBytes);

        Assert.True(BouncyShangMi.Verify(publicKey, idBytes, data, signature));
        Assert.False(BouncyShangMi.Verify(publicKey, "wrong id"u8, data, signature));
        Assert.True(key.VerifyData(data, signature, idBytes));
    }

    [Theory]
    [InlineData("1234567812345678")]
    [InlineData("TLSv1.3+GM+Cipher+Suite")]
    public void A_bouncy_castle_signature_verifies_here_under_the_same_id_only(string id)
    {
        byte[] idBytes = System.Text.Encoding.ASCII.GetBytes(id);
        AsymmetricCipherKeyPair pair = BouncyShangMi.GenerateKeyPair();
        using Sm2Key key = Sm2Key.ImportPublicPoint(BouncyShangMi.Point((ECPublicKeyParameters)pair.Public));
        byte[] data = RandomNumberGenerator.GetBytes(33);

        byte[] signature = BouncyShangMi.Sign((ECPrivateKeyParameters)pair.Private, idBytes, data);

        Assert.True(key.VerifyData(data, signature, idBytes));
        Assert.False(key.VerifyData(data, signature, "wrong id"u8));
    }

    [Fact]
    public void Signatures_are_der_and_randomised()
    {
        using Sm2Key key = Sm2Key.Generate();
        byte[] first = key.SignData(s_message, Sm2DistinguishingId.Tls13);
        byte[] second = key.SignData(s_message, Sm2DistinguishingId.Tls13);

        Assert.Equal(0x30, first[0]);
        Assert.InRange(first.Length, 8, 72);
        Assert.NotEqual(first, second);
        var sequence = (Asn1Sequence)Asn1Object.FromByteArray(first);
        Assert.Equal(2, sequence.Count);
    }

    [Fact]
    public void A_malformed_signature_is_just_invalid()
    {
        using Sm2Key key = Sm2Key.Generate();
        byte[] signature = key.SignData(s_message, Sm2DistinguishingId.Default);

        Assert.False(key.VerifyData(s_message, [], Sm2DistinguishingId.Default));
        Assert.False(key.VerifyData(s_message, signature.AsSpan(0, signature.Length - 1), Sm2DistinguishingId.Default));
        Assert.False(key.VerifyData(s_message, [.. signature, 0], Sm2DistinguishingId.Default));
        Assert.False(key.VerifyData(s_message, new byte[64], Sm2DistinguishingId.Default));
    }

    [Fact]
    public void Pkcs8_and_spki_exports_round_trip_here_and_parse_in_bouncy_castle()
    {
        using Sm2Key key = Sm2Key.Generate();
        byte[] point = key.ExportPublicPoint();
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        byte[] spki = key.ExportSubjectPublicKeyInfo();

        using Sm2Key fromPkcs8 = Sm2Key.ImportPkcs8PrivateKey(pkcs8);
        using Sm2Key fromSpki = Sm2Key.ImportSubjectPublicKeyInfo(spki);
        Assert.Equal(point, fromPkcs8.ExportPublicPoint());
        Assert.Equal(point, fromSpki.ExportPublicPoint());
        Assert.False(fromSpki.HasPrivateKey);
        Assert.True(fromSpki.VerifyData(s_message, fromPkcs8.SignData(s_message, Sm2DistinguishingId.Default), Sm2DistinguishingId.Default));

        var bcPrivate = (ECPrivateKeyParameters)Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(pkcs8);
        var bcPublic = (ECPublicKeyParameters)Org.BouncyCastle.Security.PublicKeyFactory.CreateKey(spki);
        Assert.Equal(point, bcPrivate.Parameters.G.Multiply(bcPrivate.D).Normalize().GetEncoded(false));
        Assert.Equal(point, BouncyShangMi.Point(bcPublic));
        CryptographicOperations.ZeroMemory(pkcs8);
    }

    [Fact]
    public void A_bouncy_castle_spki_imports_here()
    {
        AsymmetricCipherKeyPair pair = BouncyShangMi.GenerateKeyPair();
        byte[] spki = Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(
            new ECPublicKeyParameters("EC", ((ECPublicKeyParameters)pair.Public).Q, Org.BouncyCastle.Asn1.GM.GMObjectIdentifiers.sm2p256v1)).GetDerEncoded();

        using Sm2Key key = Sm2Key.ImportSubjectPublicKeyInfo(spki);

        Assert.Equal(BouncyShangMi.Point((ECPublicKeyParameters)pair.Public), key.ExportPublicPoint());
    }

    [Fact]
    public void Pem_exports_round_trip()
    {
        using Sm2Key key = Sm2Key.Generate();
        string privatePem = key.ExportPkcs8PrivateKeyPem();
        string publicPem = key.ExportSubjectPublicKeyInfoPem();

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", privatePem);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", publicPem);
        using Sm2Key fromPrivate = Sm2Key.ImportFromPem(privatePem);
        using Sm2Key fromPublic = Sm2Key.ImportFromPem(publicPem);
        Assert.True(fromPrivate.HasPrivateKey);
        Assert.False(fromPublic.HasPrivateKey);
        Assert.Equal(key.ExportPublicPoint(), fromPublic.ExportPublicPoint());
        Assert.Equal(key.ExportPublicPoint(), fromPrivate.ExportPublicPoint());
    }

    [Fact]
    public void Pem_with_another_label_or_no_block_is_refused()
    {
        using Sm2Key key = Sm2Key.Generate();
        string sec1 = key.ExportPkcs8PrivateKeyPem().Replace("PRIVATE KEY", "EC PRIVATE KEY");

        Assert.Throws<CryptographicException>(() => Sm2Key.ImportFromPem(sec1));
        Assert.Throws<CryptographicException>(() => Sm2Key.ImportFromPem("not a key"));
    }

    [Fact]
    public void A_p256_key_is_not_taken_for_an_sm2_key()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var privateError = Assert.Throws<OpenSslException>(() => Sm2Key.ImportPkcs8PrivateKey(p256.ExportPkcs8PrivateKey()));
        var publicError = Assert.Throws<OpenSslException>(() => Sm2Key.ImportSubjectPublicKeyInfo(p256.ExportSubjectPublicKeyInfo()));
        Assert.Contains("not an SM2", privateError.Message);
        Assert.Contains("not an SM2", publicError.Message);
    }

    [Fact]
    public void Der_with_trailing_bytes_or_garbage_is_refused()
    {
        using Sm2Key key = Sm2Key.Generate();
        byte[] spki = key.ExportSubjectPublicKeyInfo();

        Assert.Throws<OpenSslException>(() => Sm2Key.ImportSubjectPublicKeyInfo([.. spki, 0]));
        Assert.Throws<OpenSslException>(() => Sm2Key.ImportPkcs8PrivateKey([.. key.ExportPkcs8PrivateKey(), 0]));
        Assert.Throws<OpenSslException>(() => Sm2Key.ImportPkcs8PrivateKey(RandomNumberGenerator.GetBytes(121)));
        Assert.Throws<OpenSslException>(() => Sm2Key.ImportSubjectPublicKeyInfo([]));
    }

    [Fact]
    public void A_public_key_cannot_sign_or_export_a_private_key()
    {
        using Sm2Key key = Sm2Key.ImportPublicPoint(s_publishedPoint);

        Assert.Throws<InvalidOperationException>(() => key.SignData(s_message, Sm2DistinguishingId.Default));
        Assert.Throws<InvalidOperationException>(() => key.ExportPkcs8PrivateKey());
    }

    [Fact]
    public void A_point_off_the_curve_or_of_the_wrong_shape_is_refused_as_a_public_key()
    {
        byte[] offCurve = s_publishedPoint.ToArray();
        offCurve[^1] ^= 1;
        byte[] compressed = [(byte)(2 | (s_publishedPoint[^1] & 1)), .. s_publishedPoint.AsSpan(1, 32)];

        Assert.Throws<Sm2PointException>(() => Sm2Key.ImportPublicPoint(offCurve));
        Assert.Throws<Sm2PointException>(() => Sm2Key.ImportPublicPoint(compressed));
        Assert.Throws<Sm2PointException>(() => Sm2Key.ImportPublicPoint([0]));
        Assert.Throws<Sm2PointException>(() => Sm2Key.ImportPublicPoint(s_publishedPoint.AsSpan(1)));
    }

    [Fact]
    public void An_id_longer_than_openssl_takes_is_refused_before_reaching_it()
    {
        // GB/T 32918.2 §5.5 counts the ID in bits in two bytes (8191 bytes at most); OpenSSL 3.0
        // stops one byte short of that.
        using Sm2Key key = Sm2Key.Generate();

        Assert.Throws<ArgumentException>(() => key.SignData(s_message, new byte[8191]));
        Assert.Throws<ArgumentException>(() => key.VerifyData(s_message, new byte[70], new byte[8191]));
        Assert.True(key.VerifyData(s_message, key.SignData(s_message, new byte[8190]), new byte[8190]));
    }
}
