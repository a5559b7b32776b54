using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

/// <summary>SM4-GCM or SM4-CCM behind one shape, so the shared AEAD rules are tested once for both.</summary>
internal sealed class Sm4AeadUnderTest : IDisposable
{
    private readonly Sm4Gcm? _gcm;
    private readonly Sm4Ccm? _ccm;

    public Sm4AeadUnderTest(bool ccm, ReadOnlySpan<byte> key)
    {
        IsCcm = ccm;
        if (ccm)
        {
            _ccm = new Sm4Ccm(key);
        }
        else
        {
            _gcm = new Sm4Gcm(key);
        }
    }

    public bool IsCcm { get; }

    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad, Span<byte> ciphertext, Span<byte> tag)
    {
        if (_ccm is not null)
        {
            _ccm.Seal(nonce, plaintext, aad, ciphertext, tag);
        }
        else
        {
            _gcm!.Seal(nonce, plaintext, aad, ciphertext, tag);
        }
    }

    public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad, Span<byte> plaintext) =>
        _ccm is not null
            ? _ccm.Open(nonce, ciphertext, tag, aad, plaintext)
            : _gcm!.Open(nonce, ciphertext, tag, aad, plaintext);

    /// <summary>ciphertext || tag, the way Bouncy Castle returns it.</summary>
    public byte[] Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        byte[] output = new byte[plaintext.Length + 16];
        Seal(nonce, plaintext, aad, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
        return output;
    }

    public void Dispose()
    {
        _gcm?.Dispose();
        _ccm?.Dispose();
    }
}
