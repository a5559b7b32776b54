using System.Diagnostics;

namespace TlsGateway.Host.HotRestart;

/// <summary>
/// POST /admin/restart: starts this very command line again with <c>--hot-restart</c> (the
/// binary on disk may be a new version: that is the point) and reports whether the new process
/// took over. The new process inherits stdout and stderr, so its log goes where this one's goes.
/// </summary>
internal sealed class RestartLauncher(HotRestartCoordinator coordinator)
{
    // A new process gets this long to start and take over before the call reports failure.
    private static readonly TimeSpan TakeOverTimeout = TimeSpan.FromSeconds(90);

    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>True and what happened once another process serves; false and why not otherwise (this process then serves on).</summary>
    public async Task<(bool TookOver, string Message)> RestartAsync(CancellationToken cancellationToken)
    {
        if (!await _one.WaitAsync(0, cancellationToken))
        {
            return (false, "a restart is already running");
        }

        try
        {
            Process child;
            try
            {
                child = Process.Start(StartInfo()) ?? throw new InvalidOperationException("the process did not start");
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                return (false, $"could not start {Environment.ProcessPath}: {e.Message}; still serving");
            }

            using (child)
            {
                var handedOff = new TaskCompletionSource();
                using CancellationTokenRegistration registration = coordinator.HandedOff.Register(handedOff.SetResult);
                Task exited = child.WaitForExitAsync(cancellationToken);
                Task first = await Task.WhenAny(handedOff.Task, exited, Task.Delay(TakeOverTimeout, cancellationToken));
                if (first == handedOff.Task)
                {
                    return (true, $"process {child.Id} serves now; this one ({Environment.ProcessId}) stopped accepting and drains");
                }

                if (child.HasExited)
                {
                    return (false, $"the new process {child.Id} exited with code {child.ExitCode} before it served (its log says why); still serving");
                }

                return (false, $"the new process {child.Id} did not take over within {TakeOverTimeout.TotalSeconds:0} s; still serving (it may still take over)");
            }
        }
        finally
        {
            _one.Release();
        }
    }

    // This command line again. Under `dotnet tlsgw.dll` the host is dotnet and the first argument the dll.
    private static ProcessStartInfo StartInfo()
    {
        string[] arguments = Environment.GetCommandLineArgs();
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this executable is unknown");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(arguments[0]);
        }

        foreach (string argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        if (!arguments.Contains("--hot-restart"))
        {
            start.ArgumentList.Add("--hot-restart");
        }

        return start;
    }
}
