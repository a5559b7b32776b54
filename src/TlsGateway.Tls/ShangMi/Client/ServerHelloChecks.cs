namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What a client checks in every ServerHello and HelloRetryRequest before acting on it (RFC 8446
/// §4.1.3, §4.1.4, §4.2.1): the version, the downgrade sentinel, the session id echo, an offered
/// suite, and no extension the client did not ask for.
/// </summary>
internal static class ServerHelloChecks
{
    // §4.1.3: the last eight bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 or below.
    private static ReadOnlySpan<byte> DowngradeTls12 => [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01];

    private static ReadOnlySpan<byte> DowngradeTls11 => [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00];

    /// <summary>Returns the offered suite the server chose; throws with the RFC's alert otherwise.</summary>
    public static Tls13CipherSuite Check(ServerHello hello, ClientHello sent, ClientOffer offer)
    {
        string what = hello.IsHelloRetryRequest ? "HelloRetryRequest" : "ServerHello";
        if (hello.SelectedVersion is not { } version)
        {
            // Without supported_versions the server answers TLS 1.2 or below, which this client does not speak.
            // §4.1.3: a TLS 1.3 client MUST check the sentinel and answer it with illegal_parameter.
            ReadOnlySpan<byte> tail = hello.Random.Span[^8..];
            if (tail.SequenceEqual(DowngradeTls12) || tail.SequenceEqual(DowngradeTls11))
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the {what} random carries the downgrade sentinel (RFC 8446 §4.1.3)");
            }

            throw new TlsProtocolException(AlertDescription.ProtocolVersion, $"the {what} has no supported_versions: the server does not speak TLS 1.3");
        }

        if (version != ProtocolVersion.Tls13)
        {
            // §4.2.1: a version not offered, or one before TLS 1.3, is illegal_parameter.
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the {what} selects version 0x{version:x4}, not TLS 1.3");
        }

        if (hello.LegacyVersion != ProtocolVersion.Tls12)
        {
            // §4.1.3: "legacy_version ... MUST be set to 0x0303".
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the {what} legacy_version is 0x{hello.LegacyVersion:x4}, not 0x0303");
        }

        if (!hello.LegacySessionIdEcho.Span.SequenceEqual(offer.SessionId))
        {
            // §4.1.3: an echo that does not match "MUST abort the handshake with an illegal_parameter alert".
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the {what} legacy_session_id_echo is not the client's session id");
        }

        // §4.1.3: "A client which receives a cipher suite that was not offered MUST abort the handshake
        // with an "illegal_parameter" alert."
        Tls13CipherSuite suite = offer.Offered(hello.CipherSuite)
            ?? throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the {what} chose suite 0x{hello.CipherSuite:x4}, which was not offered");
        // §4.2: the one extension a server may send unasked is the cookie of a HelloRetryRequest.
        PendingServerFlight.EnsureSolicited(sent, [.. hello.Extensions.Where(e => !(hello.IsHelloRetryRequest && e.Type == ExtensionType.Cookie))], what);
        return suite;
    }
}
