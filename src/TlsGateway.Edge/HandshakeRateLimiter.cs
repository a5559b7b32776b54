using System.Diagnostics;

namespace TlsGateway.Edge;

/// <summary>
/// A token bucket for new connections: refills <c>perSecond</c> tokens a second, holds at most one
/// second's worth (the burst). Checked at accept, before any crypto is spent, by every event loop
/// that accepts for the listener, so the bucket is locked (uncontended but for a burst). Zero means unlimited.
/// </summary>
public sealed class HandshakeRateLimiter
{
    private readonly int _perSecond;
    private readonly object _gate = new();
    private double _tokens;
    private long _lastTimestamp;

    public HandshakeRateLimiter(int perSecond)
    {
        _perSecond = perSecond;
        _tokens = perSecond;
        _lastTimestamp = Stopwatch.GetTimestamp();
    }

    public bool TryAcquire()
    {
        if (_perSecond <= 0)
        {
            return true;
        }

        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            _tokens = Math.Min(_perSecond, _tokens + (Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds * _perSecond));
            _lastTimestamp = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
