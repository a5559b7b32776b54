using Microsoft.Extensions.Logging;

namespace TlsGateway.Host;

/// <summary>Console logging for the CLI: one line per event, timestamps in UTC.</summary>
internal static class Logging
{
    public static ILoggerFactory Create(bool verbose) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        // ASP.NET Core logs every request at Information; the admin server's requests are not news.
        builder.AddFilter("Microsoft", verbose ? LogLevel.Debug : LogLevel.Warning);
        // gRPC logs a sidecar that resets its stream at Information with a stack trace: 10,000
        // restarting sidecars would write 10,000 of them. Our own SDS log says what matters.
        builder.AddFilter("Grpc", verbose ? LogLevel.Debug : LogLevel.Warning);
        builder.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
    });
}
