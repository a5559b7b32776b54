using System.Security.Cryptography.X509Certificates;
using TlsGateway.Sds;

namespace TlsGateway.Host.Admin;

/// <summary>
/// What each role contributes to the admin port: the certificates it holds, its readiness
/// check, and what an operator may rotate. The edge registers itself in <see cref="EdgeHost"/>,
/// which owns its runtime.
/// </summary>
internal static class AdminRoles
{
    /// <summary>The CA: every generation's root and intermediate; ready when it can sign and its store answers.</summary>
    public static void AddCa(AdminApi api, CaContext ca)
    {
        api.Certificates.Add(() => ca.Authority.State.Generations.SelectMany(g => new[]
        {
            Held("ca", $"generation {g.Id} root", g.Root),
            Held("ca", $"generation {g.Id} intermediate", g.Intermediate),
        }));
        api.Readiness.Add("ca", async cancellationToken =>
        {
            try
            {
                await ca.Store.ListGenerationsAsync(cancellationToken);
            }
            catch (Storage.StoreException e)
            {
                return $"store unreachable: {e.Message}";
            }

            return ca.Authority.State.Active is { Signer: not null } active
                ? active.Intermediate.NotAfter > DateTimeOffset.UtcNow ? null : "the signing intermediate has expired"
                : "no active signing key";
        });
        api.AddConfig("ca", () => new { Settings = ca.Settings, ca.Layout.DataDirectory });
    }

    /// <summary>The Istio CA API's own serving certificate.</summary>
    public static void AddCaApi(AdminApi api, CaGrpcServer server)
    {
        api.Certificates.Add(() => [Held("ca-api", server.Address.ToString(), server.Serving.Certificate)]);
        api.Readiness.Add("ca-api", () => server.Serving.Certificate.NotAfter.ToUniversalTime() > DateTime.UtcNow
            ? null
            : "the CA API's serving certificate has expired (renewal is failing; see the log)");
        api.AddConfig("ca_api", () => new { Listen = server.Address, Identity = server.Serving.Identity.ToString() });
    }

    /// <summary>The agent: the identities it keeps fresh, the roots it serves, its own identity; rotations of both secrets.</summary>
    public static void AddAgent(AdminApi api, AgentHost agent, AgentConfig config)
    {
        SecretCatalog catalog = agent.Catalog;
        api.Certificates.Add(() => catalog.Identities
            .Where(i => i.NotAfter is not null && i.Serial is not null)
            .Select(i => new HeldCertificate("sds", i.Identity.ToString(), i.Identity.ToString(), i.Serial!, i.NotAfter!.Value))
            .Concat(catalog.Bundle.Roots.Select(der => HeldDer("sds-bundle", "ROOTCA", der))));
        if (config.Ca.IdentityDirectory is { } identityDirectory && !config.Ca.IsLocal)
        {
            string ownCertificate = Path.Combine(identityDirectory, "cert.pem");
            api.Certificates.Add(() => File.Exists(ownCertificate) ? [HeldPem("agent", "own identity", ownCertificate)] : []);
        }

        api.Readiness.Add("agent", () => File.Exists(agent.SocketPath) ? null : $"the SDS socket {agent.SocketPath} is missing");
        api.AddRotation("sds-certificates", _ =>
        {
            int count = catalog.Identities.Count();
            catalog.RenewAll();
            return Task.FromResult($"renewal requested for {count} identities");
        });
        if (catalog.TicketKeys is { } keys)
        {
            api.AddRotation("session-ticket-keys", _ =>
            {
                keys.Rotate();
                return Task.FromResult("promoted the announced key and announced a new one");
            });
        }

        api.AddConfig("agent", () => config);
    }

    public static HeldCertificate Held(string role, string name, Ca.CaCertificate certificate) =>
        new(role, name, certificate.Subject.ToString(), certificate.Certificate.SerialNumber.ToString(16), certificate.NotAfter);

    public static HeldCertificate Held(string role, string name, X509Certificate2 certificate) =>
        new(role, name, certificate.Subject, certificate.SerialNumber, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()));

    private static HeldCertificate HeldDer(string role, string name, byte[] der)
    {
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(der);
        return Held(role, name, certificate);
    }

    private static HeldCertificate HeldPem(string role, string name, string path)
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
        return Held(role, name, certificate);
    }
}
