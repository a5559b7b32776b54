using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>AEAD_SM4_CCM of TLS_SM4_CCM_SM3 (RFC 8998 §2) over <see cref="Sm4Ccm"/>.</summary>
internal sealed class Sm4CcmAead(ReadOnlySpan<byte> key) : Tls13Aead
{
    private readonly Sm4Ccm _cipher = new(key);

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag) =>
        _cipher.Seal(nonce, plaintext, associatedData, ciphertext, tag);

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext) =>
        _cipher.Open(nonce, ciphertext, tag, associatedData, plaintext);

    public override void Dispose() => _cipher.Dispose();
}
