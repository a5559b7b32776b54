using Org.BouncyCastle.Asn1.X509;
using TlsGateway.Crypto;
using TlsGateway.Interop;
using TlsGateway.Storage;

namespace TlsGateway.Ca;

/// <summary>
/// Creates CA generations: a new self-signed root with its signing intermediate (<c>ca init</c>,
/// <c>ca rotate-root</c>), or an intermediate handed over from an existing PKI in Istio's
/// <c>cacerts</c> layout. Keys are generated inside OpenSSL and written only encrypted, with mode
/// 0600; a token key (pkcs11: URI) is used where it is and never exported.
/// </summary>
public static class CaBootstrap
{
    public static readonly TimeSpan DefaultRootTtl = TimeSpan.FromDays(3650);

    /// <summary>How a new generation gets its keys and lifetimes.</summary>
    /// <param name="Passphrase">Encrypts every key file written.</param>
    /// <param name="TokenKey">A pkcs11: URI: the intermediate signs with this token key instead of a generated one.</param>
    /// <param name="CrossSign">Also have the previous generation's root sign the new intermediate.</param>
    /// <param name="KdfIterations">PBKDF2 iterations protecting the key files (tests lower it; operators should not).</param>
    /// <param name="KeepRoot">Keep the active generation's root and sign only a new intermediate with it (an expiring
    /// intermediate replaced without a trust-bundle change); RootTtl and CrossSign do not apply.</param>
    public sealed record Options(CaKeyType KeyType, byte[] Passphrase, string? TokenKey = null, TimeSpan? RootTtl = null,
        TimeSpan? IntermediateTtl = null, bool CrossSign = false, int KdfIterations = NativeSigning.DefaultKdfIterations, bool KeepRoot = false);

    /// <summary>
    /// Makes a new root + intermediate (or, with <see cref="Options.KeepRoot"/>, a new intermediate
    /// under the active root), saves it as the active generation and retires the previous active
    /// one to Retiring.
    /// </summary>
    public static async Task<CaGeneration> CreateGenerationAsync(ICaStore store, CaLayout layout, CaSettings settings, CaKeyAccess access,
        Options options, string actor, TimeProvider time, CancellationToken cancellationToken = default)
    {
        // One generation is created at a time per data directory: two rotations racing would
        // otherwise pick the same gen-N directory and overwrite each other's keys.
        using FileStream rotationLock = LockDataDirectory(layout);
        IReadOnlyList<CaGeneration> existing = await store.ListGenerationsAsync(cancellationToken).ConfigureAwait(false);
        int id = existing.Count == 0 ? 1 : existing.Max(g => g.Id) + 1;
        string directory = NewGenerationDirectory(layout, id);

        DateTimeOffset now = time.GetUtcNow();
        TimeSpan rootTtl = options.RootTtl ?? DefaultRootTtl;
        TimeSpan intermediateTtl = options.IntermediateTtl ?? rootTtl / 2;
        if (intermediateTtl > rootTtl && !options.KeepRoot)
        {
            throw new CaException("the intermediate's lifetime cannot exceed the root's");
        }

        CaCertificate root = null!; // set by KeepActiveRoot or below
        using CaSigner rootKey = options.KeepRoot
            ? KeepActiveRoot(layout, existing, access, options, directory, now, out root, ref intermediateTtl)
            : new CaSigner(NativeSigning.Generate(options.KeyType.NativeType, options.KeyType.RsaBits));
        if (!options.KeepRoot)
        {
            WriteEncryptedKey(rootKey, Path.Combine(directory, CaLayout.RootKeyFile), options.Passphrase, options.KdfIterations);
            root = new CaCertificate(CertificateTemplates.Root(rootKey, Name(settings, options.KeyType, $"Root CA g{id}"), now - IssuancePolicy.Default.Backdate, now + rootTtl));
        }

        string keyLocation;
        CaSigner intermediateKey;
        if (options.TokenKey is not null)
        {
            keyLocation = options.TokenKey;
            intermediateKey = new CaSigner(PrivateKeyLoader.Load(access.SourceFor(keyLocation)));
        }
        else
        {
            keyLocation = Path.Combine(directory, CaLayout.CaKeyFile);
            intermediateKey = new CaSigner(NativeSigning.Generate(options.KeyType.NativeType, options.KeyType.RsaBits));
        }

        CaCertificate intermediate;
        string? crossSigned = null;
        using (intermediateKey)
        {
            if (options.TokenKey is null)
            {
                WriteEncryptedKey(intermediateKey, keyLocation, options.Passphrase, options.KdfIterations);
            }

            X509Name subject = Name(settings, options.KeyType, $"Intermediate CA g{id}");
            intermediate = new CaCertificate(CertificateTemplates.Intermediate(rootKey, root, intermediateKey.PublicKeyInfo, subject,
                now - IssuancePolicy.Default.Backdate, now + intermediateTtl));
            if (options.CrossSign && !options.KeepRoot && existing.LastOrDefault(g => g.State == CaGenerationState.Active) is CaGeneration previous)
            {
                crossSigned = CrossSign(layout, previous, access, options, intermediateKey, subject, now, intermediateTtl);
            }
        }

        WritePublic(directory, root, [intermediate], crossSigned);
        var generation = new CaGeneration(0, CaGenerationState.Active, root.ToPem(), intermediate.ToPem(), keyLocation, now,
            intermediate.NotAfter, crossSigned);
        string detail = options.KeepRoot ? $"new intermediate under the same root {root.Fingerprint}" : $"new {options.KeyType} root {root.Fingerprint}";
        return await SaveAsActiveAsync(store, existing, generation, actor, detail, cancellationToken).ConfigureAwait(false);
    }

