namespace TlsGateway.Tls.ShangMi;

/// <summary>KeyUpdate (RFC 8446 §4.6.3): one byte saying whether the peer must update its sending key too.</summary>
public sealed record KeyUpdate(KeyUpdateRequest RequestUpdate)
{
    public static KeyUpdate Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        byte value = reader.ReadUInt8();
        reader.EnsureEnd("KeyUpdate");

        // §4.6.3: "If an implementation receives any other value, it MUST terminate the connection
        // with an "illegal_parameter" alert."
        if (value > (byte)KeyUpdateRequest.UpdateRequested)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"KeyUpdate request_update {value}");
        }

        return new KeyUpdate((KeyUpdateRequest)value);
    }

    public void Write(TlsWriter writer)
    {
        writer.WriteUInt8((byte)RequestUpdate);
    }

    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.KeyUpdate, Write);
}
