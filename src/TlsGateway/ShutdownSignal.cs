using System.Runtime.InteropServices;

namespace TlsGateway.Host;

/// <summary>
/// SIGTERM and SIGINT become a cancellation token, and the runtime's default "exit now" is
/// suppressed so the process can drain its connections first. A process with nothing to reload
/// passes <c>hangup</c>: SIGHUP then calls it instead of killing the process (the runtime's
/// default), since operators and systemd's ExecReload send it to every tlsgw alike.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration? _hangup;

    public ShutdownSignal(Action? hangup = null)
    {
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        if (hangup is not null)
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                hangup();
            });
        }
    }

    public CancellationToken Token => _source.Token;

    /// <summary>Completes when SIGTERM or SIGINT arrives.</summary>
    public Task WaitAsync() => Task.Delay(Timeout.Infinite, _source.Token).ContinueWith(_ => { }, TaskScheduler.Default);

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        _term.Dispose();
        _interrupt.Dispose();
        _hangup?.Dispose();
        _source.Dispose();
    }
}
