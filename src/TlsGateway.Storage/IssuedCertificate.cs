namespace TlsGateway.Storage;

/// <summary>One row of the issued-certificate ledger.</summary>
/// <param name="Serial">Lower-case hex of the serial number, no leading zeros; the primary key.</param>
/// <param name="SpiffeId">The identity in the certificate's URI SAN.</param>
/// <param name="Sha256Fingerprint">Lower-case hex SHA-256 of the DER.</param>
/// <param name="Generation">The CA generation whose intermediate signed it.</param>
/// <param name="Der">The certificate itself.</param>
public sealed record IssuedCertificate(
    string Serial,
    string SpiffeId,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Sha256Fingerprint,
    int Generation,
    byte[] Der,
    CertificateStatus Status = CertificateStatus.Active,
    DateTimeOffset? RevokedAt = null,
    RevocationReason? RevocationReason = null);
