namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// CertificateRequest (RFC 8446 §4.3.2). signature_algorithms "MUST be specified"; its absence is
/// reported as a null <see cref="SignatureAlgorithms"/> for the state machine to answer with
/// missing_extension (§9.2), since the codec has no alert of its own for it.
/// </summary>
public sealed record CertificateRequest
{
    public CertificateRequest(ReadOnlyMemory<byte> requestContext, IReadOnlyList<TlsExtension> extensions)
    {
        if (requestContext.Length > byte.MaxValue)
        {
            throw new ArgumentException("certificate_request_context holds at most 255 bytes", nameof(requestContext));
        }

        RequestContext = requestContext;
        Extensions = [.. extensions]; // a copy: the decoded fields must not drift from the list
        ExtensionBlock.EnsurePermitted(Extensions, ExtensionContext.CertificateRequest);
        foreach (TlsExtension extension in Extensions)
        {
            switch (extension.Type)
            {
                case ExtensionType.SignatureAlgorithms:
                    SignatureAlgorithms = ExtensionCodec.DecodeSignatureAlgorithms(extension.Data.Span);
                    break;
                case ExtensionType.SignatureAlgorithmsCert:
                    SignatureAlgorithmsCert = ExtensionCodec.DecodeSignatureAlgorithms(extension.Data.Span);
                    break;
            }
        }
    }

    public ReadOnlyMemory<byte> RequestContext { get; }

    public IReadOnlyList<TlsExtension> Extensions { get; }

    public IReadOnlyList<SignatureScheme>? SignatureAlgorithms { get; }

    public IReadOnlyList<SignatureScheme>? SignatureAlgorithmsCert { get; }

    /// <summary>A CertificateRequest asking for a certificate signed with one of <paramref name="schemes"/>.</summary>
    public static CertificateRequest Create(ReadOnlyMemory<byte> requestContext, IEnumerable<SignatureScheme> schemes) =>
        new(requestContext, [ExtensionCodec.EncodeSignatureAlgorithms(schemes)]);

    public static CertificateRequest Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        byte[] context = reader.ReadOpaque8().ToArray();

        // Extension extensions<2..2^16-1>
        IReadOnlyList<TlsExtension> extensions = ExtensionBlock.Read(ref reader, ExtensionContext.CertificateRequest, minLength: 2);
        reader.EnsureEnd("CertificateRequest");
        return new CertificateRequest(context, extensions);
    }

    public void Write(TlsWriter writer)
    {
        writer.WriteOpaque8(RequestContext.Span);
        ExtensionBlock.Write(writer, Extensions);
    }

    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.CertificateRequest, Write);
}
