using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Edge;
using TlsGateway.Tls;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw edge`: a one-line TLS terminator in the spirit of ghostunnel's server mode — one
/// certificate, one upstream, optional mutual TLS — running in the foreground until SIGTERM.
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
        var requireClientCert = new Option<bool>("--require-client-cert") { Description = "Refuse clients without a certificate that chains to --ca" };
        var allowSpiffe = new Option<string[]>("--allow-spiffe-id") { Description = "Only admit clients with this SPIFFE ID (repeatable)", AllowMultipleArgumentsPerToken = true };
        var tlsMin = new Option<string>("--tls-min") { Description = "Lowest TLS version: 1.2 or 1.3", DefaultValueFactory = _ => "1.2" };
        var tlsMax = new Option<string>("--tls-max") { Description = "Highest TLS version: 1.2 or 1.3", DefaultValueFactory = _ => "1.3" };
        var alpn = new Option<string?>("--alpn") { Description = "ALPN protocols to accept, comma-separated in preference order (e.g. h2,http/1.1)" };
        var verbose = new Option<bool>("--verbose") { Description = "Log every handshake (Debug level)" };

        var command = new Command("edge", "Terminate TLS on one address and forward plaintext to one upstream")
        {
            listen, cert, key, keyPassphrase, pkcs11Module, pkcs11Pin, upstream, ca, requireClientCert, allowSpiffe, tlsMin, tlsMax, alpn, verbose,
        };

        command.SetAction(async (result, _) =>
        {
            using ILoggerFactory loggers = Logging.Create(result.GetValue(verbose));
            ILogger logger = loggers.CreateLogger("tlsgw");
            try
            {
                TlsProfile profile = TlsProfile.Default with
                {
                    MinVersion = TlsVersionNames.Parse(result.GetValue(tlsMin)!),
                    MaxVersion = TlsVersionNames.Parse(result.GetValue(tlsMax)!),
                };

                var keySource = new PrivateKeySource(
                    result.GetValue(key)!,
                    ParseSecret(result.GetValue(keyPassphrase)),
                    new Pkcs11Options(result.GetValue(pkcs11Module), ParseSecret(result.GetValue(pkcs11Pin))));

                ClientAuthOptions clientAuth = ClientAuthOptions.Off;
                string? caPath = result.GetValue(ca);
                if (caPath is not null)
                {
                    clientAuth = new ClientAuthOptions(
                        result.GetValue(requireClientCert) ? ClientCertificateMode.Required : ClientCertificateMode.Optional,
                        PemFile.Read(caPath, CertificateKeyPair.MaxChainFileBytes, "trust bundle"),
                        new SpiffeAuthorizer(result.GetValue(allowSpiffe)));
                }
                else if (result.GetValue(requireClientCert))
                {
                    throw new TlsConfigurationException("--require-client-cert needs --ca (the roots client certificates must chain to)");
                }

                string[] protocols = result.GetValue(alpn)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
                using CertificateKeyPair pair = CertificateKeyPair.Load(result.GetValue(cert)!, keySource);
                var entry = new ServerNameEntry("default", [], [pair], profile, clientAuth, protocols);
                using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions([entry]));

                var options = new ListenerOptions(Endpoints.Parse(result.GetValue(listen)!, "--listen"), ListenerOptions.DefaultHandshakeTimeout);
                EndPoint upstreamEndpoint = Endpoints.Parse(result.GetValue(upstream)!, "--upstream");
                return await EdgeHost.RunAsync(options, context, upstreamEndpoint, loggers);
            }
            catch (Exception e) when (e is TlsConfigurationException or CryptoConfigurationException or FormatException)
            {
                logger.LogError("{Message}", e.Message);
                return 2;
            }
        });

        return command;
    }

    private static SecretSource? ParseSecret(string? spec) => spec is null ? null : SecretSource.Parse(spec);
}
