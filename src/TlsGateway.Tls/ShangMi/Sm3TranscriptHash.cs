using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>The transcript hash of the RFC 8998 suites: SM3, state in OpenSSL (<see cref="Sm3Hash"/>).</summary>
internal sealed class Sm3TranscriptHash : Tls13Hash
{
    private readonly Sm3Hash _hash;

    public Sm3TranscriptHash()
        : this(new Sm3Hash())
    {
    }

    private Sm3TranscriptHash(Sm3Hash hash) => _hash = hash;

    public override int HashLength => Sm3.HashSizeInBytes;

    public override void AppendData(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    public override int GetCurrentHash(Span<byte> destination) => _hash.GetCurrentHash(destination);

    public override Tls13Hash Clone() => new Sm3TranscriptHash(_hash.Clone());

    public override void Dispose() => _hash.Dispose();
}
