namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One direction's AEAD with its key (RFC 8446 §5.2): a 12-byte per-record nonce, a 16-byte tag,
/// the record header as associated data. <see cref="Open"/> reports a wrong tag as false (the
/// record layer's bad_record_mac), never as an exception, and leaves the plaintext zeroed.
/// Implementations wipe their key on <see cref="Dispose"/>. Not safe for concurrent use.
/// </summary>
public abstract class Tls13Aead : IDisposable
{
    /// <summary>RFC 8446 §5.3: iv_length is max(8, N_MIN) = 12 for every suite here.</summary>
    public const int NonceLength = 12;

    /// <summary>All three suites use a full 16-byte tag (RFC 8998 §2, RFC 5116 §5.1).</summary>
    public const int TagLength = 16;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length; the same memory or disjoint) and writes the tag.</summary>
    public abstract void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag);

    /// <summary>Checks the tag and decrypts into <paramref name="plaintext"/>; false (plaintext zeroed) on a mismatch.</summary>
    public abstract bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext);

    public abstract void Dispose();
}
