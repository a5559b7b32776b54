using System.Security.Cryptography;
using System.Text;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>What an agent sends: a fresh key's CSR for an identity, as an <see cref="IdentityRequest"/>.</summary>
public static class Workloads
{
    public static SpiffeId Web { get; } = TestCa.Workload("web", "shop");

    public static SpiffeId Agent { get; } = SpiffeId.Parse($"spiffe://{TestCa.TrustDomain}/agent/node-1");

    public static IdentityRequest Request(SpiffeId identity, string? csrUri = null, TimeSpan? ttl = null)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] pem = Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE REQUEST", TestCsr.Create(key, csrUri ?? identity.ToString())));
        return new IdentityRequest(pem, identity, [], ttl);
    }
}
