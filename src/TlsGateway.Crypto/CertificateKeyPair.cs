using System.Security.Cryptography.X509Certificates;
using TlsGateway.Interop;

namespace TlsGateway.Crypto;

/// <summary>
/// A served certificate: the chain OpenSSL sends (leaf first) and the key that signs for it.
/// <see cref="Leaf"/> is a managed copy of the leaf for names, expiry and logs; it holds no key.
/// </summary>
public sealed class CertificateKeyPair : IDisposable
{
    public const int MaxChainFileBytes = 1024 * 1024;

    private CertificateKeyPair(SafeCertificateChainHandle chain, SafePrivateKeyHandle key, X509Certificate2 leaf, string description)
    {
        Chain = chain;
        Key = key;
        Leaf = leaf;
        Description = description;
    }

    public SafeCertificateChainHandle Chain { get; }

    public SafePrivateKeyHandle Key { get; }

    public X509Certificate2 Leaf { get; }

    /// <summary>Where it came from, for logs: "cert.pem + key.pem".</summary>
    public string Description { get; }

    public DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime());

    /// <summary>Loads a PEM chain file and its key. The key is checked against the leaf when installed in a context.</summary>
    public static CertificateKeyPair Load(string certificatePath, PrivateKeySource keySource)
    {
        byte[] pem = PemFile.Read(certificatePath, MaxChainFileBytes, "certificate");
        SafeCertificateChainHandle? chain = null;
        SafePrivateKeyHandle? key = null;
        try
        {
            chain = NativeCertificates.LoadChain(pem, $"'{certificatePath}'");
            X509Certificate2 leaf = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(pem));
            key = PrivateKeyLoader.Load(keySource);
            return new CertificateKeyPair(chain, key, leaf, $"{certificatePath} + {keySource.Describe()}");
        }
        catch (OpenSslException e)
        {
            chain?.Dispose();
            key?.Dispose();
            throw new CryptoConfigurationException(e.Message, e);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            chain?.Dispose();
            key?.Dispose();
            throw new CryptoConfigurationException($"cannot parse certificate '{certificatePath}': {e.Message}", e);
        }
        catch
        {
            chain?.Dispose();
            key?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A chain and key held in memory: for a key this process generated and that never touches a
    /// disk (the CA API's own serving key). The caller wipes <paramref name="keyPem"/> afterwards.
    /// </summary>
    public static CertificateKeyPair FromPem(ReadOnlySpan<byte> chainPem, ReadOnlySpan<byte> keyPem, string description)
    {
        SafeCertificateChainHandle? chain = null;
        SafePrivateKeyHandle? key = null;
        try
        {
            chain = NativeCertificates.LoadChain(chainPem, description);
            key = NativeKeys.LoadPem(keyPem, default, hasPassphrase: false, description);
            X509Certificate2 leaf = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(chainPem));
            return new CertificateKeyPair(chain, key, leaf, description);
        }
        catch (OpenSslException e)
        {
            chain?.Dispose();
            key?.Dispose();
            throw new CryptoConfigurationException(e.Message, e);
        }
        catch
        {
            chain?.Dispose();
            key?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Chain.Dispose();
        Key.Dispose();
        Leaf.Dispose();
    }
}