    // The active generation's root signs the new intermediate: its key is opened from the
    // generation's directory and copied (still encrypted) beside the new intermediate, so later
    // rotations find it where they look. The intermediate cannot outlive the root.
    private static CaSigner KeepActiveRoot(CaLayout layout, IReadOnlyList<CaGeneration> existing, CaKeyAccess access, Options options,
        string directory, DateTimeOffset now, out CaCertificate root, ref TimeSpan intermediateTtl)
    {
        CaGeneration active = existing.LastOrDefault(g => g.State == CaGenerationState.Active)
            ?? throw new CaException("no active generation whose root could sign a new intermediate (run `tlsgw ca init`)");
        string rootKeyPath = RootKeyPath(layout, active);
        if (!File.Exists(rootKeyPath))
        {
            throw new CaException($"generation {active.Id}'s root key is not in {rootKeyPath} (an imported intermediate's root stays with its owner: "
                + "get a new intermediate from that root and import it with `ca init --from-cacerts`)");
        }

        root = CaCertificate.FromPem(active.RootPem);
        TimeSpan left = root.NotAfter - now;
        TimeSpan wanted = options.IntermediateTtl ?? (root.NotAfter - root.NotBefore) / 2;
        if (left < TimeSpan.FromDays(1))
        {
            throw new CaException($"the root expires {root.NotAfter:u}: too soon to sign a new intermediate under it; rotate the root instead");
        }

        var key = new CaSigner(PrivateKeyLoader.Load(access.SourceFor(rootKeyPath)));
        AtomicFile.Write(Path.Combine(directory, CaLayout.RootKeyFile), File.ReadAllBytes(rootKeyPath), AtomicFile.PrivateMode);
        intermediateTtl = wanted < left ? wanted : left;
        return key;
    }

    // The root key sits beside the intermediate's key file (a token-key generation keeps its files in gen-N).
    private static string RootKeyPath(CaLayout layout, CaGeneration generation)
    {
        string directory = PrivateKeySource.IsUri(generation.KeyLocation)
            ? layout.Generation(generation.Id)
            : Path.GetDirectoryName(generation.KeyLocation)!;
        return Path.Combine(directory, CaLayout.RootKeyFile);
    }

