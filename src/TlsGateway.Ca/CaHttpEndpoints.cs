using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TlsGateway.Ca;

/// <summary>
/// The CA's public read-only HTTP endpoints, mapped onto the admin server:
/// <list type="bullet">
/// <item><c>GET /ca/bundle.pem</c> — trusted roots;</item>
/// <item><c>GET /ca/crl</c>, <c>GET /ca/crl/{generation}</c> — DER CRL (RFC 5280 §5; media type from RFC 2585 §4.2);</item>
/// <item><c>GET /ca/crl.pem</c> — the CRLs of every generation that still signs, PEM, for verifiers' CRL files;</item>
/// <item><c>POST /ca/ocsp</c> and <c>GET /ca/ocsp/{base64}</c> — OCSP (RFC 6960 Appendix A).</item>
/// </list>
/// They reveal nothing secret, so they need no authentication; the admin listener's address
/// decides who can reach them.
/// </summary>
public static class CaHttpEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, CertificateAuthority authority, CrlPublisher crls, OcspResponder ocsp)
    {
        routes.MapGet("/ca/bundle.pem", () => Results.Text(authority.State.TrustBundlePem, "application/x-pem-file"));
        routes.MapGet("/ca/crl", (CancellationToken ct) => CrlAsync(crls, null, ct));
        // Every signing generation's CRL in one PEM file: during a root rotation a verifier with
        // CRL checking on needs the old generation's CRL too, or it refuses every old leaf.
        routes.MapGet("/ca/crl.pem", async (CancellationToken ct) => Results.Text(await crls.GetAllPemAsync(ct), "application/x-pem-file"));
        routes.MapGet("/ca/crl/{generation:int}", (int generation, CancellationToken ct) => CrlAsync(crls, generation, ct));
        routes.MapPost("/ca/ocsp", async (HttpRequest request, CancellationToken ct) =>
        {
            if (request.ContentLength is > OcspResponder.MaxRequestBytes)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }

            byte[]? body = await ReadBodyAsync(request, OcspResponder.MaxRequestBytes, ct);
            return body is null
                ? Results.StatusCode(StatusCodes.Status413PayloadTooLarge)
                : Results.Bytes(await ocsp.RespondAsync(body, ct), "application/ocsp-response");
        });
        // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}.
        routes.MapGet("/ca/ocsp/{**request}", async (string request, CancellationToken ct) =>
        {
            byte[] der;
            try
            {
                der = Convert.FromBase64String(Uri.UnescapeDataString(request));
            }
            catch (FormatException)
            {
                der = [];
            }

            return Results.Bytes(await ocsp.RespondAsync(der, ct), "application/ocsp-response");
        });
    }

    private static async Task<IResult> CrlAsync(CrlPublisher crls, int? generation, CancellationToken ct)
    {
        byte[]? crl = await crls.GetAsync(generation, ct);
        return crl is null ? Results.NotFound() : Results.Bytes(crl, "application/pkix-crl");
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
