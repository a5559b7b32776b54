using System.CommandLine;
using System.Globalization;
using TlsGateway.Ca;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Host.Commands;

/// <summary>`tlsgw cert issue|list|inspect|renew|revoke`: workload certificates, by the operator.</summary>
internal static class CertCommand
{
    public static Command Create()
    {
        var options = new CaContext.Options();
        return new Command("cert", "Issue, list, inspect, renew and revoke workload certificates")
        {
            Issue(options), List(options), CertInspectCommand.Create(options), Renew(options), Revoke(options),
        };
    }

    private static Command Issue(CaContext.Options options)
    {
        var spiffeId = new Option<string?>("--spiffe-id") { Description = "Identity to issue, spiffe://TRUST-DOMAIN/ns/NS/sa/SA (may come from --csr instead)" };
        var dns = new Option<string[]>("--dns") { Description = "DNS name to add (repeatable)", AllowMultipleArgumentsPerToken = false };
        var keyType = new Option<string>("--key-type") { Description = string.Join(" | ", IssuedFiles.KeyTypes), DefaultValueFactory = _ => "ecdsa-p256" };
        var csr = new Option<string?>("--csr") { Description = "Sign this PKCS#10 request instead of making a key (no key.pem is written)" };
        var ttl = new Option<string?>("--ttl") { Description = "Lifetime, e.g. 24h (capped by the CA policy)" };
        var output = new Option<string>("--out") { Description = "Directory for cert.pem, key.pem (0600) and bundle.pem", Required = true };
        var command = new Command("issue", """
            Issue an X.509-SVID and write DIR/cert.pem (leaf then intermediates), DIR/key.pem (0600) and DIR/bundle.pem.
            Examples:
              tlsgw cert issue --spiffe-id spiffe://example.org/ns/shop/sa/web --dns web.shop.svc --out ./web
              tlsgw cert issue --csr web.csr --ttl 12h --out ./web
            """)
        {
            spiffeId, dns, keyType, csr, ttl, output,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken);
            SpiffeId? id = result.GetValue(spiffeId) is string text ? SpiffeId.Parse(text) : null;
            TimeSpan? lifetime = result.GetValue(ttl) is string t ? DurationText.Parse(t, "--ttl") : null;
            string[] dnsNames = result.GetValue(dns) ?? [];
            byte[] request;
            string? keyPem = null;
            if (result.GetValue(csr) is string csrPath)
            {
                request = ReadCsr(csrPath);
            }
            else
            {
                if (id is null)
                {
                    throw new FormatException("--spiffe-id is required unless --csr names the identity");
                }

                (request, keyPem) = IssuedFiles.NewKeyAndCsr(result.GetValue(keyType)!, id, []);
            }

            IssuedIdentity issued = await ca.Authority.IssueAsync(
                new IssuanceRequest(request, CaCaller.CurrentOperator, id, lifetime, dnsNames), cancellationToken);
            string directory = Path.GetFullPath(result.GetValue(output)!);
            IssuedFiles.Write(directory, issued, keyPem);
            Report(result.GetValue(options.Json), issued, directory, keyPem is not null);
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static Command Renew(CaContext.Options options)
    {
        var input = new Option<string>("--in") { Description = "Directory holding the cert.pem to renew", Required = true };
        var output = new Option<string?>("--out") { Description = "Directory for the new files (default: --in)" };
        var ttl = new Option<string?>("--ttl") { Description = "Lifetime of the new certificate (default: the CA policy's)" };
        var command = new Command("renew", """
            Issue a fresh certificate, with a new key, for the identity and DNS names of an existing cert.pem.
            Example: tlsgw cert renew --in ./web
            """)
        {
            input, output, ttl,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken);
            string from = Path.GetFullPath(result.GetValue(input)!);
            (SpiffeId id, List<string> dnsNames, string keyType) = IssuedFiles.Describe(Path.Combine(from, IssuedFiles.CertificateFile));
            (byte[] request, string keyPem) = IssuedFiles.NewKeyAndCsr(keyType, id, []);
            TimeSpan? lifetime = result.GetValue(ttl) is string t ? DurationText.Parse(t, "--ttl") : null;
            IssuedIdentity issued = await ca.Authority.IssueAsync(
                new IssuanceRequest(request, CaCaller.CurrentOperator, id, lifetime, dnsNames), cancellationToken);
            string directory = result.GetValue(output) is string o ? Path.GetFullPath(o) : from;
            IssuedFiles.Write(directory, issued, keyPem);
            Report(result.GetValue(options.Json), issued, directory, wroteKey: true);
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CaContext.Options options)
    {
        var spiffeId = new Option<string?>("--spiffe-id") { Description = "Only this identity" };
        var expiring = new Option<string?>("--expiring") { Description = "Only unexpired certificates expiring within this duration, e.g. 24h" };
        var status = new Option<string?>("--status") { Description = "active | revoked | expired" };
        var all = new Option<bool>("--all") { Description = "Include expired certificates" };
        var limit = new Option<int>("--limit") { Description = "Most rows to list", DefaultValueFactory = _ => 10_000 };
        var command = new Command("list", """
            List issued certificates, soonest expiry first (unexpired only, unless --all or --status expired).
            Example (what on-call runs first): tlsgw cert list --expiring 24h
            """)
        {
            spiffeId, expiring, status, all, limit,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, openKeys: false);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            string? wanted = result.GetValue(status)?.ToLowerInvariant();
            if (wanted is not (null or "active" or "revoked" or "expired"))
            {
                throw new FormatException($"--status '{wanted}' is not one of active, revoked, expired");
            }

            var query = new CertificateQuery(
                SpiffeId: result.GetValue(spiffeId),
                Status: wanted switch { "active" or "expired" => CertificateStatus.Active, "revoked" => CertificateStatus.Revoked, _ => null },
                NotAfterBefore: wanted == "expired" ? now : result.GetValue(expiring) is string e ? now + DurationText.Parse(e, "--expiring") : null,
                NotAfterAfter: wanted == "expired" || result.GetValue(all) ? null : now,
                Limit: Math.Max(1, result.GetValue(limit)));
            IReadOnlyList<IssuedCertificate> rows = await ca.Store.ListCertificatesAsync(query, cancellationToken);
            if (rows.Count == query.Limit)
            {
                Console.Error.WriteLine($"tlsgw: showing the first {query.Limit} certificates (soonest expiry first); pass --limit to see more");
            }
            if (result.GetValue(options.Json))
            {
                TableWriter.WriteJson(Console.Out, rows.Select(r => new
                {
                    serial = r.Serial, spiffe_id = r.SpiffeId, not_before = r.NotBefore, not_after = r.NotAfter,
                    status = StatusText(r, now), generation = r.Generation, sha256 = r.Sha256Fingerprint,
                    revoked_at = r.RevokedAt, revocation_reason = r.RevocationReason,
                }));
            }
            else
            {
                TableWriter.Write(Console.Out, ["SERIAL", "SPIFFE ID", "NOT AFTER", "EXPIRES IN", "STATUS", "GEN"],
                    rows.Select(r => (IReadOnlyList<string>)
                    [
                        r.Serial, r.SpiffeId, TableWriter.Time(r.NotAfter), Remaining(r.NotAfter - now), StatusText(r, now),
                        r.Generation.ToString(CultureInfo.InvariantCulture),
                    ]));
            }

            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(CaContext.Options options)
    {
        var serials = new Argument<string[]>("serial") { Description = "Serial numbers (hex, colons allowed)", Arity = ArgumentArity.ZeroOrMore };
        var spiffeId = new Option<string?>("--spiffe-id") { Description = "Revoke every unexpired certificate of this identity" };
        var reason = new Option<string>("--reason")
        {
            Description = "unspecified | key-compromise | ca-compromise | affiliation-changed | superseded | cessation-of-operation | certificate-hold | privilege-withdrawn",
            DefaultValueFactory = _ => "unspecified",
        };
        var command = new Command("revoke", """
            Revoke certificates; they appear in the next CRL and OCSP answers.
            Examples:
              tlsgw cert revoke 3f9a0c... --reason key-compromise
              tlsgw cert revoke --spiffe-id spiffe://example.org/ns/shop/sa/web --reason superseded
            """)
        {
            serials, spiffeId, reason,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            RevocationReason why = ParseReason(result.GetValue(reason)!);
            string[] given = result.GetValue(serials) ?? [];
            string? identity = result.GetValue(spiffeId);
            if (given.Length == 0 == (identity is null))
            {
                throw new FormatException("give either serial numbers or --spiffe-id");
            }

            var normalized = new List<string>();
            foreach (string serial in given)
            {
                normalized.Add(SerialNumber.TryParse(serial, out string n) ? n : throw new FormatException($"'{serial}' is not a hexadecimal serial number"));
            }

            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, openKeys: false);
            foreach (string serial in normalized)
            {
                if (await ca.Store.FindCertificateAsync(serial, cancellationToken) is null)
                {
                    Console.Error.WriteLine($"tlsgw: serial {serial} was not issued by this CA");
                    return CaContext.ExitCodes.Refused;
                }
            }

            IReadOnlyList<string> revoked = identity is not null
                ? await ca.Authority.RevokeIdentityAsync(SpiffeId.Parse(identity), why, CaCaller.CurrentOperator, cancellationToken)
                : await ca.Authority.RevokeAsync(normalized, why, CaCaller.CurrentOperator, cancellationToken);
            if (result.GetValue(options.Json))
            {
                TableWriter.WriteJson(Console.Out, new { revoked, reason = why });
            }
            else
            {
                Console.WriteLine(revoked.Count == 0 ? "nothing to revoke (already revoked or no unexpired certificate)" : $"revoked ({why}): {string.Join(", ", revoked)}");
            }

            return revoked.Count == 0 && identity is not null ? CaContext.ExitCodes.Refused : CaContext.ExitCodes.Ok;
        });
        return command;
    }

