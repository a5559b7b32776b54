namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What the client holds from ServerHello until the server's Finished (RFC 8446 §4.4): the
/// ClientHello it sent (to tell solicited extensions from unsolicited ones, §4.2), the transcript,
/// the handshake stage of the key schedule (for the application secrets, §7.1), and both handshake
/// traffic secrets: the server's to check its Finished, the client's for its own flight. Passed from
/// state to state; whoever ends the handshake disposes it.
/// </summary>
internal sealed class PendingServerFlight(
    Tls13CipherSuite suite,
    ClientHello sent,
    bool resumed,
    Tls13Hash transcript,
    KeyScheduleHandshake handshake,
    Tls13Secret clientHandshakeSecret,
    Tls13Secret serverHandshakeSecret) : IDisposable
{
    public Tls13CipherSuite Suite { get; } = suite;

    public ClientHello Sent { get; } = sent;

    /// <summary>The server accepted the offered PSK: no Certificate or CertificateVerify follow (§2.2).</summary>
    public bool Resumed { get; } = resumed;

    public Tls13Hash Transcript { get; } = transcript;

    public KeyScheduleHandshake Handshake { get; } = handshake;

    public Tls13Secret ClientHandshakeSecret { get; } = clientHandshakeSecret;

    public Tls13Secret ServerHandshakeSecret { get; } = serverHandshakeSecret;

    /// <summary>
    /// §4.2: "Implementations MUST NOT send extension responses if the remote endpoint did not send
    /// the corresponding extension requests ... Upon receiving such an extension, an endpoint MUST
    /// abort the handshake with an "unsupported_extension" alert."
    /// </summary>
    public static void EnsureSolicited(ClientHello sent, IReadOnlyList<TlsExtension> answers, string message)
    {
        foreach (TlsExtension answer in answers)
        {
            if (ExtensionBlock.Find(sent.Extensions, answer.Type) is null)
            {
                throw new TlsProtocolException(AlertDescription.UnsupportedExtension, $"{answer.Type} in {message}, which the client did not offer");
            }
        }
    }

    public void Dispose()
    {
        Transcript.Dispose();
        Handshake.Dispose();
        ClientHandshakeSecret.Dispose();
        ServerHandshakeSecret.Dispose();
    }
}