    /// <summary>
    /// Takes an intermediate issued by an existing root, from files with Istio's cacerts names:
    /// ca-cert.pem, ca-key.pem (plain or encrypted with <paramref name="sourcePassphrase"/>), cert-chain.pem, root-cert.pem.
    /// The key is re-written encrypted under the CA passphrase in the generation's directory.
    /// </summary>
    public static async Task<CaGeneration> ImportCacertsAsync(ICaStore store, CaLayout layout, string cacertsDirectory,
        SecretSource? sourcePassphrase, byte[] passphrase, string actor, TimeProvider time, CancellationToken cancellationToken = default,
        int kdfIterations = NativeSigning.DefaultKdfIterations)
    {
        string Read(string name) => File.Exists(Path.Combine(cacertsDirectory, name))
            ? File.ReadAllText(Path.Combine(cacertsDirectory, name))
            : throw new CaException($"{Path.Combine(cacertsDirectory, name)} is missing (a cacerts directory holds ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem)");

        CaCertificate intermediate = CaCertificate.FromPem(Read(CaLayout.CaCertFile));
        CaCertificate root = CaCertificate.FromPem(Read(CaLayout.RootCertFile));
        List<CaCertificate> chain = PemText.DecodeAll(Read(CaLayout.ChainFile), "CERTIFICATE").Select(d => new CaCertificate(d))
            .Where(c => c.Fingerprint != root.Fingerprint).ToList();
        if (chain.Count == 0 || chain[0].Fingerprint != intermediate.Fingerprint)
        {
            chain.Insert(0, intermediate);
        }

        using var key = new CaSigner(PrivateKeyLoader.Load(new PrivateKeySource(Path.Combine(cacertsDirectory, CaLayout.CaKeyFile), sourcePassphrase)));
        if (!key.PublicKeyInfo.AsSpan().SequenceEqual(intermediate.Structure.SubjectPublicKeyInfo.GetDerEncoded()))
        {
            throw new CaException("ca-key.pem does not belong to ca-cert.pem");
        }

        CheckImportedChain(chain, root, time.GetUtcNow());

        using FileStream rotationLock = LockDataDirectory(layout);
        IReadOnlyList<CaGeneration> existing = await store.ListGenerationsAsync(cancellationToken).ConfigureAwait(false);
        int id = existing.Count == 0 ? 1 : existing.Max(g => g.Id) + 1;
        string directory = NewGenerationDirectory(layout, id);
        string keyLocation = Path.Combine(directory, CaLayout.CaKeyFile);
        WriteEncryptedKey(key, keyLocation, passphrase, kdfIterations);
        WritePublic(directory, root, chain, null);
        var generation = new CaGeneration(0, CaGenerationState.Active, root.ToPem(), PemText.EncodeAll("CERTIFICATE", chain.Select(c => c.Der)),
            keyLocation, time.GetUtcNow(), intermediate.NotAfter);
        return await SaveAsActiveAsync(store, existing, generation, actor, $"imported intermediate {intermediate.Fingerprint} under root {root.Fingerprint}",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An imported hierarchy must be one we can issue under: every link signed by the next
    /// certificate's key (names alone prove nothing), every certificate a CA allowed to sign
    /// certificates, and all of them valid now.
    /// </summary>
    private static void CheckImportedChain(List<CaCertificate> chain, CaCertificate root, DateTimeOffset now)
    {
        List<CaCertificate> path = [.. chain, root];
        for (int i = 0; i < path.Count; i++)
        {
            CaCertificate certificate = path[i];
            CaCertificate issuer = i + 1 < path.Count ? path[i + 1] : root;
            string name = i == 0 ? "ca-cert.pem" : i == path.Count - 1 ? "root-cert.pem" : $"certificate {i + 1} of cert-chain.pem";
            try
            {
                certificate.Certificate.Verify(issuer.Certificate.GetPublicKey());
            }
            catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException
                or Org.BouncyCastle.Security.SignatureException or InvalidOperationException or ArgumentException)
            {
                throw new CaException($"{name} is not signed by the key of {(i + 1 < path.Count ? "the next certificate in the chain" : "root-cert.pem")}");
            }

            if (certificate.Certificate.GetBasicConstraints() < 0)
            {
                throw new CaException($"{name} is not a CA certificate (basicConstraints CA:TRUE is missing)");
            }

            bool[]? usage = certificate.Certificate.GetKeyUsage();
            if (usage is not null && !usage[5])
            {
                throw new CaException($"{name} may not sign certificates (keyUsage lacks keyCertSign)");
            }

            if (now < certificate.NotBefore || now >= certificate.NotAfter)
            {
                throw new CaException($"{name} is not valid now (valid {certificate.NotBefore:u} to {certificate.NotAfter:u})");
            }
        }
    }

    private static string CrossSign(CaLayout layout, CaGeneration previous, CaKeyAccess access, Options options, CaSigner intermediateKey,
        X509Name subject, DateTimeOffset now, TimeSpan intermediateTtl)
    {
        string previousRootKey = RootKeyPath(layout, previous);
        if (!File.Exists(previousRootKey))
        {
            throw new CaException($"cannot cross-sign: generation {previous.Id}'s root key is not in {previousRootKey}");
        }

        using var oldRootKey = new CaSigner(PrivateKeyLoader.Load(access.SourceFor(previousRootKey)));
        CaCertificate oldRoot = CaCertificate.FromPem(previous.RootPem);
        DateTimeOffset notAfter = now + intermediateTtl < oldRoot.NotAfter ? now + intermediateTtl : oldRoot.NotAfter;
        return PemText.Encode("CERTIFICATE",
            CertificateTemplates.Intermediate(oldRootKey, oldRoot, intermediateKey.PublicKeyInfo, subject, now - IssuancePolicy.Default.Backdate, notAfter));
    }

    private static async Task<CaGeneration> SaveAsActiveAsync(ICaStore store, IReadOnlyList<CaGeneration> existing, CaGeneration generation,
        string actor, string detail, CancellationToken cancellationToken)
    {
        // Save the new generation first: for a moment two are active and the newest wins, so
        // there is never a moment with no signer.
        CaGeneration saved = await store.SaveGenerationAsync(generation,
            new AuditEntry(existing.Count == 0 ? AuditKinds.Init : AuditKinds.Rotate, actor, "generation", detail), cancellationToken).ConfigureAwait(false);
        foreach (CaGeneration old in existing.Where(g => g.State == CaGenerationState.Active))
        {
            await store.SaveGenerationAsync(old with { State = CaGenerationState.Retiring },
                new AuditEntry(AuditKinds.Rotate, actor, $"generation {old.Id}", $"superseded by generation {saved.Id}; root stays trusted until its leaves expire"),
                cancellationToken).ConfigureAwait(false);
        }

        return saved;
    }

    private static FileStream LockDataDirectory(CaLayout layout)
    {
        layout.EnsureDirectories();
        try
        {
            return new FileStream(Path.Combine(layout.CaDirectory, ".generation.lock"), new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException e)
        {
            throw new CaException($"another `ca init` or `ca rotate-root` is running on {layout.DataDirectory}; try again when it has finished ({e.Message})", e);
        }
    }

    /// <summary>gen-N, or gen-N-2, gen-N-3… when a failed earlier attempt left gen-N behind (its keys are never reused).</summary>
    private static string NewGenerationDirectory(CaLayout layout, int id)
    {
        string directory = layout.Generation(id);
        for (int attempt = 2; Directory.Exists(directory); attempt++)
        {
            directory = $"{layout.Generation(id)}-{attempt}";
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return directory;
    }

    private static void WriteEncryptedKey(CaSigner key, string path, byte[] passphrase, int kdfIterations) =>
        AtomicFile.Write(path, key.ExportEncrypted(passphrase, kdfIterations), AtomicFile.PrivateMode);

    private static void WritePublic(string directory, CaCertificate root, IReadOnlyList<CaCertificate> chain, string? crossSigned)
    {
        AtomicFile.Write(Path.Combine(directory, CaLayout.RootCertFile), root.ToPem(), AtomicFile.PublicMode);
        AtomicFile.Write(Path.Combine(directory, CaLayout.CaCertFile), chain[0].ToPem(), AtomicFile.PublicMode);
        AtomicFile.Write(Path.Combine(directory, CaLayout.ChainFile), PemText.EncodeAll("CERTIFICATE", chain.Select(c => c.Der)) + root.ToPem(), AtomicFile.PublicMode);
        if (crossSigned is not null)
        {
            AtomicFile.Write(Path.Combine(directory, "cross-signed-ca-cert.pem"), crossSigned, AtomicFile.PublicMode);
        }
    }

    // SM2 CAs say so in their names: `tlsgw up` puts an SM2 and an ECDSA root for one trust
    // domain in one bundle, and people (and issuer lookups by name) should tell them apart.
    private static X509Name Name(CaSettings settings, CaKeyType keyType, string commonName) =>
        new($"O={settings.TrustDomain},CN=TlsGateway {(keyType.IsSm2 ? "SM2 " : "")}{commonName}");
}
