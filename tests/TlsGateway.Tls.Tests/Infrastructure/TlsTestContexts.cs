using TlsGateway.Crypto;

namespace TlsGateway.Tls.Tests.Infrastructure;

/// <summary>Short ways to build the real server and client contexts the engine tests connect.</summary>
internal static class TlsTestContexts
{
    public static ServerNameEntry Entry(CertificateKeyPair certificate, string name = "localhost", IReadOnlyList<string>? serverNames = null,
        TlsProfile? profile = null, ClientAuthOptions? clientAuth = null, IReadOnlyList<string>? applicationProtocols = null) =>
        new(name, serverNames ?? [name], [certificate], profile ?? TlsProfile.Default, clientAuth ?? ClientAuthOptions.Off, applicationProtocols ?? []);

    public static TlsServerContext Server(params ServerNameEntry[] entries) => TlsServerContext.Create(new TlsServerOptions(entries));

    public static TlsClientContext Client(byte[] trustBundle, CertificateKeyPair? certificate = null, TlsProfile? profile = null, IPeerAuthorizer? authorizer = null) =>
        TlsClientContext.Create(new TlsClientOptions(profile ?? TlsProfile.Default, trustBundle, certificate, authorizer));

    public static InMemoryPipe Connect(TlsClientContext client, TlsServerContext server, string? serverName = "localhost", IReadOnlyList<string>? applicationProtocols = null) =>
        new(client.CreateConnection(serverName, applicationProtocols), server.CreateConnection());
}
