namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Reads and writes an extensions vector (RFC 8446 §4.2) and applies the rules that need no
/// handshake state: no type twice in one block, and a type the table of §4.2 places elsewhere is
/// refused. Unknown types pass through untouched — a server MUST ignore them in a ClientHello,
/// and whether a response answers a request is for the state machine to judge.
/// </summary>
public static class ExtensionBlock
{
    /// <summary>Reads an extensions vector (two-byte length) of at least <paramref name="minLength"/> bytes.</summary>
    public static IReadOnlyList<TlsExtension> Read(ref TlsReader reader, ExtensionContext context, int minLength = 0, int maxLength = ushort.MaxValue)
    {
        TlsReader block = reader.ReadVector16(minLength, maxLength);
        var extensions = new List<TlsExtension>();
        var seen = new HashSet<ushort>();
        while (!block.IsEmpty)
        {
            var type = (ExtensionType)block.ReadUInt16();
            byte[] data = block.ReadOpaque16().ToArray();

            // §4.2: "There MUST NOT be more than one extension of the same type in a given extension block."
            if (!seen.Add((ushort)type))
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"duplicate extension {type} in {context}");
            }

            extensions.Add(new TlsExtension(type, data));
        }

        EnsurePermitted(extensions, context);
        return extensions;
    }

    /// <summary>Writes <paramref name="extensions"/> as an extensions vector, in the given order.</summary>
    public static void Write(TlsWriter writer, IReadOnlyList<TlsExtension> extensions)
    {
        using (writer.BeginVector16())
        {
            foreach (TlsExtension extension in extensions)
            {
                writer.WriteUInt16((ushort)extension.Type);
                writer.WriteOpaque16(extension.Data.Span);
            }
        }
    }

    /// <summary>
    /// Fails with illegal_parameter if the block repeats a type or holds a recognised extension that
    /// RFC 8446 §4.2 does not allow in <paramref name="context"/> ("If an implementation receives an
    /// extension which it recognizes and which is not specified for the message in which it appears,
    /// it MUST abort the handshake with an illegal_parameter alert").
    /// </summary>
    public static void EnsurePermitted(IReadOnlyList<TlsExtension> extensions, ExtensionContext context)
    {
        var seen = new HashSet<ushort>();
        foreach (TlsExtension extension in extensions)
        {
            if (!seen.Add((ushort)extension.Type))
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"duplicate extension {extension.Type} in {context}");
            }

            ExtensionContext allowed = AllowedIn(extension.Type);
            if (allowed != ExtensionContext.None && (allowed & context) == 0)
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"extension {extension.Type} is not allowed in {context}");
            }
        }
    }

    /// <summary>The first extension of <paramref name="type"/>, or null.</summary>
    public static TlsExtension? Find(IReadOnlyList<TlsExtension> extensions, ExtensionType type)
    {
        foreach (TlsExtension extension in extensions)
        {
            if (extension.Type == type)
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>The §4.2 table; None for types it does not list (those are not checked).</summary>
    public static ExtensionContext AllowedIn(ExtensionType type) => type switch
    {
        ExtensionType.ServerName or ExtensionType.MaxFragmentLength or ExtensionType.SupportedGroups or ExtensionType.UseSrtp
            or ExtensionType.Heartbeat or ExtensionType.ApplicationLayerProtocolNegotiation or ExtensionType.ClientCertificateType
            or ExtensionType.ServerCertificateType => ExtensionContext.ClientHello | ExtensionContext.EncryptedExtensions,
        ExtensionType.StatusRequest or ExtensionType.SignedCertificateTimestamp =>
            ExtensionContext.ClientHello | ExtensionContext.CertificateRequest | ExtensionContext.Certificate,
        ExtensionType.SignatureAlgorithms or ExtensionType.SignatureAlgorithmsCert or ExtensionType.CertificateAuthorities =>
            ExtensionContext.ClientHello | ExtensionContext.CertificateRequest,
        ExtensionType.Padding or ExtensionType.PskKeyExchangeModes or ExtensionType.PostHandshakeAuth => ExtensionContext.ClientHello,
        ExtensionType.KeyShare or ExtensionType.SupportedVersions =>
            ExtensionContext.ClientHello | ExtensionContext.ServerHello | ExtensionContext.HelloRetryRequest,
        ExtensionType.PreSharedKey => ExtensionContext.ClientHello | ExtensionContext.ServerHello,
        ExtensionType.EarlyData => ExtensionContext.ClientHello | ExtensionContext.EncryptedExtensions | ExtensionContext.NewSessionTicket,
        ExtensionType.Cookie => ExtensionContext.ClientHello | ExtensionContext.HelloRetryRequest,
        ExtensionType.OidFilters => ExtensionContext.CertificateRequest,
        _ => ExtensionContext.None,
    };
}
