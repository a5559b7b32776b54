using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using TlsGateway.Storage;
using OcspStatus = Org.BouncyCastle.Ocsp.CertificateStatus;

namespace TlsGateway.Ca;

/// <summary>
/// An OCSP responder (RFC 6960) for the certificates this CA issued. Responses are signed by the
/// intermediate that issued the certificate (§4.2.2.2 "the CA who issued the certificate"), so
/// clients need no delegated responder certificate. The transport (HTTP GET/POST, RFC 6960
/// Appendix A) is the admin server's; this class turns request bytes into response bytes.
/// </summary>
public sealed class OcspResponder(CertificateAuthority authority, TimeProvider? time = null)
{
    public const int MaxRequestBytes = 64 * 1024;
    public static readonly TimeSpan ResponseValidity = TimeSpan.FromHours(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<byte[]> RespondAsync(byte[] requestBytes, CancellationToken cancellationToken = default)
    {
        OcspReq request;
        Req[] items;
        try
        {
            if (requestBytes.Length == 0 || requestBytes.Length > MaxRequestBytes)
            {
                return Status(OcspRespStatus.MalformedRequest);
            }

            request = new OcspReq(requestBytes);
            items = request.GetRequestList();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever BouncyCastle throws for bytes that are not an OCSPRequest (it varies with
            // where the structure breaks), the answer is the same: malformedRequest (RFC 6960 §2.3).
            return Status(OcspRespStatus.MalformedRequest);
        }

        if (items.Length == 0)
        {
            return Status(OcspRespStatus.MalformedRequest);
        }

        // One response is signed by one key: every CertID must name the same issuing generation.
        CaState state = authority.State;
        CaGenerationKeys? issuer = state.Generations.FirstOrDefault(g => g.Signer is not null && Matches(items[0].GetCertID(), g));
        if (issuer is null || items.Any(item => !Matches(item.GetCertID(), issuer)))
        {
            return Status(OcspRespStatus.Unauthorized);
        }

        DateTimeOffset now = _time.GetUtcNow();
        var generator = new BasicOcspRespGenerator(new RespID(issuer.Intermediate.Subject));
        foreach (Req item in items)
        {
            CertificateID id = item.GetCertID();
            IssuedCertificate? row = await authority.Store.FindCertificateAsync(SerialNumber.ToText(id.SerialNumber), cancellationToken)
                .ConfigureAwait(false);
            generator.AddResponse(id, StatusOf(row, issuer), now.UtcDateTime, (now + ResponseValidity).UtcDateTime, null);
        }

        // Echo the nonce (RFC 8954) so the client can tie the response to its request.
        X509Extension? nonce = request.RequestExtensions?.GetExtension(OcspObjectIdentifiers.PkixOcspNonce);
        if (nonce is not null)
        {
            generator.SetResponseExtensions(new X509Extensions(
                new Dictionary<DerObjectIdentifier, X509Extension> { [OcspObjectIdentifiers.PkixOcspNonce] = nonce }));
        }

        BasicOcspResp basic = generator.Generate(issuer.Signer, [issuer.Intermediate.Certificate], now.UtcDateTime);
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }

    private static OcspStatus? StatusOf(IssuedCertificate? row, CaGenerationKeys issuer)
    {
        if (row is null || row.Generation != issuer.Id)
        {
            return new UnknownStatus();
        }

        return row.Status == Storage.CertificateStatus.Revoked
            ? new RevokedStatus((row.RevokedAt ?? DateTimeOffset.UnixEpoch).UtcDateTime, (int)(row.RevocationReason ?? RevocationReason.Unspecified))
            : OcspStatus.Good;
    }

    private static bool Matches(CertificateID id, CaGenerationKeys generation)
    {
        try
        {
            return id.MatchesIssuer(generation.Intermediate.Certificate);
        }
        catch (OcspException)
        {
            return false; // a hash algorithm we do not know
        }
    }

    private static byte[] Status(int status) => new OCSPRespGenerator().Generate(status, null).GetEncoded();

}
