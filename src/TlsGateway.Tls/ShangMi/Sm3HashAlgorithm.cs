using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>SM3 for the RFC 8998 suites: HMAC-SM3 and HKDF-SM3 from the primitives.</summary>
internal sealed class Sm3HashAlgorithm : Tls13HashAlgorithm
{
    public override string Name => "SM3";

    public override int HashLength => Crypto.ShangMi.Sm3.HashSizeInBytes;

    public override Tls13Hash CreateTranscriptHash() => new Sm3TranscriptHash();

    public override void HashData(ReadOnlySpan<byte> data, Span<byte> destination) => Crypto.ShangMi.Sm3.HashData(data, destination);

    public override void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) => HmacSm3.HashData(key, data, destination);

    public override void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, Span<byte> prk) => HkdfSm3.Extract(ikm, salt, prk);

    public override void Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> output) => HkdfSm3.Expand(prk, output, info);
}
