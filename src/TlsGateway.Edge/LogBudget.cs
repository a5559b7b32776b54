namespace TlsGateway.Edge;

/// <summary>
/// A token bucket for log lines: up to <c>perSecond</c> lines a second (with a burst of as many),
/// and a count of the lines refused since the last one allowed, which that line reports. A flood
/// of failing handshakes then costs a bounded amount of disk and says how big it was.
/// </summary>
internal sealed class LogBudget(int perSecond)
{
    private readonly object _gate = new();
    private readonly long _capacity = perSecond;
    private double _tokens = perSecond;
    private long _last = Environment.TickCount64;
    private long _suppressed;

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> is how many were refused before it.</summary>
    public bool TryTake(out long suppressed)
    {
        lock (_gate)
        {
            long now = Environment.TickCount64;
            _tokens = Math.Min(_capacity, _tokens + (now - _last) * _capacity / 1000.0);
            _last = now;
            if (_tokens < 1)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _tokens -= 1;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
