using System.CommandLine;
using TlsGateway.Host.Commands;

namespace TlsGateway.Host;

/// <summary>The tlsgw entry point: builds the command tree and runs it. Each command lives in Commands/.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        RuntimeTuning.Apply();
        var root = new RootCommand("TlsGateway: TLS/mTLS termination, workload identity CA and SDS provider")
        {
            UpCommand.Create(),
            ServeCommand.Create(),
            EdgeCommand.Create(),
            CaCommand.Create(),
            CertCommand.Create(),
            AuditCommand.Create(),
        };

        // Signals are ours (ShutdownSignal): commands drain connections before exiting.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        ParseResult parsed = root.Parse(args);
        int exitCode = await parsed.InvokeAsync(invocation);
        // Exit 2 for anything the parser rejected (unknown flag, missing or unparseable value),
        // like every other bad input: 1 means "understood and refused" to scripts.
        return parsed.Errors.Count > 0 ? 2 : exitCode;
    }
}
