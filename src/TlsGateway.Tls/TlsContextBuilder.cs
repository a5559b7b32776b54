using System.Security.Cryptography;
using System.Text;
using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>Applies a validated profile and mTLS policy to a fresh SSL_CTX: the part server and client contexts share.</summary>
internal static class TlsContextBuilder
{
    public static SafeSslContextHandle Create(bool isServer, TlsProfile profile, string where)
    {
        TlsProfileValidator.Validate(profile, where);
        SafeSslContextHandle ctx = NativeSslContext.Create(isServer);
        try
        {
            NativeSslContext.SetProtocolRange(ctx, (int)profile.MinVersion, (int)profile.MaxVersion);
            NativeSslContext.SetCipherSuites(ctx, profile.CipherSuites);
            NativeSslContext.SetCipherList(ctx, profile.CipherList);
            NativeSslContext.SetGroups(ctx, profile.Groups);
            if (profile.SignatureAlgorithms is not null)
            {
                NativeSslContext.SetSignatureAlgorithms(ctx, profile.SignatureAlgorithms);
            }

            return ctx;
        }
        catch (OpenSslException e)
        {
            ctx.Dispose();
            throw new TlsConfigurationException($"{where}: cannot {e.Operation}: {string.Join("; ", e.Errors)}", e);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    /// <summary>Installs peer verification against <paramref name="bundlePem"/>; the authorizer, if any, runs per connection.</summary>
    /// <param name="crl">CRLs to check the peer's leaf against (fail closed: an issuer without a current CRL fails); null checks no revocation.</param>
    public static void SetPeerVerification(SafeSslContextHandle ctx, PeerVerifyMode mode, byte[]? bundlePem, int depth, bool authorize, string where,
        byte[]? crl = null)
    {
        if (mode == PeerVerifyMode.None)
        {
            NativeSslContext.SetVerify(ctx, PeerVerifyMode.None, null, depth, authorize: false);
            return;
        }

        if (bundlePem is null || bundlePem.Length == 0)
        {
            throw new TlsConfigurationException($"{where}: peer certificates are checked but no trust bundle is configured");
        }

        try
        {
            using SafeTrustStoreHandle store = NativeCertificates.CreateTrustStore(bundlePem, $"for {where}");
            if (crl is not null)
            {
                // Before SetVerify: the context shares this store, so it must be complete by then.
                using SafeRevocationListHandle crls = NativeCertificates.LoadRevocationLists(crl, $"for {where}");
                NativeCertificates.AddRevocationLists(store, crls, $"for {where}");
            }

            NativeSslContext.SetVerify(ctx, mode, store, depth, authorize);
        }
        catch (OpenSslException e)
        {
            throw new TlsConfigurationException($"{where}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A 32-byte session id context from the entry name and its client-certificate policy: a
    /// ticket resumes only on the entry that issued it and only while the trust bundle, mode and
    /// CRL are unchanged (the authorizer runs again on every resumption anyway). A resumption
    /// skips chain verification, revocation included, so a new CRL must end the old sessions:
    /// a client revoked since its full handshake then has to do another one, and fails it.
    /// </summary>
    public static byte[] SessionIdContext(string entryName, ClientAuthOptions clientAuth)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"tlsgw/{entryName}/{clientAuth.Mode}/{clientAuth.MaxChainDepth}/"));
        hash.AppendData(clientAuth.TrustBundlePem ?? []);
        hash.AppendData(SHA256.HashData(clientAuth.RevocationList ?? []));
        return hash.GetHashAndReset();
    }
}
