namespace TlsGateway.Interop;

/// <summary>The native session-ticket key ring (80-byte keys; the first encrypts, all decrypt).</summary>
public static class NativeTicketKeys
{
    public const int KeyLength = 80;
    public const int MaxKeys = 8;

    public static SafeTicketKeysHandle Create()
    {
        SafeTicketKeysHandle ring = TlsGwNative.TicketKeysCreate();
        if (ring.IsInvalid)
        {
            ring.Dispose();
            throw new OutOfMemoryException("could not allocate a session ticket key ring");
        }

        return ring;
    }

    /// <param name="keys">count keys of <see cref="KeyLength"/> bytes, back to back.</param>
    public static void Set(SafeTicketKeysHandle ring, ReadOnlySpan<byte> keys)
    {
        if (keys.Length % KeyLength != 0 || keys.Length / KeyLength > MaxKeys)
        {
            throw new ArgumentException($"session ticket keys must be 1 to {MaxKeys} keys of exactly {KeyLength} bytes", nameof(keys));
        }

        if (TlsGwNative.TicketKeysSet(ring, keys, keys.Length / KeyLength) != 1)
        {
            throw new InvalidOperationException("could not install session ticket keys");
        }
    }
}
