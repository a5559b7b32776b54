using System.Security.Cryptography;

namespace TlsGateway.Storage.Tests.Infrastructure;

/// <summary>Ledger rows and audit entries for tests. Times are whole seconds, as in X.509.</summary>
public static class TestData
{
    public static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static string NewSerial() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)).TrimStart('0');

    public static string NewSpiffeId() => "spiffe://example.org/ns/test/sa/" + Guid.NewGuid().ToString("N");

    public static IssuedCertificate Certificate(string? serial = null, string? spiffeId = null, TimeSpan? lifetime = null, int generation = 1)
    {
        byte[] der = RandomNumberGenerator.GetBytes(700);
        return new IssuedCertificate(
            serial ?? NewSerial(),
            spiffeId ?? NewSpiffeId(),
            Now.AddMinutes(-1),
            Now + (lifetime ?? TimeSpan.FromHours(1)),
            Convert.ToHexStringLower(SHA256.HashData(der)),
            generation,
            der);
    }

    public static AuditEntry Issue(IssuedCertificate certificate) =>
        new(AuditKinds.Issue, "spiffe://example.org/ns/ca/sa/agent", certificate.Serial, $"spiffe_id={certificate.SpiffeId} ttl=1h");

    public static AuditEntry Entry(string kind, string subject, string detail = "test") =>
        new(kind, "operator:test", subject, detail);

    public static CaGeneration Generation(int id = 0, CaGenerationState state = CaGenerationState.Active) => new(
        id,
        state,
        "-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nintermediate\n-----END CERTIFICATE-----\n",
        "/var/lib/tlsgw/ca/intermediate.key",
        Now,
        Now.AddDays(30));
}
