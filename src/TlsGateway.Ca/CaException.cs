namespace TlsGateway.Ca;

/// <summary>The CA cannot do what was asked for a reason that is not the caller's fault (setup, keys, state).</summary>
public sealed class CaException : Exception
{
    public CaException(string message)
        : base(message)
    {
    }

    public CaException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
