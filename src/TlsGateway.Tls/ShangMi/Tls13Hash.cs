namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The running transcript hash of RFC 8446 §4.4.1: every handshake message is appended as it is
/// sent or received, and the key schedule reads the hash so far at several points (after
/// ServerHello, after server Finished, after client Finished) without ending it. <see cref="Clone"/>
/// forks it: a PSK binder hashes a truncated ClientHello (§4.2.11.2), a server computes its
/// Finished and then keeps going. One instance belongs to one connection.
/// </summary>
public abstract class Tls13Hash : IDisposable
{
    public abstract int HashLength { get; }

    public abstract void AppendData(ReadOnlySpan<byte> data);

    /// <summary>Writes Transcript-Hash(messages so far) to <paramref name="destination"/>; appending can go on.</summary>
    public abstract int GetCurrentHash(Span<byte> destination);

    public byte[] GetCurrentHash()
    {
        byte[] digest = new byte[HashLength];
        GetCurrentHash(digest);
        return digest;
    }

    /// <summary>An independent transcript that starts from this one's state.</summary>
    public abstract Tls13Hash Clone();

    public abstract void Dispose();
}
