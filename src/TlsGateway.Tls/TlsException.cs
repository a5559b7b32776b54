namespace TlsGateway.Tls;

/// <summary>A connection-level TLS failure (handshake or record layer), carrying its classification.</summary>
public sealed class TlsException : Exception
{
    public TlsException(TlsFailure failure)
        : base($"{failure.Reason}: {failure.Detail}")
    {
        Failure = failure;
    }

    public TlsFailure Failure { get; }
}
