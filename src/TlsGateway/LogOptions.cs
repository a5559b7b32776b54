using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace TlsGateway.Host;

/// <summary>The logging options every long-running command takes: --verbose and --log-format.</summary>
internal sealed class LogOptions
{
    public Option<bool> Verbose { get; } = new("--verbose") { Description = "Log every handshake and request (Debug level)" };

    public Option<string> Format { get; } = new Option<string>("--log-format")
    {
        Description = "plain (one line per event) or json (one JSON object per line)",
        DefaultValueFactory = _ => "plain",
    }.AcceptOnlyFromAmong("plain", "json");

    public void AddTo(Command command)
    {
        command.Options.Add(Verbose);
        command.Options.Add(Format);
    }

    public ILoggerFactory Create(ParseResult result) => Logging.Create(result.GetValue(Verbose), result.GetValue(Format) == "json");
}
