using System.ComponentModel;
using System.Diagnostics;

namespace TlsGateway.Telemetry.Tests.Infrastructure;

/// <summary>
/// Runs <c>promtool check metrics</c> (Debian package "prometheus"), Prometheus' own parser and
/// linter, on an exposition given on stdin: an independent judge of our output. Missing promtool
/// is a failure, not a skip, because the test profile of scripts/install-deps.sh installs it.
/// Every run has a hard time limit; a hung child is killed, never waited on forever.
/// </summary>
public static class Promtool
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static async Task<ProcessResult> CheckMetricsAsync(string exposition)
    {
        var info = new ProcessStartInfo("promtool")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("cannot start promtool");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not on PATH; run scripts/install-deps.sh test (Debian package 'prometheus')", e);
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(s_timeout);
            bool timedOut = false;
            try
            {
                await WriteStdinAsync(process, exposition, limit.Token);
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            return new ProcessResult(process.ExitCode, await stdout, await stderr, timedOut);
        }
    }

    private static async Task WriteStdinAsync(Process process, string text, CancellationToken cancellationToken)
    {
        try
        {
            await process.StandardInput.WriteAsync(text.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // promtool stopped reading early (broken pipe); its exit code and output say why.
        }
    }
}
