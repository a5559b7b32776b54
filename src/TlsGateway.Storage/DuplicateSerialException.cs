namespace TlsGateway.Storage;

/// <summary>The ledger already holds this serial; the caller picks a new one and retries.</summary>
public sealed class DuplicateSerialException(string serial)
    : Exception($"serial {serial} is already in the certificate ledger")
{
    public string Serial { get; } = serial;
}
