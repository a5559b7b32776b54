using Org.BouncyCastle.Asn1.X509;

namespace TlsGateway.Ca;

/// <summary>What a verified PKCS#10 request asks for.</summary>
/// <param name="PublicKey">The requester's key, to be copied into the certificate unchanged.</param>
/// <param name="IsRsaKey">Whether the key is RSA (its leaf then also gets keyEncipherment).</param>
/// <param name="UriNames">URI SANs requested through the extensionRequest attribute.</param>
/// <param name="DnsNames">DNS SANs requested.</param>
public sealed record CsrContents(SubjectPublicKeyInfo PublicKey, bool IsRsaKey, IReadOnlyList<string> UriNames, IReadOnlyList<string> DnsNames);
