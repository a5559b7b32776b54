using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using TlsGateway.Interop;

namespace TlsGateway.Ca;

/// <summary>
/// A BouncyCastle signature factory whose signatures come from OpenSSL: BouncyCastle builds the
/// TBSCertificate / TBSCertList / ResponseData, OpenSSL signs it with a key that never leaves
/// OpenSSL or the PKCS#11 token. Thread-safe: each calculator is independent, and OpenSSL
/// allows concurrent signing with one EVP_PKEY.
/// </summary>
public sealed class CaSigner : ISignatureFactory, IDisposable
{
    private readonly SafePrivateKeyHandle _key;
    private byte[]? _algorithmDer;

    /// <summary>Takes ownership of <paramref name="key"/>, also when it throws (an unsupported key is released at once).</summary>
    public CaSigner(SafePrivateKeyHandle key)
    {
        _key = key;
        try
        {
            PublicKeyInfo = NativeSigning.ExportPublicKey(key);
            KeyType = CaKeyType.FromKey(key, PublicKeyInfo);
        }
        catch
        {
            // A token key's handle holds a PKCS#11 session: do not leave it to the finalizer.
            key.Dispose();
            throw;
        }

        // RFC 4055 §5: the parameters of sha*WithRSAEncryption are NULL; RFC 5758 §3.2: ECDSA
        // signature identifiers have absent parameters (and so does SM2-with-SM3).
        Algorithm = KeyType.IsRsa
            ? new AlgorithmIdentifier(new DerObjectIdentifier(KeyType.SignatureOid), DerNull.Instance)
            : new AlgorithmIdentifier(new DerObjectIdentifier(KeyType.SignatureOid));
    }

    public CaKeyType KeyType { get; }

    /// <summary>DER SubjectPublicKeyInfo of the signing key.</summary>
    public byte[] PublicKeyInfo { get; }

    public AlgorithmIdentifier Algorithm { get; }

    /// <summary><see cref="Algorithm"/> as DER, computed once.</summary>
    public byte[] AlgorithmDer => _algorithmDer ??= Algorithm.GetDerEncoded();

    public object AlgorithmDetails => Algorithm;

    public IStreamCalculator CreateCalculator() => new Calculator(this);

    /// <summary>Signs raw bytes with the CA key (used for data BouncyCastle does not frame).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) =>
        NativeSigning.Sign(_key, KeyType.DigestName, data, KeyType.IsSm2 ? NativeSigning.Sm2DefaultId : default);

    /// <summary>The key as encrypted PKCS#8 PEM (OpenSSL does the encryption; only ciphertext reaches managed memory).</summary>
    public string ExportEncrypted(ReadOnlySpan<byte> passphrase, int kdfIterations = NativeSigning.DefaultKdfIterations) =>
        NativeSigning.ExportEncryptedPkcs8(_key, passphrase, kdfIterations);

    public void Dispose() => _key.Dispose();

    // BouncyCastle streams the to-be-signed DER into Stream, then asks for the result once.
    private sealed class Calculator(CaSigner signer) : IStreamCalculator
    {
        private readonly MemoryStream _buffer = new(1024);

        public Stream Stream => _buffer;

        // BouncyCastle closes Stream before asking for the result; ToArray still works on a closed MemoryStream.
        public object GetResult() => new Signature(signer.Sign(_buffer.ToArray()));
    }

    private sealed class Signature(byte[] value) : IBlockResult
    {
        public byte[] Collect() => value;

        public int Collect(byte[] destination, int offset)
        {
            value.CopyTo(destination, offset);
            return value.Length;
        }
    }
}
