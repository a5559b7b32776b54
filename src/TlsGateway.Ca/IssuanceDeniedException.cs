namespace TlsGateway.Ca;

/// <summary>The CA refused a request. The message names the reason and is safe to show the caller.</summary>
public sealed class IssuanceDeniedException(DenialReason reason, string message) : Exception(message)
{
    public DenialReason Reason { get; } = reason;
}
