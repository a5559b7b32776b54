using System.Security.Cryptography;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Storage;

namespace TlsGateway.Host;

/// <summary>
/// Creates a CA in a data directory: used by `tlsgw ca init` and, with defaults, by `tlsgw up`
/// the first time it runs. The settings file is written last, so a failed init leaves no CA
/// that later commands would try to open.
/// </summary>
internal static class CaInitialization
{
    /// <param name="Passphrase">Encrypts the CA key files; null means generate DIR/ca/passphrase.</param>
    /// <param name="TokenKey">A pkcs11: URI for the signing intermediate's key.</param>
    /// <param name="FromCacerts">An Istio-style cacerts directory to import instead of making a root.</param>
    public sealed record Request(CaSettings Settings, CaKeyType KeyType, SecretSource? Passphrase, Pkcs11Options? Pkcs11 = null,
        string? TokenKey = null, TimeSpan? RootTtl = null, TimeSpan? IntermediateTtl = null, string? FromCacerts = null,
        SecretSource? CacertsKeyPassphrase = null);

    /// <summary>Returns the new generation and where the key passphrase came from.</summary>
    public static async Task<(CaGeneration Generation, SecretSource Passphrase)> RunAsync(CaLayout layout, Request request, CancellationToken cancellationToken)
    {
        if (File.Exists(layout.Settings))
        {
            throw new CaException($"a CA already exists in {layout.DataDirectory}; use `tlsgw ca rotate-root` to replace its root");
        }

        layout.EnsureDirectories();
        (byte[] passphrase, SecretSource source) = CaContext.NewKeyPassphrase(request.Passphrase, layout);
        try
        {
            await using ICaStore store = CaStore.Open(request.Settings.Store ?? layout.Database);
            string actor = CaCaller.CurrentOperator.Name;
            CaGeneration generation = request.FromCacerts is string cacerts
                ? await CaBootstrap.ImportCacertsAsync(store, layout, cacerts, request.CacertsKeyPassphrase, passphrase, actor, TimeProvider.System, cancellationToken)
                : await CaBootstrap.CreateGenerationAsync(store, layout, request.Settings, new CaKeyAccess(source, request.Pkcs11),
                    new CaBootstrap.Options(request.KeyType, passphrase, request.TokenKey, request.RootTtl, request.IntermediateTtl),
                    actor, TimeProvider.System, cancellationToken);
            layout.WriteBundle(generation.RootPem);
            request.Settings.Save(layout);
            return (generation, source);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
        }
    }
}
