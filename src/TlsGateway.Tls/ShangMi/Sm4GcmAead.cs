using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>AEAD_SM4_GCM of TLS_SM4_GCM_SM3 (RFC 8998 §2) over <see cref="Sm4Gcm"/>.</summary>
internal sealed class Sm4GcmAead(ReadOnlySpan<byte> key) : Tls13Aead
{
    private readonly Sm4Gcm _cipher = new(key);

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag) =>
        _cipher.Seal(nonce, plaintext, associatedData, ciphertext, tag);

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext) =>
        _cipher.Open(nonce, ciphertext, tag, associatedData, plaintext);

    public override void Dispose() => _cipher.Dispose();
}
