using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Crypto;

namespace TlsGateway.Tls.Tests.Infrastructure;

/// <summary>
/// What the revocation tests of both directions share: a root that issues the leaves and signs
/// the CRLs, an unrelated root whose CRL is the "wrong issuer" case, and leaves loaded from PEM
/// files as the engine loads them. CRLs are made with .NET's CRL builder. Disposes everything.
/// </summary>
internal sealed class RevocationPki : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public RevocationPki()
    {
        Root = TestCertificates.CreateRoot("Revocation Root");
        OtherRoot = TestCertificates.CreateRoot("Other Root");
        RootPem = Encoding.ASCII.GetBytes(Root.ExportCertificatePem());
    }

    public TempDirectory Directory { get; } = new();

    public X509Certificate2 Root { get; }

    public X509Certificate2 OtherRoot { get; }

    public byte[] RootPem { get; }

    /// <summary>
    /// Writes <paramref name="leaf"/> (followed by <paramref name="intermediate"/>, if given, as the
    /// chain a peer sends) and its key as files and loads them; the PKI owns the leaf and the pair from then on.
    /// </summary>
    public CertificateKeyPair Load(string name, X509Certificate2 leaf, X509Certificate2? intermediate = null)
    {
        _owned.Add(leaf);
        string chain = leaf.ExportCertificatePem() + (intermediate is null ? "" : "\n" + intermediate.ExportCertificatePem());
        string cert = Directory.Write(name + ".pem", chain);
        string key = Directory.Write(name + ".key", TestCertificates.PrivateKeyPem(leaf));
        CertificateKeyPair pair = CertificateKeyPair.Load(cert, new PrivateKeySource(key));
        _owned.Add(pair);
        return pair;
    }

    /// <summary>A DER CRL of <paramref name="issuer"/> listing <paramref name="revoked"/>; current for a day unless the dates are given.</summary>
    public static byte[] Crl(X509Certificate2 issuer, X509Certificate2[] revoked, DateTimeOffset? thisUpdate = null, DateTimeOffset? nextUpdate = null,
        int crlNumber = 1)
    {
        var builder = new CertificateRevocationListBuilder();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (X509Certificate2 certificate in revoked)
        {
            builder.AddEntry(certificate, now.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        }

        return builder.Build(issuer, crlNumber, nextUpdate ?? now.AddDays(1), HashAlgorithmName.SHA256, thisUpdate: thisUpdate ?? now.AddMinutes(-5));
    }

    public void Dispose()
    {
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        Root.Dispose();
        OtherRoot.Dispose();
        Directory.Dispose();
    }
}
