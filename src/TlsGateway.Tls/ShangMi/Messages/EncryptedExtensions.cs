namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// EncryptedExtensions (RFC 8446 §4.3.1): the server's answers that need no cryptographic context.
/// </summary>
public sealed record EncryptedExtensions
{
    public EncryptedExtensions(IReadOnlyList<TlsExtension> extensions)
    {
        Extensions = [.. extensions]; // a copy: the decoded fields must not drift from the list
        ExtensionBlock.EnsurePermitted(Extensions, ExtensionContext.EncryptedExtensions);
        foreach (TlsExtension extension in Extensions)
        {
            ReadOnlySpan<byte> data = extension.Data.Span;
            switch (extension.Type)
            {
                case ExtensionType.ServerName:
                    // RFC 6066 §3: a server that used the name answers with an empty server_name.
                    ExtensionCodec.DecodeEmpty(data, ExtensionType.ServerName);
                    ServerNameAcknowledged = true;
                    break;
                case ExtensionType.ApplicationLayerProtocolNegotiation:
                    // RFC 7301 §3.1: "The "ProtocolNameList" MUST contain exactly one "ProtocolName"."
                    string[] protocols = ExtensionCodec.DecodeAlpn(data);
                    if (protocols.Length != 1)
                    {
                        throw new TlsProtocolException(AlertDescription.DecodeError, $"the server's ALPN names {protocols.Length} protocols");
                    }

                    ApplicationProtocol = protocols[0];
                    break;
                case ExtensionType.EarlyData:
                    ExtensionCodec.DecodeEmpty(data, ExtensionType.EarlyData);
                    EarlyDataAccepted = true;
                    break;
                case ExtensionType.SupportedGroups:
                    SupportedGroups = ExtensionCodec.DecodeSupportedGroups(data);
                    break;
            }
        }
    }

    public IReadOnlyList<TlsExtension> Extensions { get; }

    public bool ServerNameAcknowledged { get; }

    public string? ApplicationProtocol { get; }

    public bool EarlyDataAccepted { get; }

    /// <summary>The server's preferred groups, a hint for later connections (§4.2.7).</summary>
    public IReadOnlyList<NamedGroup>? SupportedGroups { get; }

    public static EncryptedExtensions Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        IReadOnlyList<TlsExtension> extensions = ExtensionBlock.Read(ref reader, ExtensionContext.EncryptedExtensions);
        reader.EnsureEnd("EncryptedExtensions");
        return new EncryptedExtensions(extensions);
    }

    public void Write(TlsWriter writer)
    {
        ExtensionBlock.Write(writer, Extensions);
    }

    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.EncryptedExtensions, Write);
}
