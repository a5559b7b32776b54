using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>SHA-256 for TLS_AES_128_GCM_SHA256, over .NET's HMAC and HKDF.</summary>
internal sealed class Sha256HashAlgorithm : Tls13HashAlgorithm
{
    public override string Name => "SHA-256";

    public override int HashLength => SHA256.HashSizeInBytes;

    public override Tls13Hash CreateTranscriptHash() => new Sha256TranscriptHash();

    public override void HashData(ReadOnlySpan<byte> data, Span<byte> destination) => SHA256.HashData(data, destination);

    public override void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) => HMACSHA256.HashData(key, data, destination);

    public override void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, Span<byte> prk) => HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt, prk);

    public override void Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> output) => HKDF.Expand(HashAlgorithmName.SHA256, prk, output, info);
}
