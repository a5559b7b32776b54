namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Builds and sends the client's ClientHello (RFC 8446 §4.1.2): TLS 1.3 only in supported_versions,
/// one key share, every implemented signature scheme, server_name, ALPN, psk_key_exchange_modes
/// psk_dhe_ke (so the server may issue tickets), and, when resuming, pre_shared_key last with its
/// binder (§4.2.11.2) computed over the ClientHello cut before the binders.
/// </summary>
internal static class ClientHelloFlight
{
    /// <summary>Sends the first ClientHello with a share of the first configured group.</summary>
    public static ExpectServerHello Start(ClientHandshakeContext context)
    {
        ClientOffer offer = ClientOffer.Create(context.Options);
        context.ServerName = context.Options.ServerName;
        EphemeralKeyShare share = EphemeralKeyShare.Generate(context.Options.Groups[0]);
        try
        {
            (ClientHello hello, byte[] message) = Build(context.Options, offer, share, cookie: null, retryTranscript: null);
            context.Records.SendPlaintextHandshake(message);
            return new ExpectServerHello(offer, hello, message, share);
        }
        catch
        {
            share.Dispose();
            offer.Psk?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The ClientHello and its framed bytes. After a HelloRetryRequest <paramref name="retryTranscript"/>
    /// holds message_hash(ClientHello1) and the HelloRetryRequest: the binder covers them too (§4.2.11.2).
    /// </summary>
    public static (ClientHello Hello, byte[] Message) Build(ManagedClientOptions options, ClientOffer offer, EphemeralKeyShare share,
        byte[]? cookie, Tls13Hash? retryTranscript)
    {
        List<TlsExtension> extensions = [];
        if (!options.ServerNameIsAddress)
        {
            // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in "HostName"."
            extensions.Add(ExtensionCodec.EncodeServerName(options.ServerName));
        }

        extensions.Add(ExtensionCodec.EncodeSupportedVersions([ProtocolVersion.Tls13]));
        extensions.Add(ExtensionCodec.EncodeSupportedGroups(options.Groups));
        extensions.Add(ExtensionCodec.EncodeSignatureAlgorithms(ClientOffer.SignatureSchemes));
        extensions.Add(ExtensionCodec.EncodeClientKeyShares([share.Entry]));
        if (options.ApplicationProtocols.Count > 0)
        {
            extensions.Add(ExtensionCodec.EncodeAlpn(options.ApplicationProtocols));
        }

        if (cookie is not null)
        {
            // §4.2.2: the cookie of a HelloRetryRequest goes back in the new ClientHello.
            extensions.Add(ExtensionCodec.EncodeCookie(cookie));
        }

        extensions.Add(ExtensionCodec.EncodePskKeyExchangeModes([PskKeyExchangeMode.PskDheKe]));
        ManagedClientSession? session = offer.Session;
        if (session is not null)
        {
            var identity = new PskIdentity(session.Ticket, session.ObfuscatedAge(options.Clock.GetUtcNow()));
            byte[] placeholder = new byte[session.Suite.HashLength];
            extensions.Add(ExtensionCodec.EncodeOfferedPsks(new OfferedPsks([identity], [placeholder])));
        }

        var hello = new ClientHello(ProtocolVersion.Tls12, offer.Random, offer.SessionId, [.. offer.Suites.Select(s => s.Id)], extensions);
        byte[] message = hello.ToMessage();
        if (session is not null)
        {
            ClientHello.PatchBinders(message, hello.BindersOffset, [ComputeBinder(offer.Psk!, message, hello.BindersOffset, retryTranscript)]);
        }

        return (hello, message);
    }

    private static byte[] ComputeBinder(Tls13Secret psk, byte[] message, int bindersOffset, Tls13Hash? retryTranscript)
    {
        // §4.2.11.2: the binder is a Finished-style HMAC under binder_key over the transcript up to
        // and including the identities: the framed ClientHello cut where the binders start.
        using Tls13Hash transcript = retryTranscript?.Clone() ?? psk.Suite.CreateTranscriptHash();
        transcript.AppendData(message.AsSpan(0, HandshakeMessage.HeaderLength + bindersOffset));
        using KeyScheduleEarly early = KeyScheduleEarly.WithPsk(psk.Suite, psk.Span);
        using Tls13Secret binderKey = early.DeriveResumptionBinderKey();
        return binderKey.ComputeVerifyData(transcript.GetCurrentHash());
    }
}
