namespace TlsGateway.Storage;

/// <summary>
/// A store copy was refused or failed; nothing was committed to the destination. The message
/// names the stores by their descriptions (never with credentials) and says what to do.
/// </summary>
public sealed class StoreCopyException : Exception
{
    public StoreCopyException(string message)
        : base(message)
    {
    }

    public StoreCopyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
