using Microsoft.Extensions.Logging;

namespace TlsGateway.Host.HotRestart;

internal static partial class HotRestartLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Hot restart: a new tlsgw can take over from this one through {Path}")]
    public static partial void Listening(ILogger logger, string path);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Hot restart is not available ({Path}: {Reason}); serving without it")]
    public static partial void Unavailable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Hot restart: refused process {Pid}, still serving: {Reason}")]
    public static partial void Refused(ILogger logger, int pid, string reason);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Hot restart: handed {Count} listening sockets to process {Pid}; still serving until it says it serves")]
    public static partial void Offered(ILogger logger, int pid, int count);

    [LoggerMessage(EventId = 704, Level = LogLevel.Error, Message = "Hot restart by process {Pid} failed, still serving: {Reason}")]
    public static partial void NewProcessFailed(ILogger logger, int pid, string reason);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "Hot restart: process {Pid} serves now; this one stopped accepting and drains {Connections} connections")]
    public static partial void HandedOff(ILogger logger, int pid, int connections);

    [LoggerMessage(EventId = 706, Level = LogLevel.Information, Message = "Hot restart: took over {Count} listening sockets from process {Pid}")]
    public static partial void TookOver(ILogger logger, int pid, int count);

    [LoggerMessage(EventId = 707, Level = LogLevel.Information, Message = "Hot restart: process {Pid} stopped accepting and drains {Connections} connections")]
    public static partial void OldDraining(ILogger logger, int pid, int connections);

    [LoggerMessage(EventId = 708, Level = LogLevel.Information, Message = "Hot restart: no running tlsgw answers at {Path}; starting fresh")]
    public static partial void NothingToTakeOver(ILogger logger, string path);
}
