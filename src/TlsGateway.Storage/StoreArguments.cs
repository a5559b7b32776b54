namespace TlsGateway.Storage;

/// <summary>Argument checks both dialects share, so a bad call fails the same way on either.</summary>
internal static class StoreArguments
{
    public static void Check(IssuedCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentException.ThrowIfNullOrEmpty(certificate.Serial, nameof(certificate));
        ArgumentException.ThrowIfNullOrEmpty(certificate.SpiffeId, nameof(certificate));
        ArgumentNullException.ThrowIfNull(certificate.Sha256Fingerprint, nameof(certificate));
        ArgumentNullException.ThrowIfNull(certificate.Der, nameof(certificate));
    }

    public static void Check(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.Kind, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.Actor, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.Subject, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.Detail, nameof(entry));
    }

    public static void Check(CertificateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit, nameof(query));
    }

    public static void Check(CaGeneration generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        ArgumentOutOfRangeException.ThrowIfNegative(generation.Id, nameof(generation));
        ArgumentNullException.ThrowIfNull(generation.RootPem, nameof(generation));
        ArgumentNullException.ThrowIfNull(generation.ChainPem, nameof(generation));
        ArgumentNullException.ThrowIfNull(generation.KeyLocation, nameof(generation));
    }

    /// <summary>The serials to revoke, each once, in the order given.</summary>
    public static string[] Distinct(IReadOnlyList<string> serials)
    {
        ArgumentNullException.ThrowIfNull(serials);
        foreach (string serial in serials)
        {
            ArgumentException.ThrowIfNullOrEmpty(serial, nameof(serials));
        }

        return serials.Distinct(StringComparer.Ordinal).ToArray();
    }
}
