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
    public static void SetPeerVerification(SafeSslContextHandle ctx, PeerVerifyMode mode, byte[]? bundlePem, int depth, bool authorize, string where)
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
            NativeSslContext.SetVerify(ctx, mode, store, depth, authorize);
        }
        catch (OpenSslException e)
        {
            throw new TlsConfigurationException($"{where}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A 32-byte session id context from the entry name and its client-certificate policy: a
    /// ticket resumes only on the entry that issued it and only while the trust bundle and mode
    /// are unchanged (the authorizer runs again on every resumption anyway).
    /// </summary>
    public static byte[] SessionIdContext(string entryName, ClientAuthOptions clientAuth)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"tlsgw/{entryName}/{clientAuth.Mode}/{clientAuth.MaxChainDepth}/"));
        hash.AppendData(clientAuth.TrustBundlePem ?? []);
        return hash.GetHashAndReset();
    }
}
