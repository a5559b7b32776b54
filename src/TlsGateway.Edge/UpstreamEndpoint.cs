using System.Net;

namespace TlsGateway.Edge;

/// <summary>Runtime state of one upstream endpoint: consecutive failures, ejection, active connections.</summary>
public sealed class UpstreamEndpoint
{
    private int _consecutiveFailures;
    private long _ejectedUntil;
    private int _active;
    private long _connectFailures;
    private long _ejections;

    public UpstreamEndpoint(EndPoint address)
    {
        Address = address;
        Label = address.ToString() ?? "";
    }

    public EndPoint Address { get; }

    /// <summary>The address as a metrics label ("10.0.0.5:8080").</summary>
    public string Label { get; }

    public int Active => Volatile.Read(ref _active);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    public long Ejections => Interlocked.Read(ref _ejections);

    public long EjectedUntil => Interlocked.Read(ref _ejectedUntil);

    public bool IsEjected(long now) => now < EjectedUntil;

    public void Acquire() => Interlocked.Increment(ref _active);

    public void Release() => Interlocked.Decrement(ref _active);

    internal void RecordSuccess() => Volatile.Write(ref _consecutiveFailures, 0);

    /// <summary>Counts a failure; returns true when this failure ejected the endpoint.</summary>
    internal bool RecordFailure(int threshold, TimeSpan ejectFor)
    {
        Interlocked.Increment(ref _connectFailures);
        if (Interlocked.Increment(ref _consecutiveFailures) < threshold)
        {
            return false;
        }

        Volatile.Write(ref _consecutiveFailures, 0);
        Interlocked.Exchange(ref _ejectedUntil, Environment.TickCount64 + (long)ejectFor.TotalMilliseconds);
        Interlocked.Increment(ref _ejections);
        return true;
    }
}
