using TlsGateway.Config;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Edge.Config;
using TlsGateway.Host.Admin;
using TlsGateway.Tls;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw edge`: a one-line TLS terminator in the spirit of ghostunnel's server mode — one
/// certificate, one upstream, optional mutual TLS — running in the foreground until SIGTERM.
/// The flags become a one-listener <see cref="EdgeConfig"/>, run exactly like `serve` runs a file.
/// </summary>
internal static class EdgeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen") { Description = "Address to accept TLS on, HOST:PORT", Required = true };
        var cert = new Option<string>("--cert") { Description = "PEM certificate chain, leaf first", Required = true };
        var key = new Option<string>("--key") { Description = "PEM private key file, or a pkcs11: URI for a key in a token", Required = true };
        var keyPassphrase = new Option<string?>("--key-passphrase") { Description = "Passphrase of an encrypted key: file:PATH or env:NAME" };
        var pkcs11Module = new Option<string?>("--pkcs11-module") { Description = "PKCS#11 module for a pkcs11: key, e.g. /usr/lib/softhsm/libsofthsm2.so" };
        var pkcs11Pin = new Option<string?>("--pkcs11-pin") { Description = "Token user PIN: file:PATH or env:NAME" };
        var upstream = new Option<string>("--upstream") { Description = "Plaintext service to forward to, HOST:PORT", Required = true };
        var ca = new Option<string?>("--ca") { Description = "PEM trust bundle for client certificates" };
        var crl = new Option<string?>("--crl") { Description = "CRL of the client certificates' issuers (PEM or DER, as GET /ca/crl serves it); refuses revoked clients and fails closed without a current CRL" };
        var requireClientCert = new Option<bool>("--require-client-cert") { Description = "Refuse clients without a certificate that chains to --ca" };
        var allowSpiffe = new Option<string[]>("--allow-spiffe-id") { Description = "Only admit clients with this SPIFFE ID (repeatable)", AllowMultipleArgumentsPerToken = true };
        var tlsMin = new Option<string>("--tls-min") { Description = "Lowest TLS version: 1.2 or 1.3", DefaultValueFactory = _ => "1.2" };
        var tlsMax = new Option<string>("--tls-max") { Description = "Highest TLS version: 1.2 or 1.3", DefaultValueFactory = _ => "1.3" };
        var alpn = new Option<string?>("--alpn") { Description = "ALPN protocols to accept, comma-separated in preference order (e.g. h2,http/1.1)" };
        var proxyProtocol = new Option<bool>("--proxy-protocol") { Description = "Send a PROXY v2 header (client address, TLS facts, SPIFFE ID) to the upstream" };
        var admin = new Option<string?>("--admin") { Description = AdminOptions.Description + " (default: none)" };
        var accessLog = new Option<bool>("--access-log") { Description = "Log one line per forwarded connection when it ends (category tlsgw.access)" };
        var logs = new LogOptions();

        var command = new Command("edge", "Terminate TLS on one address and forward plaintext to one upstream")
        {
            listen, cert, key, keyPassphrase, pkcs11Module, pkcs11Pin, upstream, ca, crl, requireClientCert, allowSpiffe, tlsMin, tlsMax, alpn,
            proxyProtocol, admin, accessLog,
        };
        logs.AddTo(command);

        command.SetAction(async (result, _) =>
        {
            using ILoggerFactory loggers = logs.Create(result);
            ILogger logger = loggers.CreateLogger("tlsgw");
            try
            {
                // Parse early so a bad version is reported as such, not as a failed context.
                TlsVersionNames.Parse(result.GetValue(tlsMin)!);
                TlsVersionNames.Parse(result.GetValue(tlsMax)!);
                string? caPath = result.GetValue(ca);
                if (caPath is null && result.GetValue(requireClientCert))
                {
                    throw new TlsConfigurationException("--require-client-cert needs --ca (the roots client certificates must chain to)");
                }

                if (caPath is null && result.GetValue(crl) is not null)
                {
                    throw new TlsConfigurationException("--crl needs --ca (revocation is checked on client certificates only)");
                }

                ClientAuthConfig clientAuth = caPath is null
                    ? ClientAuthConfig.Off
                    : new ClientAuthConfig(
                        result.GetValue(requireClientCert) ? ClientCertificateMode.Required : ClientCertificateMode.Optional,
                        Path.GetFullPath(caPath), result.GetValue(allowSpiffe) ?? [], [], [],
                        result.GetValue(crl) is { } crlPath ? Path.GetFullPath(crlPath) : null);
                var chain = new FilterChainConfig(
                    "default",
                    [],
                    [new CertificateConfig(Path.GetFullPath(result.GetValue(cert)!), KeyLocation(result.GetValue(key)!),
                        result.GetValue(keyPassphrase), result.GetValue(pkcs11Module), result.GetValue(pkcs11Pin))],
                    TlsProfileConfig.Default with { MinVersion = result.GetValue(tlsMin), MaxVersion = result.GetValue(tlsMax) },
                    clientAuth,
                    result.GetValue(alpn)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                    new UpstreamConfig([Endpoints.Parse(result.GetValue(upstream)!, "--upstream", requireIp: false)], LoadBalancing.RoundRobin,
                        TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(30), result.GetValue(proxyProtocol)));
                var listener = new ListenerConfig("edge", Endpoints.Parse(result.GetValue(listen)!, "--listen"), [chain],
                    LimitsConfig.Default, SessionTicketConfig.Default, RejectUnknownServerNames: false, AccessLog: result.GetValue(accessLog));
                var config = new EdgeConfig([listener]);
                EdgeConfigValidator.Validate(config, new SourceMap("(command line)"), "edge");
                // Without an admin port nothing listens to the meters, and measuring costs nothing.
                using AdminApi? api = result.GetValue(admin) is null ? null : new AdminApi();
                api?.Readiness.Expect("edge");
                await using AdminServer? adminServer = api is null
                    ? null
                    : await AdminServer.StartAsync(Endpoints.Parse(result.GetValue(admin)!, "--admin"), api, loggers);
                if (adminServer is not null)
                {
                    logger.LogInformation("Admin port on http://{Address}/ (/metrics, /healthz, /readyz; /admin/* from loopback)", adminServer.Address);
                }

                // Like serve: a changed certificate, key, bundle or CRL file (or SIGHUP) is picked up
                // for new connections; established ones keep theirs.
                return await EdgeHost.RunAsync(config, loggers, reload: () => config, watchedFiles: EdgeConfigFiles.Enumerate, admin: api);
            }
            catch (Exception e) when (e is TlsConfigurationException or CryptoConfigurationException or FormatException or ConfigException)
            {
                logger.LogError("{Message}", e.Message);
                return 2;
            }
            catch (IOException e)
            {
                // An address that cannot be bound (the listener's or the admin port's).
                logger.LogError("{Message}", e.Message);
                return 1;
            }
        });

        return command;
    }

    private static string KeyLocation(string key) => PrivateKeySource.IsUri(key) ? key : Path.GetFullPath(key);
}
