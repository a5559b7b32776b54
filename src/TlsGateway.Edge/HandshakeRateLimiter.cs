using System.Diagnostics;

namespace TlsGateway.Edge;

/// <summary>
/// A token bucket for new connections: refills <c>perSecond</c> tokens a second, holds at most one
/// second's worth (the burst). Checked at accept, before any crypto is spent. Used by the single
/// accept loop of a listener, so it needs no locking. Zero means unlimited.
/// </summary>
public sealed class HandshakeRateLimiter
{
    private readonly int _perSecond;
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
