using TlsGateway.Interop;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// Ephemeral ECDH on the SM2 curve: TLS 1.3's curveSM2 group (41, RFC 8998 §3.1). The key share
/// is the 65-byte uncompressed point (RFC 8446 §4.2.8.2) and the shared secret the 32-byte
/// x-coordinate of the product (RFC 8446 §7.4.2). The private scalar never leaves OpenSSL and is
/// cleared when the instance is disposed.
/// </summary>
/// <remarks>
/// This is plain ECDH, not the SM2 key exchange protocol of GB/T 32918.3 (which RFC 8998 does
/// not use). OpenSSL 3.0 refuses EVP_PKEY_derive on keys of its "SM2" type, so the key here is
/// an "EC" key on the group named "SM2" (pal_sm2.h).
/// </remarks>
public sealed class Sm2KeyExchange : IDisposable
{
    public const int KeyShareSizeInBytes = NativeSm2.PointLength;
    public const int SharedSecretSizeInBytes = NativeSm2.SecretLength;

    private readonly SafePrivateKeyHandle _key;
    private readonly byte[] _keyShare = new byte[KeyShareSizeInBytes];

    /// <summary>Generates a fresh key pair.</summary>
    public Sm2KeyExchange()
    {
        _key = NativeSm2.GenerateEcdhKey();
        try
        {
            NativeSm2.ExportPoint(_key, _keyShare);
        }
        catch
        {
            _key.Dispose();
            throw;
        }
    }

    /// <summary>This side's key share: 04 || x || y.</summary>
    public ReadOnlySpan<byte> KeyShare => _keyShare;

    /// <summary>
    /// Writes the 32-byte shared secret with the peer's key share. Throws
    /// <see cref="Sm2PointException"/> when the share is the wrong length, not uncompressed, or
    /// not on the curve (the point at infinity included).
    /// </summary>
    public void DeriveSharedSecret(ReadOnlySpan<byte> peerKeyShare, Span<byte> sharedSecret)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        if (sharedSecret.Length != SharedSecretSizeInBytes)
        {
            throw new ArgumentException($"the SM2 shared secret is {SharedSecretSizeInBytes} bytes", nameof(sharedSecret));
        }

        Sm2PointException.ThrowIfMalformed(peerKeyShare, "the peer's curveSM2 key share");
        if (!NativeSm2.TryDeriveSecret(_key, peerKeyShare, sharedSecret, out string? rejection))
        {
            throw new Sm2PointException($"the peer's curveSM2 key share is not a point on the curve: {rejection}");
        }
    }

    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerKeyShare)
    {
        byte[] secret = new byte[SharedSecretSizeInBytes];
        DeriveSharedSecret(peerKeyShare, secret);
        return secret;
    }

    public void Dispose() => _key.Dispose();
}
