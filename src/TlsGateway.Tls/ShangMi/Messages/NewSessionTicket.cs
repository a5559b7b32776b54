namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// NewSessionTicket (RFC 8446 §4.6.1). The lifetime cap of 604800 s and the nonce's role in the
/// resumption PSK are the engine's business; the codec checks lengths only.
/// </summary>
public sealed record NewSessionTicket
{
    public NewSessionTicket(uint lifetime, uint ageAdd, ReadOnlyMemory<byte> nonce, ReadOnlyMemory<byte> ticket, IReadOnlyList<TlsExtension> extensions)
    {
        if (nonce.Length > byte.MaxValue)
        {
            throw new ArgumentException("ticket_nonce holds at most 255 bytes", nameof(nonce));
        }

        if (ticket.Length is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentException("ticket must be 1 to 65535 bytes", nameof(ticket));
        }

        Lifetime = lifetime;
        AgeAdd = ageAdd;
        Nonce = nonce;
        Ticket = ticket;
        Extensions = [.. extensions]; // a copy: the decoded fields must not drift from the list
        ExtensionBlock.EnsurePermitted(Extensions, ExtensionContext.NewSessionTicket);
        if (ExtensionBlock.Find(Extensions, ExtensionType.EarlyData) is { } earlyData)
        {
            MaxEarlyDataSize = ExtensionCodec.DecodeMaxEarlyDataSize(earlyData.Data.Span);
        }
    }

    /// <summary>ticket_lifetime in seconds.</summary>
    public uint Lifetime { get; }

    /// <summary>ticket_age_add: hides the ticket's age on the wire (§4.6.1).</summary>
    public uint AgeAdd { get; }

    public ReadOnlyMemory<byte> Nonce { get; }

    public ReadOnlyMemory<byte> Ticket { get; }

    public IReadOnlyList<TlsExtension> Extensions { get; }

    /// <summary>early_data's max_early_data_size (§4.2.10), if the ticket allows 0-RTT.</summary>
    public uint? MaxEarlyDataSize { get; }

    public static NewSessionTicket Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        uint lifetime = reader.ReadUInt32();
        uint ageAdd = reader.ReadUInt32();
        byte[] nonce = reader.ReadOpaque8().ToArray();
        byte[] ticket = reader.ReadOpaque16(min: 1).ToArray();

        // Extension extensions<0..2^16-2>
        IReadOnlyList<TlsExtension> extensions = ExtensionBlock.Read(ref reader, ExtensionContext.NewSessionTicket, maxLength: ushort.MaxValue - 1);
        reader.EnsureEnd("NewSessionTicket");
        return new NewSessionTicket(lifetime, ageAdd, nonce, ticket, extensions);
    }

    public void Write(TlsWriter writer)
    {
        writer.WriteUInt32(Lifetime);
        writer.WriteUInt32(AgeAdd);
        writer.WriteOpaque8(Nonce.Span);
        writer.WriteOpaque16(Ticket.Span);
        ExtensionBlock.Write(writer, Extensions);
    }

    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.NewSessionTicket, Write);
}
