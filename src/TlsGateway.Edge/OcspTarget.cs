using TlsGateway.Crypto;
using TlsGateway.Edge.Config;

namespace TlsGateway.Edge;

/// <summary>One certificate to staple: the entry serving it, the very pair it was built from, and its OCSP settings.</summary>
public sealed record OcspTarget(string Entry, CertificateKeyPair Certificate, OcspConfig Config, string Description);
