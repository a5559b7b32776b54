namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A protocol error of the managed TLS 1.3 engine: the connection ends with the fatal alert
/// <see cref="Alert"/> (RFC 8446 §6.2). The message is for logs, never sent to the peer.
/// </summary>
public sealed class TlsProtocolException(AlertDescription alert, string message) : Exception(message)
{
    public AlertDescription Alert { get; } = alert;
}
