using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using TlsGateway.Ca;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Sds;

/// <summary>
/// One-time enrolment tokens: <c>tlsgw-bt-</c> followed by 32 random bytes in unpadded base64url
/// (RFC 4648 §5), 256 bits, so guessing one is hopeless and the store can keep a plain SHA-256
/// (no salt or slow KDF is needed for a secret with that much entropy). The prefix makes a leaked
/// token recognisable to secret scanners and to people.
/// </summary>
public static class BootstrapTokens
{
    public const string Prefix = "tlsgw-bt-";

    /// <summary>Bearer values longer than this are not ours (a Kubernetes JWT, say) and are hashed like any unknown token.</summary>
    public const int MaxLength = 4096;

    private const int RandomBytes = 32;

    /// <summary>A fresh token. Show it once; keep only <see cref="Hash"/> of it.</summary>
    public static string Generate()
    {
        Span<byte> random = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(random);
        try
        {
            return Prefix + Base64Url.EncodeToString(random);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(random);
        }
    }

    /// <summary>
    /// Creates a token enrolling <paramref name="identity"/> for <paramref name="ttl"/>, stores its
    /// hash with a <c>token-create</c> audit event, and returns the token: the only copy there is.
    /// </summary>
    /// <exception cref="ArgumentException">The identity is not a workload of the CA's trust domain, or the lifetime is not positive.</exception>
    public static async Task<(string Token, BootstrapToken Stored)> CreateAsync(CertificateAuthority authority, SpiffeId identity, TimeSpan ttl,
        CaCaller creator, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.TrustDomain != authority.TrustDomain || !identity.IsWorkload)
        {
            throw new ArgumentException($"{identity} is not a workload ID of trust domain {authority.TrustDomain}", nameof(identity));
        }

        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the token lifetime {ttl} is not positive", nameof(ttl));
        }

        DateTimeOffset now = (time ?? TimeProvider.System).GetUtcNow();
        string token = Generate();
        var stored = new BootstrapToken(Hash(token), identity.ToString(), now, now + ttl, creator.Name);
        await authority.Store.CreateBootstrapTokenAsync(stored,
            new AuditEntry(AuditKinds.TokenCreate, creator.Name, stored.SpiffeId, $"bootstrap token {stored.Id} expires {stored.ExpiresAt:O}"),
            cancellationToken).ConfigureAwait(false);
        return (token, stored);
    }

    /// <summary>SHA-256 of the token's UTF-8 bytes as 64 lower-case hex digits: what the store keeps and looks up.</summary>
    public static string Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>The credential of an <c>authorization: Bearer …</c> value (RFC 6750 §2.1), or null when it is not a bearer credential.</summary>
    public static string? FromAuthorization(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string token = authorization[Scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
