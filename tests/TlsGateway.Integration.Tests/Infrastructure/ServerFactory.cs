using TlsGateway.Crypto;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>Short ways to build the server contexts the scenarios need from the test PKI.</summary>
public static class ServerFactory
{
    public static ServerNameEntry Entry(string name, IReadOnlyList<string> serverNames, IReadOnlyList<CertificateKeyPair> certificates,
        TlsProfile? profile = null, ClientAuthOptions? clientAuth = null, IReadOnlyList<string>? alpn = null) =>
        new(name, serverNames, certificates, profile ?? TlsProfile.Default, clientAuth ?? ClientAuthOptions.Off, alpn ?? []);

    /// <summary>One entry serving the named PKI certificate to every client.</summary>
    public static TlsServerContext Single(string certificate, TlsProfile? profile = null, ClientAuthOptions? clientAuth = null,
        IReadOnlyList<string>? alpn = null, TicketKeyRing? tickets = null)
    {
        using CertificateKeyPair pair = TestPki.Instance.Load(certificate);
        return TlsServerContext.Create(new TlsServerOptions([Entry(certificate, [], [pair], profile, clientAuth, alpn)], TicketKeys: tickets));
    }
}
