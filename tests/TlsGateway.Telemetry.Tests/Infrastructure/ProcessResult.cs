namespace TlsGateway.Telemetry.Tests.Infrastructure;

/// <summary>The outcome of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    public string Combined => StandardOutput + "\n" + StandardError;
}
