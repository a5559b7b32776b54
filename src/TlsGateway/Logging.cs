using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace TlsGateway.Host;

/// <summary>
/// Console logging for the long-running commands: one line per event, timestamps in UTC, as
/// plain text or as JSON lines (one object per event, for log shippers). Nothing here knows
/// about secrets: the rule that no key, passphrase, token or ticket key reaches a log is kept
/// where messages are written, and checked by the suite over every log it produces.
/// </summary>
internal static class Logging
{
    public static ILoggerFactory Create(bool verbose, bool json = false) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        // ASP.NET Core logs every request at Information; the admin server's requests are not news.
        builder.AddFilter("Microsoft", verbose ? LogLevel.Debug : LogLevel.Warning);
        // gRPC logs a sidecar that resets its stream at Information with a stack trace: 10,000
        // restarting sidecars would write 10,000 of them. Our own SDS log says what matters.
        builder.AddFilter("Grpc", verbose ? LogLevel.Debug : LogLevel.Warning);
        if (json)
        {
            builder.AddJsonConsole(options =>
            {
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                options.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            builder.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                options.ColorBehavior = LoggerColorBehavior.Default;
            });
        }
    });
}
