namespace TlsGateway.Storage;

/// <summary>Filters for <see cref="ICaStore.ListCertificatesAsync"/>; null means "any".</summary>
/// <param name="NotAfterBefore">Only certificates whose NotAfter is earlier (the "expiring within" query).</param>
/// <param name="NotAfterAfter">Only certificates whose NotAfter is later (e.g. "not yet expired").</param>
public sealed record CertificateQuery(
    string? SpiffeId = null,
    CertificateStatus? Status = null,
    int? Generation = null,
    DateTimeOffset? NotAfterBefore = null,
    DateTimeOffset? NotAfterAfter = null,
    int Limit = 10_000);