    internal static RevocationReason ParseReason(string text) =>
        Enum.TryParse(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out RevocationReason reason) && Enum.IsDefined(reason)
            ? reason
            : throw new FormatException($"--reason '{text}' is not a CRL reason (e.g. key-compromise, superseded)");

    internal static string StatusText(IssuedCertificate row, DateTimeOffset now) =>
        row.Status == CertificateStatus.Revoked ? "revoked" : row.NotAfter <= now ? "expired" : "active";

    private static string Remaining(TimeSpan left) =>
        left <= TimeSpan.Zero ? "-" : left.TotalDays >= 1 ? $"{left.TotalDays:0.#}d" : left.TotalHours >= 1 ? $"{left.TotalHours:0.#}h" : $"{Math.Ceiling(left.TotalMinutes)}m";

    private static byte[] ReadCsr(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FormatException($"--csr '{path}' does not exist");
        }

        // Read one byte past the limit so the CA reports "oversized" rather than parsing a truncated file.
        using FileStream stream = info.OpenRead();
        byte[] buffer = new byte[CsrParser.MaxCsrBytes + 1];
        int length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return buffer[..length];
    }

    private static void Report(bool json, IssuedIdentity issued, string directory, bool wroteKey)
    {
        if (json)
        {
            TableWriter.WriteJson(Console.Out, new
            {
                serial = issued.Serial, spiffe_id = issued.SpiffeId, not_before = issued.NotBefore, not_after = issued.NotAfter,
                certificate = Path.Combine(directory, IssuedFiles.CertificateFile),
                key = wroteKey ? Path.Combine(directory, IssuedFiles.KeyFile) : null,
                bundle = Path.Combine(directory, IssuedFiles.BundleFile),
            });
            return;
        }

        Console.WriteLine($"issued {issued.SpiffeId}");
        Console.WriteLine($"  serial     {issued.Serial}");
        Console.WriteLine($"  valid      {TableWriter.Time(issued.NotBefore)} .. {TableWriter.Time(issued.NotAfter)}");
        Console.WriteLine($"  files      {Path.Combine(directory, IssuedFiles.CertificateFile)}{(wroteKey ? $", {Path.Combine(directory, IssuedFiles.KeyFile)}" : "")}, {Path.Combine(directory, IssuedFiles.BundleFile)}");
    }
}
