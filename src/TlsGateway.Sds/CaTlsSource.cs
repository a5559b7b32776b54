using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Tls;

namespace TlsGateway.Sds;

/// <summary>
/// The OpenSSL server context new CA API connections handshake with, kept in step with its two
/// inputs: the serving certificate (renewed in place) and the CA's trust bundle (changed by root
/// rotations and retirements). Each new connection checks both by reference, which costs nothing
/// while they are unchanged; when one has moved, a new context is built and swapped in, and the
/// old one is disposed once no handshake uses it. If building fails, the old context keeps serving.
/// </summary>
/// <remarks>
/// Client certificates are optional (bootstrap-token callers have none) but verified by OpenSSL
/// when presented: a chain that does not end at one of the CA's roots, is outside its validity or
/// is not for client authentication fails the handshake with the matching alert. What OpenSSL
/// cannot know — the ledger, revocation, the trust domain — <see cref="CaCallerAuthenticator"/>
/// checks per call. ALPN offers h2 only (RFC 7540 section 3.3); TLS 1.2 and 1.3.
/// </remarks>
internal sealed class CaTlsSource : IDisposable
{
    public const string EntryName = "ca-api";

    private static readonly string[] s_h2 = ["h2"];

    private readonly CaServingCertificate _serving;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private CaTlsSnapshot _current;
    private bool _disposed;

    public CaTlsSource(CaServingCertificate serving, ILogger logger)
    {
        _serving = serving;
        _logger = logger;
        _current = Build(serving.Current, serving.Authority.State.TrustedRoots);
    }

    /// <summary>The snapshot a new connection uses, entered: the caller calls <see cref="CaTlsSnapshot.Exit"/> when its handshake is over.</summary>
    public CaTlsSnapshot Enter()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CaTlsSnapshot current = _current;
            if (!current.Matches(_serving.Current, _serving.Authority.State.TrustedRoots))
            {
                current = Refresh(current);
            }

            current.Enter();
            return current;
        }
    }

    private CaTlsSnapshot Refresh(CaTlsSnapshot current)
    {
        CaTlsSnapshot next;
        try
        {
            next = BuildFromLatest();
        }
        catch (Exception e) when (e is TlsConfigurationException or Crypto.CryptoConfigurationException or Interop.OpenSslException)
        {
            // Keep serving what works; the next connection tries again.
            CaTlsLog.ContextRebuildFailed(_logger, e.Message);
            return current;
        }

        _current = next;
        current.Retire();
        CaTlsLog.ContextSwapped(_logger, next.Serving.Certificate.SerialNumber, next.Roots.Count);
        return next;
    }

    // A renewal disposes the previous serving snapshot's key handles; if that happened between
    // reading the snapshot and building from it, the build fails on the disposed handle and is
    // done again from the snapshot that replaced it.
    private CaTlsSnapshot BuildFromLatest()
    {
        for (int attempt = 0; ; attempt++)
        {
            CaServingSnapshot serving = _serving.Current;
            try
            {
                return Build(serving, _serving.Authority.State.TrustedRoots);
            }
            catch (ObjectDisposedException) when (attempt < 3 && !ReferenceEquals(serving, _serving.Current))
            {
            }
        }
    }

    private static CaTlsSnapshot Build(CaServingSnapshot serving, IReadOnlyList<byte[]> roots)
    {
        byte[] bundle = System.Text.Encoding.ASCII.GetBytes(PemText.EncodeAll("CERTIFICATE", roots));
        var entry = new ServerNameEntry(EntryName, [], [serving.Pair], TlsProfile.Default,
            new ClientAuthOptions(ClientCertificateMode.Optional, bundle), s_h2);
        return new CaTlsSnapshot(TlsServerContext.Create(new TlsServerOptions([entry])), serving, roots);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _current.Retire();
            }
        }
    }
}
