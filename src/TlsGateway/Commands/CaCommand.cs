using System.CommandLine;
using System.Security.Cryptography;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Storage;

namespace TlsGateway.Host.Commands;

/// <summary>`tlsgw ca init|status|rotate-root|rotate-intermediate|bundle|serve|token`: the CA's own life cycle.</summary>
internal static class CaCommand
{
    public static Command Create()
    {
        var options = new CaContext.Options();
        var command = new Command("ca", "Create, inspect and rotate the workload identity CA")
        {
            Init(options), Status(options), CaRotateCommands.RotateRoot(options), CaRotateCommands.RotateIntermediate(options), Bundle(options), CaServeCommand.Create(options), CaBenchCommand.Create(options), CaTokenCommand.Create(options),
            CaStoreCommand.Create(options),
        };
        return command;
    }

    private static Command Init(CaContext.Options options)
    {
        var trustDomain = new Option<string>("--trust-domain") { Description = "SPIFFE trust domain, e.g. example.org", Required = true };
        var keyType = new Option<string>("--key-type") { Description = "ecdsa-p256 | ecdsa-p384 | rsa-3072 | sm2", DefaultValueFactory = _ => "ecdsa-p256" };
        var key = new Option<string?>("--key") { Description = "pkcs11: URI of a token key for the signing intermediate (signing then happens in the token)" };
        var fromCacerts = new Option<string?>("--from-cacerts") { Description = "Use an intermediate from an existing root: a directory with ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem" };
        var cacertsPassphrase = new Option<string?>("--cacerts-key-passphrase") { Description = "Passphrase of an encrypted ca-key.pem in --from-cacerts: file:PATH or env:NAME" };
        var rootTtl = new Option<string>("--root-ttl") { Description = "Root lifetime", DefaultValueFactory = _ => "3650d" };
        var intermediateTtl = new Option<string?>("--intermediate-ttl") { Description = "Intermediate lifetime (default: half the root's)" };
        var command = new Command("init", """
            Create the CA: a self-signed root and a signing intermediate, or an intermediate from an existing root.
            Examples:
              tlsgw ca init --trust-domain example.org
              tlsgw ca init --trust-domain example.org --passphrase env:CA_PASS --store postgres://ca@db:5432/tlsgw
              tlsgw ca init --trust-domain cluster.local --from-cacerts ./cacerts
              tlsgw ca init --trust-domain example.org --key 'pkcs11:token=ca;object=signer' --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pkcs11-pin env:PIN
            """)
        {
            trustDomain, keyType, key, fromCacerts, cacertsPassphrase, rootTtl, intermediateTtl,
        };
        options.AddTo(command, json: false);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            CaLayout layout = options.Layout(result);
            string domain = result.GetValue(trustDomain)!;
            if (Identity.SpiffeId.CheckTrustDomain(domain) is string domainError)
            {
                throw new FormatException($"--trust-domain: {domainError}");
            }

            CaKeyType type = CaKeyType.Parse(result.GetValue(keyType)!);
            string? tokenKey = result.GetValue(key);
            if (tokenKey is not null && !tokenKey.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException("--key must be a pkcs11: URI");
            }

            var request = new CaInitialization.Request(
                new CaSettings(domain, type.Name, result.GetValue(options.Store)), type, options.PassphraseSource(result, layout),
                options.KeyAccess(result, null).Pkcs11, tokenKey, DurationText.Parse(result.GetValue(rootTtl)!, "--root-ttl"),
                result.GetValue(intermediateTtl) is string it ? DurationText.Parse(it, "--intermediate-ttl") : null,
                result.GetValue(fromCacerts), result.GetValue(cacertsPassphrase) is string p ? SecretSource.Parse(p) : null);
            (CaGeneration generation, SecretSource source) = await CaInitialization.RunAsync(layout, request, cancellationToken);
            Console.WriteLine($"CA for trust domain {domain} created in {layout.DataDirectory} (generation {generation.Id}, {type.Name}).");
            Console.WriteLine($"Trust bundle: {layout.Bundle}");
            if (source.FilePath == layout.GeneratedPassphrase)
            {
                Console.WriteLine($"CA keys are encrypted with a generated passphrase in {layout.GeneratedPassphrase} (mode 0600);");
                Console.WriteLine("for production pass --passphrase env:NAME or file:PATH kept elsewhere, or a PKCS#11 --key.");
            }

            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status(CaContext.Options options)
    {
        var command = new Command("status", "Show the CA generations, the root-rotation phase and what it waits for; retires generations whose leaves have all expired");
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, openKeys: false);
            var rotation = new RootRotation(ca.Authority, ca.Layout);
            IReadOnlyList<int> retired = await rotation.AdvanceAsync(cancellationToken);
            IReadOnlyList<GenerationStatus> generations = await rotation.StatusAsync(cancellationToken);
            string phase = Phase(generations);
            if (result.GetValue(options.Json))
            {
                TableWriter.WriteJson(Console.Out, new
                {
                    trust_domain = ca.Settings.TrustDomain,
                    store = ca.Store.Description,
                    phase,
                    retired_now = retired,
                    generations = generations.Select(g => new
                    {
                        id = g.Generation.Id,
                        state = g.Generation.State,
                        root_fingerprint = g.RootFingerprint,
                        root_not_after = g.RootNotAfter,
                        intermediate_not_after = g.Generation.IntermediateNotAfter,
                        live_leaves = g.LiveLeaves,
                        last_leaf_not_after = g.LastLeafNotAfter,
                        cross_signed = g.Generation.CrossSignedPem is not null,
                    }),
                });
                return CaContext.ExitCodes.Ok;
            }

            Console.WriteLine($"trust domain: {ca.Settings.TrustDomain}   store: {ca.Store.Description}");
            foreach (int id in retired)
            {
                Console.WriteLine($"retired generation {id}: its last leaf has expired and its root left the bundle");
            }

            Console.WriteLine($"phase: {phase}");
            TableWriter.Write(Console.Out, ["GEN", "STATE", "ROOT SHA-256", "ROOT EXPIRES", "INTERMEDIATE EXPIRES", "LIVE LEAVES", "LAST LEAF EXPIRES"],
                generations.Select(g => (IReadOnlyList<string>)
                [
                    g.Generation.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), g.Generation.State.ToString().ToLowerInvariant(),
                    g.RootFingerprint[..16] + "…", TableWriter.Time(g.RootNotAfter), TableWriter.Time(g.Generation.IntermediateNotAfter),
                    g.LiveLeaves.ToString(System.Globalization.CultureInfo.InvariantCulture), g.LastLeafNotAfter is { } t ? TableWriter.Time(t) : "-",
                ]));
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static string Phase(IReadOnlyList<GenerationStatus> generations)
    {
        List<GenerationStatus> retiring = generations.Where(g => g.Generation.State == CaGenerationState.Retiring).ToList();
        if (retiring.Count == 0)
        {
            return "stable: one root in the trust bundle";
        }

        return "rotating: " + string.Join("; ", retiring.Select(g =>
            $"generation {g.Generation.Id}'s root stays in the bundle until its {g.LiveLeaves} live leaves expire (last at {(g.LastLeafNotAfter is { } t ? TableWriter.Time(t) : "-")})"));
    }

    private static Command Bundle(CaContext.Options options)
    {
        var output = new Option<string?>("--out") { Description = "Write the bundle to this file instead of stdout" };
        var command = new Command("bundle", "Print the trust bundle: every trusted root (old and new during a rotation)") { output };
        options.AddTo(command, json: false);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, openKeys: false);
            string pem = ca.Authority.State.TrustBundlePem;
            if (result.GetValue(output) is string path)
            {
                AtomicFile.Write(path, pem, AtomicFile.PublicMode);
            }
            else
            {
                Console.Write(pem);
            }

            return CaContext.ExitCodes.Ok;
        });
        return command;
    }
}
