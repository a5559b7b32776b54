using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>
/// A real CA (SQLite in a temp directory) behind <see cref="IstioCaService"/> on real Kestrel
/// (HTTP/2 over OpenSSL TLS on a loopback port chosen by the OS), with helpers that make what a
/// caller brings: bootstrap tokens and client certificate files.
/// </summary>
public sealed class IstioCaTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IstioCaTestServer(TestCa ca, WebApplication app, CaServingCertificate serving, CaTlsMiddleware tls, Uri address, string bundlePath)
    {
        Ca = ca;
        _app = app;
        Serving = serving;
        Tls = tls;
        Address = address;
        BundlePath = bundlePath;
    }

    public TestCa Ca { get; }

    /// <summary>The serving certificate; its own clock (<see cref="ServingTime"/>) decides when it is due for renewal.</summary>
    public CaServingCertificate Serving { get; }

    /// <summary>The OpenSSL TLS middleware in front of the service, with its handshake counts.</summary>
    public CaTlsMiddleware Tls { get; }

    /// <summary>The clock the serving certificate's renewal check reads, apart from the CA's, so a test can make it due without moving the CA.</summary>
    public ManualTimeProvider ServingTime { get; private init; } = null!;

    /// <summary>https://localhost:PORT: the serving certificate names localhost.</summary>
    public Uri Address { get; }

    public int Port => Address.Port;

    /// <summary>The CA's trust bundle as a PEM file: what clients trust the server by.</summary>
    public string BundlePath { get; }

    public static async Task<IstioCaTestServer> StartAsync(IstioCaOptions? options = null, TimeSpan? handshakeTimeout = null)
    {
        TestCa ca = await TestCa.CreateAsync();
        try
        {
            var servingTime = new ManualTimeProvider(ca.Time.GetUtcNow());
            CaServingCertificate serving = await CaServingCertificate.IssueAsync(ca.Authority, time: servingTime);
            var service = new IstioCaService(ca.Authority, new CaCallerAuthenticator(ca.Authority, ca.Time), options);
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            IstioCaHosting.AddServices(builder.Services, service);
            CaTlsMiddleware? tls = null;
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0,
                listen => tls = IstioCaHosting.UseCaTls(listen, serving, handshakeTimeout: handshakeTimeout)));
            WebApplication app = builder.Build();
            IstioCaHosting.Map(app);
            await app.StartAsync();
            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            string bundle = ca.Directory.Write("server-bundle.pem", ca.Authority.State.TrustBundlePem);
            return new IstioCaTestServer(ca, app, serving, tls!, new Uri($"https://localhost:{new Uri(bound).Port}"), bundle) { ServingTime = servingTime };
        }
        catch
        {
            await ca.DisposeAsync();
            throw;
        }
    }

    /// <summary>A bootstrap token for <paramref name="identity"/>, made the way `tlsgw ca token create` makes one.</summary>
    public async Task<string> CreateTokenAsync(SpiffeId identity, TimeSpan? ttl = null)
    {
        (string token, _) = await BootstrapTokens.CreateAsync(Ca.Authority, identity, ttl ?? TimeSpan.FromHours(1), TestCa.Operator, Ca.Time);
        return token;
    }

    /// <summary>Issues (as an operator) a client certificate for <paramref name="identity"/> and writes cert.pem (leaf + chain) and key.pem.</summary>
    public async Task<(string Certificate, string Key, IssuedIdentity Issued)> WriteClientCredentialsAsync(SpiffeId identity, string name, TimeSpan? ttl = null)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        IssuedIdentity issued = await Ca.Authority.IssueAsync(new IssuanceRequest(TestCsr.Create(key, identity.ToString()), TestCa.Operator, identity, ttl));
        string certificate = Ca.Directory.Write($"{name}-cert.pem", issued.CertificateChainPem);
        string keyFile = Ca.Directory.Write($"{name}-key.pem", key.ExportPkcs8PrivateKeyPem());
        return (certificate, keyFile, issued);
    }

    public IstioCaClientOptions ClientOptions(string? token = null, (string Certificate, string Key)? credentials = null) =>
        new(Address, BundlePath) { BearerToken = token, CertificatePath = credentials?.Certificate, KeyPath = credentials?.Key };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Tls.Dispose();
        await Ca.DisposeAsync();
    }
}
