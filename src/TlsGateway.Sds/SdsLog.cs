using Microsoft.Extensions.Logging;

namespace TlsGateway.Sds;

/// <summary>The agent's log lines. None carries key material: secrets are named, never shown.</summary>
internal static partial class SdsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Issued {Resource} for {Identity}, valid until {NotAfter:O}; renewing in {RenewIn}")]
    public static partial void Issued(ILogger logger, string resource, string identity, DateTimeOffset notAfter, TimeSpan renewIn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not obtain {Resource} for {Identity}: {Reason}; serving the current certificate, retrying in {RetryIn}")]
    public static partial void RenewalFailed(ILogger logger, string resource, string identity, string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Error, Message = "Withdrew {Resource} for {Identity}: it expired at {NotAfter:O} and could not be renewed")]
    public static partial void Withdrawn(ILogger logger, string resource, string identity, DateTimeOffset notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SDS NACK from {Caller} for {Resources} version {Version}: {Error}")]
    public static partial void Nack(ILogger logger, string caller, string resources, string version, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SDS request refused: {Reason}")]
    public static partial void Denied(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SDS stream from {Caller} ended: {Reason}")]
    public static partial void StreamEnded(ILogger logger, string caller, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session-ticket keys rotated: {Count} keys, version {Version}")]
    public static partial void TicketKeysRotated(ILogger logger, int count, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trust bundle changed: now {Count} roots (version {Version})")]
    public static partial void BundleChanged(ILogger logger, int count, string version);
}
