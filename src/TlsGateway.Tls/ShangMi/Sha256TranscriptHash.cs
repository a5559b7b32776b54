using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The transcript hash of TLS_AES_128_GCM_SHA256 over .NET's <see cref="IncrementalHash"/>: the
/// suite that lets the same engine be checked against OpenSSL and RFC 8448.
/// </summary>
internal sealed class Sha256TranscriptHash : Tls13Hash
{
    private readonly IncrementalHash _hash;

    public Sha256TranscriptHash()
        : this(IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
    {
    }

    private Sha256TranscriptHash(IncrementalHash hash) => _hash = hash;

    public override int HashLength => SHA256.HashSizeInBytes;

    public override void AppendData(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    public override int GetCurrentHash(Span<byte> destination) => _hash.GetCurrentHash(destination);

    public override Tls13Hash Clone() => new Sha256TranscriptHash(_hash.Clone());

    public override void Dispose() => _hash.Dispose();
}
