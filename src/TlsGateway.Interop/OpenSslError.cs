namespace TlsGateway.Interop;

/// <summary>One entry of OpenSSL's per-thread error queue.</summary>
/// <param name="Library">ERR_GET_LIB of the packed code (20 is libssl).</param>
/// <param name="Reason">ERR_GET_REASON of the packed code, e.g. SSL_R_NO_SHARED_CIPHER.</param>
/// <param name="Text">OpenSSL's own rendering, e.g. "error:0A0000C1:SSL routines::no shared cipher".</param>
public sealed record OpenSslError(int Library, int Reason, string Text)
{
    public const int LibSsl = 20;

    public bool IsSsl(OpenSslReason reason) => Library == LibSsl && Reason == (int)reason;

    /// <summary>The alert the peer sent, when this error records one (reason = 1000 + alert).</summary>
    public int? PeerAlert => Library == LibSsl && Reason >= (int)OpenSslReason.AlertBase && Reason < (int)OpenSslReason.AlertBase + 256
        ? Reason - (int)OpenSslReason.AlertBase
        : null;

    public override string ToString() => Text;
}
