using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Host.Commands;

/// <summary>`tlsgw cert inspect SERIAL|FILE`: one certificate, from the ledger or a PEM file, with its ledger status.</summary>
internal static class CertInspectCommand
{
    public static Command Create(CaContext.Options options)
    {
        var target = new Argument<string>("serial-or-file") { Description = "A serial number from the ledger, or a PEM certificate file" };
        var command = new Command("inspect", """
            Show a certificate: identity, DNS names, validity, issuer, key, fingerprint and ledger status.
            Examples: tlsgw cert inspect ./web/cert.pem    tlsgw cert inspect 3f9a0c... --json
            """)
        {
            target,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            string what = result.GetValue(target)!;
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, openKeys: false);
            byte[] der;
            IssuedCertificate? row;
            if (File.Exists(what))
            {
                der = PemText.DecodeFirst(await File.ReadAllTextAsync(what, cancellationToken), "CERTIFICATE");
                var file = new CaCertificate(der);
                row = await ca.Store.FindCertificateAsync(SerialNumber.ToText(file.Certificate.SerialNumber), cancellationToken);
                // A serial alone proves nothing: a foreign or forged certificate can copy one.
                if (row is not null && row.Sha256Fingerprint != file.Fingerprint)
                {
                    row = null;
                }
            }
            else if (SerialNumber.TryParse(what, out string serial))
            {
                row = await ca.Store.FindCertificateAsync(serial, cancellationToken);
                if (row is null)
                {
                    Console.Error.WriteLine($"tlsgw: serial {serial} is not in the ledger (and no file '{what}' exists)");
                    return CaContext.ExitCodes.Refused;
                }

                der = row.Der;
            }
            else
            {
                throw new FormatException($"'{what}' is neither an existing file nor a hexadecimal serial number");
            }

            Print(result.GetValue(options.Json), new CaCertificate(der), row);
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(bool json, CaCertificate certificate, IssuedCertificate? row)
    {
        using var x509 = X509CertificateLoader.LoadCertificate(certificate.Der);
        var san = x509.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        List<string> uris = (certificate.Certificate.GetSubjectAlternativeNames() ?? (System.Collections.ICollection)Array.Empty<object>())
            .Cast<System.Collections.IList>().Where(n => (int)n[0]! == Org.BouncyCastle.Asn1.X509.GeneralName.UniformResourceIdentifier)
            .Select(n => SafeText.Of(n[1]!.ToString()!, 2048)).ToList();
        List<string> dns = san?.EnumerateDnsNames().Select(n => SafeText.Of(n, 253)).ToList() ?? [];
        string status = row is null ? "not in this CA's ledger" : CertCommand.StatusText(row, DateTimeOffset.UtcNow);
        // .NET cannot open an SM2 key (an unknown curve), and has no name for SM2-with-SM3.
        bool sm2Key = certificate.Structure.SubjectPublicKeyInfo.AlgorithmID.Parameters is Org.BouncyCastle.Asn1.DerObjectIdentifier curve
            && curve.Equals(Org.BouncyCastle.Asn1.GM.GMObjectIdentifiers.sm2p256v1);
        string key = sm2Key ? "SM2 256" : x509.PublicKey.Oid.FriendlyName + " " + (x509.GetECDsaPublicKey()?.KeySize ?? x509.GetRSAPublicKey()?.KeySize ?? 0);
        string signature = x509.SignatureAlgorithm.Value == CaKeyType.Sm2.SignatureOid ? "SM2-with-SM3" : x509.SignatureAlgorithm.FriendlyName ?? x509.SignatureAlgorithm.Value ?? "?";
        if (json)
        {
            TableWriter.WriteJson(Console.Out, new
            {
                serial = SerialNumber.ToText(certificate.Certificate.SerialNumber), uris, dns_names = dns, subject = x509.Subject, issuer = x509.Issuer,
                not_before = certificate.NotBefore, not_after = certificate.NotAfter, key, signature, sha256 = certificate.Fingerprint, status,
                generation = row?.Generation, revoked_at = row?.RevokedAt, revocation_reason = row?.RevocationReason,
            });
            return;
        }

        TableWriter.Write(Console.Out, ["FIELD", "VALUE"],
        [
            ["serial", SerialNumber.ToText(certificate.Certificate.SerialNumber)],
            ["spiffe id", uris.Count == 0 ? "-" : string.Join(", ", uris)],
            ["dns names", dns.Count == 0 ? "-" : string.Join(", ", dns)],
            ["subject", x509.Subject.Length == 0 ? "(empty)" : x509.Subject],
            ["issuer", x509.Issuer],
            ["not before", TableWriter.Time(certificate.NotBefore)],
            ["not after", TableWriter.Time(certificate.NotAfter)],
            ["key", key],
            ["signature", signature],
            ["sha256", certificate.Fingerprint],
            ["status", row?.RevokedAt is { } at ? $"{status} at {TableWriter.Time(at)} ({row.RevocationReason})" : status],
        ]);
    }
}
