namespace TlsGateway.Storage;

/// <summary>
/// The store could not be opened, migrated or used. The message names the store by its
/// <see cref="ICaStore.Description"/> (never with credentials) and states the cause.
/// </summary>
public sealed class StoreException : Exception
{
    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
