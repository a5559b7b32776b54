using System.Security.Cryptography;

namespace TlsGateway.Storage.Tests.Infrastructure;

/// <summary>
/// Gives a store the history a CA that has run for a while has, written through the store's own
/// API: three generations (one retired, one retiring with a cross-signed successor), active,
/// revoked and expired certificates, used, refused and unused bootstrap tokens, a CRL number
/// that has moved, and an audit chain longer than one SQLite read page.
/// </summary>
public static class StoreHistory
{
    public const int CertificatesPerGeneration = 12;
    public const int RevokedCount = 4;
    public const int CrlsSigned = 7;
    public const int KeyUseEvents = 600;

    private static readonly DateTimeOffset s_longAgo = new(2020, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public static async Task WriteAsync(ICaStore store)
    {
        CaGeneration first = await store.SaveGenerationAsync(TestData.Generation(), TestData.Entry(AuditKinds.Init, "generation"));
        var certificates = new List<IssuedCertificate>();
        for (int i = 0; i < CertificatesPerGeneration; i++)
        {
            // Every third one expired long ago: "expired" is NotAfter in the past, not a status.
            IssuedCertificate certificate = TestData.Certificate(generation: first.Id);
            certificates.Add(i % 3 == 0 ? certificate with { NotBefore = s_longAgo, NotAfter = s_longAgo.AddHours(24) } : certificate);
        }

        CaGeneration second = await RotateAsync(store, first, crossSigned: null);
        for (int i = 0; i < CertificatesPerGeneration; i++)
        {
            certificates.Add(TestData.Certificate(generation: second.Id, lifetime: TimeSpan.FromHours(1 + i)));
        }

        foreach (IssuedCertificate certificate in certificates)
        {
            await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
        }

        await store.RevokeAsync(certificates.Skip(1).Take(RevokedCount / 2).Select(c => c.Serial).ToArray(), RevocationReason.KeyCompromise,
            TestData.Now.AddMilliseconds(123), TestData.Entry(AuditKinds.Revoke, "two", "reason=KeyCompromise"));
        await store.RevokeAsync(certificates.TakeLast(RevokedCount / 2).Select(c => c.Serial).ToArray(), RevocationReason.Superseded,
            TestData.Now.AddMinutes(1), TestData.Entry(AuditKinds.Revoke, "two more", "reason=Superseded"));
        await store.SaveGenerationAsync(first with { State = CaGenerationState.Retired }, TestData.Entry(AuditKinds.Retire, "generation 1"));
        await RotateAsync(store, second, crossSigned: "-----BEGIN CERTIFICATE-----\ncross\n-----END CERTIFICATE-----\n");

        BootstrapToken used = Token(TimeSpan.FromHours(1));
        BootstrapToken expired = Token(TimeSpan.FromMinutes(-30));
        BootstrapToken unused = Token(TimeSpan.FromDays(1));
        foreach (BootstrapToken token in new[] { used, expired, unused })
        {
            await store.CreateBootstrapTokenAsync(token, new AuditEntry(AuditKinds.TokenCreate, token.CreatedBy, token.SpiffeId, $"bootstrap token {token.Id}"));
        }

        await store.ConsumeBootstrapTokenAsync(used.Hash, TestData.Now.AddMilliseconds(456), "grpc:127.0.0.1:40000");
        await store.ConsumeBootstrapTokenAsync(expired.Hash, TestData.Now, "grpc:127.0.0.1:40001");
        for (int i = 0; i < CrlsSigned; i++)
        {
            await store.NextCrlNumberAsync();
        }

        for (int i = 0; i < KeyUseEvents; i++)
        {
            await store.AppendAuditAsync(new AuditEntry(AuditKinds.KeyUse, "operator:test", "generation 3", $"file, pid {i}, ünïcode ✓"));
        }
    }

    private static async Task<CaGeneration> RotateAsync(ICaStore store, CaGeneration current, string? crossSigned)
    {
        CaGeneration next = await store.SaveGenerationAsync(
            TestData.Generation() with { KeyLocation = "pkcs11:token=ca;object=signer", CrossSignedPem = crossSigned },
            TestData.Entry(AuditKinds.Rotate, "generation"));
        await store.SaveGenerationAsync(current with { State = CaGenerationState.Retiring }, TestData.Entry(AuditKinds.Rotate, $"generation {current.Id}"));
        return next;
    }

    private static BootstrapToken Token(TimeSpan lifetime)
    {
        DateTimeOffset created = lifetime > TimeSpan.Zero ? TestData.Now.AddMinutes(-5) : TestData.Now.AddHours(-1);
        return new BootstrapToken(
            Convert.ToHexStringLower(SHA256.HashData(RandomNumberGenerator.GetBytes(32))),
            TestData.NewSpiffeId(),
            created,
            lifetime > TimeSpan.Zero ? created + lifetime : created.AddMinutes(30),
            "operator:test");
    }
}
