using System.Security.Cryptography.X509Certificates;
using TlsGateway.Crypto;

namespace TlsGateway.Sds;

/// <summary>One issued serving certificate: the leaf for names and expiry, and the chain and key as OpenSSL serves them.</summary>
internal sealed record CaServingSnapshot(X509Certificate2 Certificate, CertificateKeyPair Pair);
