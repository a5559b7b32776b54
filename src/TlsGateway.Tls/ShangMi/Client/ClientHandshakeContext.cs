namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What every client state may touch: the immutable options, the sessions the server's tickets made
/// resumable, and (from <see cref="HandshakeContext"/>) the record layer and what has been
/// negotiated. Handshake secrets never live here; the sessions do, because they outlive the states.
/// </summary>
internal sealed class ClientHandshakeContext(ManagedClientOptions options, RecordLayer records) : HandshakeContext(records)
{
    /// <summary>A server could send tickets without end; only the newest few are kept.</summary>
    public const int MaxSessions = 4;

    private readonly List<ManagedClientSession> _sessions = [];

    public ManagedClientOptions Options { get; } = options;

    public IReadOnlyList<ManagedClientSession> Sessions => _sessions;

    public void AddSession(ManagedClientSession session)
    {
        if (_sessions.Count == MaxSessions)
        {
            _sessions[0].Dispose();
            _sessions.RemoveAt(0);
        }

        _sessions.Add(session);
    }

    public ManagedClientSession? TakeNewestSession()
    {
        if (_sessions.Count == 0)
        {
            return null;
        }

        ManagedClientSession newest = _sessions[^1];
        _sessions.RemoveAt(_sessions.Count - 1);
        return newest;
    }

    public void DisposeSessions()
    {
        foreach (ManagedClientSession session in _sessions)
        {
            session.Dispose();
        }

        _sessions.Clear();
    }
}
