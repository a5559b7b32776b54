using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Ca;

/// <summary>
/// Lets .NET's <see cref="CertificateRequest"/> sign with an SM2 key it does not know: it frames
/// the CertificationRequestInfo (subject, SubjectPublicKeyInfo, extension request), this signs
/// it SM2-with-SM3 under the default distinguishing ID "1234567812345678" (GB/T 35276, what
/// <see cref="CsrParser"/>, OpenSSL's <c>-vfyopt distid:</c> and Bouncy Castle expect of a CSR).
/// The hash name the request carries is ignored: SM2 signatures always hash with SM3.
/// </summary>
internal sealed class Sm2SignatureGenerator(Sm2Key key) : X509SignatureGenerator
{
    /// <summary>The name a request built for an SM2 key carries; .NET only passes it back to us.</summary>
    public static readonly HashAlgorithmName Sm3 = new("SM3");

    // SM2-with-SM3 (1.2.156.10197.1.501) with absent parameters, as CaSigner writes it.
    private static readonly byte[] s_algorithm = new AlgorithmIdentifier(new Org.BouncyCastle.Asn1.DerObjectIdentifier(CaKeyType.Sm2.SignatureOid)).GetDerEncoded();

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => (byte[])s_algorithm.Clone();

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.SignData(data, Sm2DistinguishingId.Default);

    protected override PublicKey BuildPublicKey() => PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
}
