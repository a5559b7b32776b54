namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The hash a TLS 1.3 suite names and everything RFC 8446 builds on it: the transcript hash
/// (§4.4.1), HMAC for Finished (§4.4.4) and HKDF for the key schedule (§7.1). The key schedule and
/// record layer only ever talk to this and <see cref="Tls13Aead"/>, which is what keeps the engine
/// suite-agnostic: SM3 for RFC 8998, SHA-256 to be checked against RFC 8448 and OpenSSL.
/// </summary>
public abstract class Tls13HashAlgorithm
{
    /// <summary>SM3 (RFC 8998 §2; GB/T 32905).</summary>
    public static Tls13HashAlgorithm Sm3 { get; } = new Sm3HashAlgorithm();

    /// <summary>SHA-256 (RFC 8446 §B.4).</summary>
    public static Tls13HashAlgorithm Sha256 { get; } = new Sha256HashAlgorithm();

    public abstract string Name { get; }

    /// <summary>Hash.length of RFC 8446 §7.1: digest, HMAC and every secret are this long.</summary>
    public abstract int HashLength { get; }

    public abstract Tls13Hash CreateTranscriptHash();

    /// <summary>Hash(data) in one call: Transcript-Hash of nothing for Derive-Secret(., "derived", "") and the exporter context.</summary>
    public abstract void HashData(ReadOnlySpan<byte> data, Span<byte> destination);

    public abstract void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination);

    /// <summary>HKDF-Extract(salt, IKM) (RFC 5869 §2.2) into <paramref name="prk"/> of <see cref="HashLength"/> bytes.</summary>
    public abstract void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, Span<byte> prk);

    /// <summary>HKDF-Expand(PRK, info, L) (RFC 5869 §2.3), L = <paramref name="output"/>.Length.</summary>
    public abstract void Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> output);

    public override string ToString() => Name;
}
