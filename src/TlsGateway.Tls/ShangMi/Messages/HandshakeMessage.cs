namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The Handshake framing (RFC 8446 §4): msg_type (1 byte) and a uint24 length, then the body. The
/// framed bytes are what the transcript hash covers (§4.4.1), so <see cref="Frame"/> is also how
/// the engine gets the transcript bytes of a message it sends; for a message it receives, hash the
/// bytes as received rather than a re-encoding.
/// </summary>
public static class HandshakeMessage
{
    /// <summary>The length of msg_type plus the uint24 length.</summary>
    public const int HeaderLength = 4;

    /// <summary>Frames the body written by <paramref name="writeBody"/> as a handshake message.</summary>
    public static byte[] Frame(HandshakeType type, Action<TlsWriter> writeBody)
    {
        var writer = new TlsWriter();
        WriteFramed(writer, type, writeBody);
        return writer.ToArray();
    }

    /// <summary>Appends a framed handshake message to <paramref name="writer"/>.</summary>
    public static void WriteFramed(TlsWriter writer, HandshakeType type, Action<TlsWriter> writeBody)
    {
        writer.WriteUInt8((byte)type);
        using (writer.BeginVector24())
        {
            writeBody(writer);
        }
    }

    /// <summary>
    /// Reads the header at the start of <paramref name="buffer"/>; false when fewer than four bytes are
    /// there. The body is complete once the buffer holds <see cref="HeaderLength"/> + <paramref name="bodyLength"/> bytes.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> buffer, out HandshakeType type, out int bodyLength)
    {
        if (buffer.Length < HeaderLength)
        {
            type = default;
            bodyLength = 0;
            return false;
        }

        type = (HandshakeType)buffer[0];
        bodyLength = (buffer[1] << 16) | (buffer[2] << 8) | buffer[3];
        return true;
    }
}
