using Microsoft.Extensions.Logging;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>Source-generated log messages of the edge, with stable event ids (1xxx). Never log key material.</summary>
internal static partial class EdgeLog
{
    [LoggerMessage(1000, LogLevel.Information, "Listening for TLS on {Endpoint}")]
    public static partial void Listening(ILogger logger, System.Net.EndPoint endpoint);

    // One line per failed handshake (LogBudget caps the rate; Suppressed counts the lines it dropped before this one).
    [LoggerMessage(1001, LogLevel.Information, "TLS handshake from {Remote} on listener '{Listener}' failed: {Reason}: {Detail} (suppressed before this: {Suppressed})")]
    public static partial void HandshakeFailed(ILogger logger, System.Net.EndPoint? remote, string listener, string reason, string detail, long suppressed);

    [LoggerMessage(1002, LogLevel.Debug, "TLS handshake from {Remote} done: {Version} {Cipher} sni={ServerName} alpn={Alpn} resumed={Resumed} peer={Peer}")]
    public static partial void HandshakeDone(ILogger logger, System.Net.EndPoint? remote, string version, string cipher, string? serverName, string? alpn, bool resumed, string? peer);

    [LoggerMessage(1003, LogLevel.Warning, "Connection limit {Limit} ({Source}) reached on {Endpoint}; closing new connection from {Remote} (closed since the last line: {Suppressed})")]
    public static partial void ConnectionLimit(ILogger logger, int limit, string source, System.Net.EndPoint endpoint, System.Net.EndPoint? remote, long suppressed);

    [LoggerMessage(1004, LogLevel.Debug, "Connection from {Remote} ended with an error: {Message}")]
    public static partial void ConnectionError(ILogger logger, System.Net.EndPoint? remote, string message);

    [LoggerMessage(1005, LogLevel.Warning, "Cannot connect to upstream {Upstream}: {Message}")]
    public static partial void UpstreamConnectFailed(ILogger logger, System.Net.EndPoint upstream, string message);

    [LoggerMessage(1006, LogLevel.Information, "TLS configuration replaced on {Endpoint}; new connections use it")]
    public static partial void ContextSwapped(ILogger logger, System.Net.EndPoint endpoint);

    [LoggerMessage(1007, LogLevel.Error, "Out of file descriptors on {Endpoint}: accepting pauses for {Milliseconds} ms (pauses since the last line: {Suppressed}); raise the limit (ulimit -n, systemd LimitNOFILE=) or lower max_connections")]
    public static partial void OutOfDescriptors(ILogger logger, System.Net.EndPoint endpoint, int milliseconds, long suppressed);

    [LoggerMessage(1008, LogLevel.Debug, "Handshake rate limit reached on {Endpoint}; closed connection from {Remote} before any crypto")]
    public static partial void HandshakeRateLimited(ILogger logger, System.Net.EndPoint endpoint, System.Net.EndPoint? remote);

    [LoggerMessage(1009, LogLevel.Warning, "Upstream endpoint {Endpoint} of chain {Chain} ejected after {Failures} consecutive connect failures; retried in {Seconds} s")]
    public static partial void EndpointEjected(ILogger logger, System.Net.EndPoint endpoint, string chain, int failures, double seconds);

    [LoggerMessage(1010, LogLevel.Warning, "No upstream of chain {Chain} accepted the connection from {Remote}; closing it")]
    public static partial void NoUpstream(ILogger logger, string chain, System.Net.EndPoint? remote);

    [LoggerMessage(1012, LogLevel.Warning, "TLS handshake with upstream {Endpoint} of chain {Chain} failed: {Reason}: {Detail}")]
    public static partial void UpstreamTlsFailed(ILogger logger, System.Net.EndPoint endpoint, string chain, TlsFailureReason reason, string detail);

    [LoggerMessage(1013, LogLevel.Information, "OCSP staple for {Certificate} installed, valid until {NextUpdate:u}")]
    public static partial void OcspStapled(ILogger logger, string certificate, DateTimeOffset nextUpdate);

    [LoggerMessage(1014, LogLevel.Warning, "No OCSP staple for {Certificate}: {Problem} (still stapling the previous response: {StillValid}); serving without one when none is valid")]
    public static partial void OcspUnavailable(ILogger logger, string certificate, string problem, bool stillValid);

    [LoggerMessage(1015, LogLevel.Error, "Unexpected failure on the connection from {Remote}; it was closed")]
    public static partial void ConnectionCrashed(ILogger logger, System.Net.EndPoint? remote, Exception exception);

    // The access log (category tlsgw.access, off unless a listener sets access_log): one line per forwarded connection.
    [LoggerMessage(1016, LogLevel.Information, "{Remote} listener={Listener} chain={Chain} sni={ServerName} alpn={Alpn} {Version} {Cipher} resumed={Resumed} peer={Peer} upstream={Upstream} in={Received} out={Sent} ms={Milliseconds} end={End}")]
    public static partial void Access(ILogger logger, System.Net.EndPoint? remote, string listener, string chain, string serverName, string alpn,
        string version, string cipher, bool resumed, string peer, System.Net.EndPoint upstream, long received, long sent, long milliseconds, string end);

    [LoggerMessage(1017, LogLevel.Information, "Listener '{Listener}' runs its connections on the event loops")]
    public static partial void RunsOnLoops(ILogger logger, string listener);

    [LoggerMessage(1018, LogLevel.Information, "Listener '{Listener}' runs its connections on the task-based path: {Reason}")]
    public static partial void RunsOnTasks(ILogger logger, string listener, string reason);

    [LoggerMessage(1019, LogLevel.Warning, "Accepting on {Endpoint} failed: {Reason}; trying again in {Milliseconds} ms (failures since the last line: {Suppressed})")]
    public static partial void AcceptFailed(ILogger logger, System.Net.EndPoint endpoint, string reason, int milliseconds, long suppressed);

    [LoggerMessage(1011, LogLevel.Debug, "Connection from {Remote} idle for {Seconds} s; closing it")]
    public static partial void IdleClosed(ILogger logger, System.Net.EndPoint? remote, double seconds);
}
