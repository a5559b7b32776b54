using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// AEAD_AES_128_GCM of TLS_AES_128_GCM_SHA256 over .NET's <see cref="AesGcm"/>, so that the record
/// layer can be checked byte for byte against RFC 8448 and against OpenSSL peers.
/// </summary>
internal sealed class AesGcmAead(ReadOnlySpan<byte> key) : Tls13Aead
{
    private readonly AesGcm _cipher = new(key, TagLength);

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag) =>
        _cipher.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        try
        {
            _cipher.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // A forged or damaged record is an expected event (bad_record_mac), reported as a result
            // like the SM4 AEADs do.
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    public override void Dispose() => _cipher.Dispose();
}
