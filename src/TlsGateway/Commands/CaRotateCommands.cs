using System.CommandLine;
using System.Security.Cryptography;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Storage;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw ca rotate-root` and `tlsgw ca rotate-intermediate`: a new CA generation that signs from
/// now on, while the previous one keeps answering for its leaves until they expire. The root
/// rotation brings a new root (the bundle holds both for a while); the intermediate rotation
/// keeps the root, so the bundle does not change.
/// </summary>
internal static class CaRotateCommands
{
    public static Command RotateRoot(CaContext.Options options)
    {
        var keyType = new Option<string?>("--key-type") { Description = "Key type of the new generation (default: the CA's)" };
        var key = new Option<string?>("--key") { Description = "pkcs11: URI of a token key for the new intermediate" };
        var crossSign = new Option<bool>("--cross-sign") { Description = "Also sign the new intermediate with the old root, for verifiers that only know the old root" };
        var rootTtl = new Option<string>("--root-ttl") { Description = "New root lifetime", DefaultValueFactory = _ => "3650d" };
        var intermediateTtl = new Option<string?>("--intermediate-ttl") { Description = "New intermediate lifetime (default: half the root's)" };
        var command = new Command("rotate-root", """
            Start a root rotation: a new root and intermediate sign from now on; the old root stays in the trust bundle until every leaf it signed has expired.
            Example: tlsgw ca rotate-root --cross-sign && tlsgw ca status
            """)
        {
            keyType, key, crossSign, rootTtl, intermediateTtl,
        };
        SetRotation(command, options, (result, ca, passphrase) => new CaBootstrap.Options(
            CaKeyType.Parse(result.GetValue(keyType) ?? ca.Settings.KeyType), passphrase, result.GetValue(key),
            DurationText.Parse(result.GetValue(rootTtl)!, "--root-ttl"), Ttl(result, intermediateTtl), result.GetValue(crossSign)),
            (ca, generation) =>
            {
                Console.WriteLine($"generation {generation.Id} is now signing; the trust bundle {ca.Layout.Bundle} holds {ca.Authority.State.TrustedRoots.Count} roots.");
                Console.WriteLine("Distribute the bundle, let workloads renew, and watch `tlsgw ca status` for the old root's retirement.");
            });
        return command;
    }

    public static Command RotateIntermediate(CaContext.Options options)
    {
        var key = new Option<string?>("--key") { Description = "pkcs11: URI of a token key for the new intermediate" };
        var intermediateTtl = new Option<string?>("--intermediate-ttl") { Description = "New intermediate lifetime (default: half the root's lifetime, never past the root)" };
        var command = new Command("rotate-intermediate", """
            Replace the signing intermediate with a new one under the same root: the trust bundle stays as it is.
            Example: tlsgw ca rotate-intermediate && tlsgw ca status
            """)
        {
            key, intermediateTtl,
        };
        SetRotation(command, options, (result, ca, passphrase) => new CaBootstrap.Options(
            CaKeyType.Parse(ca.Settings.KeyType), passphrase, result.GetValue(key), IntermediateTtl: Ttl(result, intermediateTtl), KeepRoot: true),
            (_, generation) => Console.WriteLine(
                $"generation {generation.Id} is now signing with a new intermediate valid until {TableWriter.Time(generation.IntermediateNotAfter)}; the trust bundle is unchanged."));
        return command;
    }

    // Both rotations: open the CA, retire what is due first, create the generation with the
    // options the command builds from the passphrase, report; the passphrase is wiped after.
    private static void SetRotation(Command command, CaContext.Options options, Func<ParseResult, CaContext, byte[], CaBootstrap.Options> build,
        Action<CaContext, CaGeneration> report)
    {
        options.AddTo(command, json: false);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken);
            SecretSource source = ca.KeyAccess.Passphrase ?? throw new CaException("no CA passphrase: pass --passphrase file:PATH or env:NAME");
            byte[] passphrase = source.ReadBytes();
            try
            {
                var rotation = new RootRotation(ca.Authority, ca.Layout);
                await rotation.AdvanceAsync(cancellationToken);
                CaGeneration generation = await rotation.RotateAsync(ca.Settings, ca.KeyAccess, build(result, ca, passphrase), CaCaller.CurrentOperator,
                    cancellationToken);
                report(ca, generation);
                return CaContext.ExitCodes.Ok;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(passphrase);
            }
        });
    }

    private static TimeSpan? Ttl(ParseResult result, Option<string?> option) =>
        result.GetValue(option) is string text ? DurationText.Parse(text, option.Name) : null;
}
