using Microsoft.Extensions.Logging;

namespace TlsGateway.Sds;

/// <summary>The CA API's TLS events; stable ids next to <see cref="IstioCaLog"/>'s. Never key material.</summary>
internal static partial class CaTlsLog
{
    [LoggerMessage(EventId = 5111, Level = LogLevel.Debug, Message = "CA API handshake from {Peer} failed ({Reason}): {Detail}")]
    public static partial void HandshakeFailed(ILogger logger, string peer, string reason, string detail);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Debug,
        Message = "CA API handshake from {Peer}: {Version} {Cipher}, ALPN {Alpn}, resumed {Resumed}, client certificate {Client}")]
    public static partial void HandshakeDone(ILogger logger, string peer, string version, string cipher, string? alpn, bool resumed, string? client);

    [LoggerMessage(EventId = 5113, Level = LogLevel.Information,
        Message = "CA API TLS context rebuilt: serving certificate {Serial}, {Roots} trusted roots for client certificates")]
    public static partial void ContextSwapped(ILogger logger, string serial, int roots);

    [LoggerMessage(EventId = 5114, Level = LogLevel.Warning, Message = "Cannot rebuild the CA API's TLS context; the previous one keeps serving: {Reason}")]
    public static partial void ContextRebuildFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5115, Level = LogLevel.Debug, Message = "CA API connection from {Peer} ended with an error: {Reason}")]
    public static partial void ConnectionError(ILogger logger, string peer, string reason);
}
