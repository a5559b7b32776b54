using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Crypto;
using TlsGateway.Crypto.ShangMi;
using TlsGateway.Edge.Config;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Edge;

/// <summary>
/// An SM2 certificate chain and its key, served by the managed ShangMi engine (RFC 8998): OpenSSL
/// 3.0's libssl refuses SM2 certificates, so a configured certificate whose leaf holds an SM2 key
/// goes here instead of into an OpenSSL context. The key must be a plain PKCS#8 PEM file (what
/// `openssl genpkey -algorithm SM2` and `tlsgw cert issue --key-type sm2` write); passphrases and
/// PKCS#11 tokens are not supported for SM2 keys yet.
/// </summary>
public sealed class ShangMiCertificate : IDisposable
{
    private const int MaxKeyFileBytes = 64 * 1024;

    // id-ecPublicKey with the SM2 curve (GB/T 35276), and the SM2 algorithm OID some issuers put
    // in SubjectPublicKeyInfo directly.
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string Sm2CurveOid = "1.2.156.10197.1.301";
    private static readonly byte[] s_sm2CurveParameter = [0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D];

    private readonly Sm2Key _key;

    private ShangMiCertificate(IReadOnlyList<byte[]> chain, Sm2Key key, X509Certificate2 leaf)
    {
        _key = key;
        Leaf = leaf;
        Credential = new Sm2ServerCredential(chain, key);
    }

    public Sm2ServerCredential Credential { get; }

    public X509Certificate2 Leaf { get; }

    public DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime());

    /// <summary>Whether the first certificate of a PEM chain file holds an SM2 public key.</summary>
    public static bool IsSm2(string certificatePath)
    {
        byte[] pem = PemFile.Read(certificatePath, CertificateKeyPair.MaxChainFileBytes, "certificate");
        using X509Certificate2 leaf = ReadChain(pem, certificatePath)[0];
        return IsSm2(leaf);
    }

    public static bool IsSm2(X509Certificate2 certificate) =>
        certificate.PublicKey.Oid.Value == Sm2CurveOid
        || (certificate.PublicKey.Oid.Value == EcPublicKeyOid
            && certificate.PublicKey.EncodedParameters?.RawData is { } parameters && parameters.AsSpan().SequenceEqual(s_sm2CurveParameter));

    /// <summary>Loads the chain and key of <paramref name="config"/>; the key must belong to the leaf.</summary>
    public static ShangMiCertificate Load(CertificateConfig config)
    {
        if (config.KeyPassphrase is not null || config.Pkcs11Module is not null || PrivateKeySource.IsUri(config.Key))
        {
            throw new CryptoConfigurationException(
                $"certificate '{config.CertificateFile}' has an SM2 key, which must be a plain PKCS#8 PEM file (no passphrase, no PKCS#11 token, no store URI)");
        }

        byte[] pem = PemFile.Read(config.CertificateFile, CertificateKeyPair.MaxChainFileBytes, "certificate");
        X509Certificate2[] chain = ReadChain(pem, config.CertificateFile);
        Sm2Key? key = null;
        try
        {
            key = ReadKey(config.Key);
            byte[] point = key.ExportPublicPoint();
            if (!CryptographicOperations.FixedTimeEquals(point, chain[0].PublicKey.EncodedKeyValue.RawData))
            {
                throw new CryptoConfigurationException($"key '{config.Key}' does not belong to the SM2 certificate in '{config.CertificateFile}'");
            }

            var certificate = new ShangMiCertificate(chain.Select(c => c.RawData).ToArray(), key, chain[0]);
            foreach (X509Certificate2 issuer in chain.Skip(1))
            {
                issuer.Dispose();
            }

            return certificate;
        }
        catch
        {
            key?.Dispose();
            foreach (X509Certificate2 certificate in chain)
            {
                certificate.Dispose();
            }

            throw;
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        Leaf.Dispose();
    }

    private static X509Certificate2[] ReadChain(byte[] pem, string path)
    {
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(System.Text.Encoding.ASCII.GetString(pem));
        }
        catch (CryptographicException e)
        {
            throw new CryptoConfigurationException($"cannot parse certificate '{path}': {e.Message}", e);
        }

        if (chain.Count == 0)
        {
            throw new CryptoConfigurationException($"certificate file '{path}' holds no PEM certificate");
        }

        return [.. chain];
    }

    private static Sm2Key ReadKey(string path)
    {
        byte[] bytes = PemFile.Read(path, MaxKeyFileBytes, "private key");
        char[] text = new char[bytes.Length];
        try
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                text[i] = (char)bytes[i];
            }

            Sm2Key key = Sm2Key.ImportFromPem(text);
            if (!key.HasPrivateKey)
            {
                key.Dispose();
                throw new CryptoConfigurationException($"'{path}' holds a public key, not the SM2 private key");
            }

            return key;
        }
        catch (CryptographicException e)
        {
            // The message names the problem (label, encoding), never the key's bytes.
            throw new CryptoConfigurationException($"cannot read SM2 private key '{path}': {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            Array.Clear(text);
        }
    }
}
