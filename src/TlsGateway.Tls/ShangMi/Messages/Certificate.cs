namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The Certificate message (RFC 8446 §4.4.2): the request context (empty except in answer to a
/// post-handshake CertificateRequest) and the chain, end-entity first. An empty list is valid on
/// the wire — a client without a certificate sends one — and refusing it is policy (§4.4.2.4).
/// </summary>
public sealed record Certificate
{
    public Certificate(ReadOnlyMemory<byte> requestContext, IReadOnlyList<CertificateEntry> entries)
    {
        if (requestContext.Length > byte.MaxValue)
        {
            throw new ArgumentException("certificate_request_context holds at most 255 bytes", nameof(requestContext));
        }

        foreach (CertificateEntry entry in entries)
        {
            ExtensionBlock.EnsurePermitted(entry.Extensions, ExtensionContext.Certificate);
        }

        RequestContext = requestContext;
        Entries = [.. entries];
    }

    public ReadOnlyMemory<byte> RequestContext { get; }

    public IReadOnlyList<CertificateEntry> Entries { get; }

    public static Certificate Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        byte[] context = reader.ReadOpaque8().ToArray();
        TlsReader list = reader.ReadVector24();
        reader.EnsureEnd("Certificate");
        var entries = new List<CertificateEntry>();
        while (!list.IsEmpty)
        {
            // opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>
            byte[] certData = list.ReadOpaque24(min: 1).ToArray();
            IReadOnlyList<TlsExtension> extensions = ExtensionBlock.Read(ref list, ExtensionContext.Certificate);
            entries.Add(new CertificateEntry(certData, extensions));
        }

        return new Certificate(context, entries);
    }

    public void Write(TlsWriter writer)
    {
        writer.WriteOpaque8(RequestContext.Span);
        using (writer.BeginVector24())
        {
            foreach (CertificateEntry entry in Entries)
            {
                writer.WriteOpaque24(entry.CertData.Span);
                ExtensionBlock.Write(writer, entry.Extensions);
            }
        }
    }

    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.Certificate, Write);
}
