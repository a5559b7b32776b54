using Microsoft.Extensions.Logging;

namespace TlsGateway.Sds;

/// <summary>The Istio CA API's log events; stable ids. Never a token, a hash of one, or key material.</summary>
internal static partial class IstioCaLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Issued {Identity} (serial {Serial}) to {Caller} authenticated by {Credential} from {Peer}")]
    public static partial void Issued(ILogger logger, string identity, string serial, string caller, CallerCredential credential, string peer);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Refused unauthenticated CSR from {Peer}: {Reason}")]
    public static partial void Unauthenticated(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Denied CSR from {Caller} at {Peer} ({Status}): {Reason}")]
    public static partial void Denied(ILogger logger, string caller, string peer, global::Grpc.Core.StatusCode status, string reason);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Error, Message = "CSR from {Peer} not answered: {Reason}")]
    public static partial void StoreFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Debug, Message = "Client certificate from {Peer} not accepted: {Reason}")]
    public static partial void CertificateRejected(ILogger logger, string peer, string reason);
}
