namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Finished (RFC 8446 §4.4.4): verify_data of exactly Hash.length bytes (32 for SM3 and SHA-256),
/// so parsing needs the negotiated hash's length; any other body length is a decode_error.
/// </summary>
public sealed record Finished(ReadOnlyMemory<byte> VerifyData)
{
    public static Finished Parse(ReadOnlySpan<byte> body, int hashLength)
    {
        if (body.Length != hashLength)
        {
            throw new TlsProtocolException(AlertDescription.DecodeError, $"Finished of {body.Length} bytes, expected {hashLength}");
        }

        return new Finished(body.ToArray());
    }

    public void Write(TlsWriter writer)
    {
        writer.WriteBytes(VerifyData.Span);
    }

    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.Finished, Write);
}
