using System.Diagnostics;

namespace TlsGateway.Ca.Tests.Infrastructure;

/// <summary>
/// Runs the openssl command-line tool: an independent verifier of what the CA produces. Every run
/// has a hard time limit; a hung child is killed, never waited on forever.
/// </summary>
public static class OpenSsl
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static async Task<ProcessResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start openssl");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(s_timeout);
        bool timedOut = false;
        try
        {
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

    /// <summary>Runs openssl and fails the test, showing the command and its output, unless it exits 0.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(string workingDirectory, params string[] arguments)
    {
        ProcessResult result = await RunAsync(workingDirectory, arguments);
        Assert.True(result.Succeeded, $"openssl {string.Join(' ', arguments)} failed (exit {result.ExitCode}, timed out: {result.TimedOut}):\n{result.Combined}");
        return result;
    }
}
