namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A TLS 1.3 cipher suite as a plain record (the rustls habit): its code point, the hash that
/// drives the transcript, HMAC and HKDF (RFC 8446 §7.1), and the AEAD that protects records
/// (§5.2) with its key length. The engine reads everything suite-specific from here, so the same
/// handshake and record code runs the RFC 8998 ShangMi suites and TLS_AES_128_GCM_SHA256.
/// </summary>
/// <param name="ConfidentialityLimit">
/// Records one key may protect before it must be replaced with a KeyUpdate (RFC 8446 §5.5).
/// </param>
public sealed record Tls13CipherSuite(
    ushort Id,
    string Name,
    Tls13HashAlgorithm Hash,
    int KeyLength,
    Tls13AeadFactory CreateAead,
    ulong ConfidentialityLimit)
{
    /// <summary>
    /// TLS_SM4_GCM_SM3 {0x00, 0xC6} (RFC 8998 §2). SM4 has AES's 128-bit block, so GCM's
    /// AES limit of 2^24.5 full-size records (RFC 8446 §5.5) carries over.
    /// </summary>
    public static Tls13CipherSuite Sm4GcmSm3 { get; } =
        new(0x00C6, "TLS_SM4_GCM_SM3", Tls13HashAlgorithm.Sm3, 16, key => new Sm4GcmAead(key), GcmLimit);

    /// <summary>
    /// TLS_SM4_CCM_SM3 {0x00, 0xC7} (RFC 8998 §2). CCM's bound is lower than GCM's (RFC 9147
    /// §4.5.3 gives AES-CCM 2^23 records); the same block size gives SM4-CCM the same.
    /// </summary>
    public static Tls13CipherSuite Sm4CcmSm3 { get; } =
        new(0x00C7, "TLS_SM4_CCM_SM3", Tls13HashAlgorithm.Sm3, 16, key => new Sm4CcmAead(key), 1UL << 23);

    /// <summary>TLS_AES_128_GCM_SHA256 {0x13, 0x01} (RFC 8446 §B.4): the suite OpenSSL and RFC 8448 speak.</summary>
    public static Tls13CipherSuite Aes128GcmSha256 { get; } =
        new(0x1301, "TLS_AES_128_GCM_SHA256", Tls13HashAlgorithm.Sha256, 16, key => new AesGcmAead(key), GcmLimit);

    /// <summary>Every suite the managed engine implements, ShangMi first (the order a server prefers them in).</summary>
    public static IReadOnlyList<Tls13CipherSuite> All { get; } = [Sm4GcmSm3, Sm4CcmSm3, Aes128GcmSha256];

    // 2^24.5 ≈ 23,726,566 records (RFC 8446 §5.5).
    private const ulong GcmLimit = 23_726_566;

    /// <summary>RFC 8446 §5.3: the per-record nonce is as long as the IV, 12 bytes for every suite here.</summary>
    public int IvLength => Tls13Aead.NonceLength;

    public int TagLength => Tls13Aead.TagLength;

    public int HashLength => Hash.HashLength;

    /// <summary>True for the RFC 8998 suites.</summary>
    public bool IsShangMi => Id is 0x00C6 or 0x00C7;

    /// <summary>The suite with code point <paramref name="id"/>, or null if the engine does not implement it.</summary>
    public static Tls13CipherSuite? Find(ushort id)
    {
        foreach (Tls13CipherSuite suite in All)
        {
            if (suite.Id == id)
            {
                return suite;
            }
        }

        return null;
    }

    public Tls13Hash CreateTranscriptHash() => Hash.CreateTranscriptHash();

    public override string ToString() => Name;
}
