namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// CertificateVerify (RFC 8446 §4.4.3): the scheme and the signature over the transcript. For
/// sm2sig_sm3 the signature is DER and made under the TLS 1.3 distinguishing ID (RFC 8998 §3.2.1);
/// the codec only carries the bytes.
/// </summary>
public sealed record CertificateVerify(SignatureScheme Algorithm, ReadOnlyMemory<byte> Signature)
{
    public static CertificateVerify Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        var algorithm = (SignatureScheme)reader.ReadUInt16();
        byte[] signature = reader.ReadOpaque16().ToArray();
        reader.EnsureEnd("CertificateVerify");
        return new CertificateVerify(algorithm, signature);
    }

    public void Write(TlsWriter writer)
    {
        writer.WriteUInt16((ushort)Algorithm);
        writer.WriteOpaque16(Signature.Span);
    }

    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.CertificateVerify, Write);
}
