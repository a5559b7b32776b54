namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Checks a ClientHello against the options and picks what the server will use (RFC 8446 §4.1.1,
/// RFC 8998 §3). Every refusal is a <see cref="TlsProtocolException"/> with the alert RFC 8446 names.
/// </summary>
internal static class ClientHelloNegotiator
{
    public static ServerNegotiation Negotiate(ManagedServerOptions options, ClientHello hello)
    {
        // §4.2.1: without supported_versions (or without 0x0304 in it) the client does not offer
        // TLS 1.3, and this server speaks nothing else: protocol_version.
        if (!hello.OffersTls13)
        {
            throw new TlsProtocolException(AlertDescription.ProtocolVersion, "the ClientHello does not offer TLS 1.3 in supported_versions");
        }

        // §9.2: a TLS 1.3 ClientHello without a PSK MUST carry signature_algorithms, and
        // supported_groups and key_share come together; a missing one is missing_extension.
        // (A resumption here is negotiated like a full handshake — the suite and its credential first,
        // then the ticket must fit that suite's hash — so signature_algorithms is always needed; the
        // clients that resume, OpenSSL and Bouncy Castle among them, always send it.)
        if (hello.SignatureAlgorithms is null)
        {
            throw new TlsProtocolException(AlertDescription.MissingExtension, "no signature_algorithms (RFC 8446 §9.2)");
        }

        if (hello.SupportedGroups is null || hello.KeyShares is null)
        {
            throw new TlsProtocolException(AlertDescription.MissingExtension, "supported_groups and key_share must both be present (RFC 8446 §9.2)");
        }

        if (hello.PreSharedKey is not null && hello.PskKeyExchangeModes is null)
        {
            // §4.2.9: a client offering pre_shared_key MUST also send psk_key_exchange_modes.
            throw new TlsProtocolException(AlertDescription.MissingExtension, "pre_shared_key without psk_key_exchange_modes (RFC 8446 §4.2.9)");
        }

        foreach (KeyShareEntry share in hello.KeyShares)
        {
            // §4.2.8: "Clients MUST NOT offer any KeyShareEntry values for groups not listed in the
            // client's "supported_groups" extension."
            if (!hello.SupportedGroups.Contains(share.Group))
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"a key share for {share.Group}, which supported_groups does not list");
            }
        }

        string? protocol = ChooseApplicationProtocol(options, hello);
        bool offeredKnownSuite = false;
        foreach (Tls13CipherSuite suite in options.CipherSuites)
        {
            if (!hello.CipherSuites.Contains(suite.Id))
            {
                continue;
            }

            offeredKnownSuite = true;
            ManagedServerCredential? credential = options.CredentialFor(suite);
            if (credential is null || !hello.SignatureAlgorithms.Contains(credential.Scheme))
            {
                // RFC 8998 §3.2: the ShangMi suites are only usable with sm2sig_sm3; the AES suite
                // here only with the ECDSA credential.
                continue;
            }

            ServerNegotiation? chosen = ChooseGroup(options, hello, suite, credential, protocol);
            if (chosen is not null)
            {
                return chosen;
            }
        }

        // §4.1.1: "If the server is unable to negotiate a supported set of parameters ... it MUST
        // abort the handshake with either a handshake_failure or insufficient_security fatal alert."
        throw new TlsProtocolException(AlertDescription.HandshakeFailure, offeredKnownSuite
            ? "no common suite has a matching group, signature scheme and credential"
            : "no cipher suite in common");
    }

    private static ServerNegotiation? ChooseGroup(ManagedServerOptions options, ClientHello hello, Tls13CipherSuite suite,
        ManagedServerCredential credential, string? protocol)
    {
        NamedGroup? retryGroup = null;
        foreach (NamedGroup group in options.Groups)
        {
            if (!KeyShareAgreement.IsImplemented(group) || !ManagedServerOptions.GroupFits(suite, group) || !hello.SupportedGroups!.Contains(group))
            {
                continue;
            }

            foreach (KeyShareEntry share in hello.KeyShares!)
            {
                if (share.Group == group)
                {
                    return new ServerNegotiation(suite, group, credential, protocol, share);
                }
            }

            retryGroup ??= group;
        }

        // §4.1.4: a group both support but without a share: HelloRetryRequest for it.
        return retryGroup is { } retry ? new ServerNegotiation(suite, retry, credential, protocol, null) : null;
    }

    private static string? ChooseApplicationProtocol(ManagedServerOptions options, ClientHello hello)
    {
        if (hello.ApplicationProtocols is null || options.ApplicationProtocols.Count == 0)
        {
            return null;
        }

        foreach (string ours in options.ApplicationProtocols)
        {
            if (hello.ApplicationProtocols.Contains(ours))
            {
                return ours;
            }
        }

        // RFC 7301 §3.2: no protocol in common is no_application_protocol.
        throw new TlsProtocolException(AlertDescription.NoApplicationProtocol, "no ALPN protocol in common");
    }
}
