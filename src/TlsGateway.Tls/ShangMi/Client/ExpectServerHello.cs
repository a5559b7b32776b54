using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// After a ClientHello: a ServerHello, or (once) a HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). The
/// state holds the key share's private key until the server's share arrives, the ClientHello sent,
/// and after a retry the transcript that restarted with message_hash (§4.4.1).
/// </summary>
internal sealed class ExpectServerHello(ClientOffer offer, ClientHello sent, byte[] sentMessage, EphemeralKeyShare share,
    Tls13Hash? retryTranscript = null, Tls13CipherSuite? retrySuite = null) : ClientState
{
    public override ClientState Handle(ClientHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.ServerHello)
        {
            throw Unexpected(type, "ServerHello");
        }

        ServerHello hello = ServerHello.Parse(Body(message));
        Tls13CipherSuite suite = ServerHelloChecks.Check(hello, sent, offer);
        if (hello.IsHelloRetryRequest)
        {
            if (retryTranscript is not null)
            {
                // §4.1.4: "If a client receives a second HelloRetryRequest in the same connection ...
                // it MUST abort the handshake with an "unexpected_message" alert."
                throw new TlsProtocolException(AlertDescription.UnexpectedMessage, "a second HelloRetryRequest");
            }

            return Retry(context, hello, suite, message);
        }

        if (retrySuite is not null && suite != retrySuite)
        {
            // §4.1.4: the ServerHello's suite must be the HelloRetryRequest's, else illegal_parameter.
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "the ServerHello's suite differs from the HelloRetryRequest's");
        }

        return Accept(context, hello, suite, message);
    }

    public override void Dispose()
    {
        share.Dispose();
        offer.Psk?.Dispose();
        retryTranscript?.Dispose();
    }

    private ExpectServerHello Retry(ClientHandshakeContext context, ServerHello retry, Tls13CipherSuite suite, ReadOnlySpan<byte> message)
    {
        NamedGroup? group = retry.SelectedGroup;
        if (group is { } wanted && (!context.Options.Groups.Contains(wanted) || wanted == share.Group))
        {
            // §4.2.8: the selected group must be one in supported_groups and not the one already shared.
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the HelloRetryRequest asks for {wanted}, which was not offered or was already shared");
        }

        if (group is null && retry.Cookie is null)
        {
            // §4.1.4: a HelloRetryRequest that "would not result in any change in the ClientHello" is illegal_parameter.
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "a HelloRetryRequest that asks for no change");
        }

        // §4.4.1: the transcript restarts as message_hash(Hash(ClientHello1)), then the HelloRetryRequest.
        byte[] firstHash = new byte[suite.HashLength];
        suite.Hash.HashData(sentMessage, firstHash);
        Tls13Hash transcript = suite.CreateTranscriptHash();
        EphemeralKeyShare? newShare = null;
        try
        {
            transcript.AppendData(MessageHash.Create(firstHash));
            transcript.AppendData(message);

            // §4.1.4 / §4.2.11: a PSK whose hash is not the chosen suite's cannot be used; drop it.
            ClientOffer nextOffer = offer.Session is { } session && session.Suite.Hash != suite.Hash ? offer.WithoutSession() : offer;
            newShare = group is { } g ? EphemeralKeyShare.Generate(g) : null;
            EphemeralKeyShare nextShare = newShare ?? share;
            (ClientHello hello, byte[] second) = ClientHelloFlight.Build(context.Options, nextOffer, nextShare, retry.Cookie?.ToArray(), transcript);
            transcript.AppendData(second);

            // §D.4: in middlebox compatibility mode the dummy change_cipher_spec may precede the second ClientHello.
            context.Records.SendChangeCipherSpecOnce();
            context.Records.SendPlaintextHandshake(second);
            context.HelloRetried = true;
            if (newShare is not null)
            {
                share.Dispose();
            }

            return new ExpectServerHello(nextOffer, hello, second, nextShare, transcript, suite);
        }
        catch
        {
            newShare?.Dispose();
            transcript.Dispose();
            throw;
        }
    }

    private ExpectEncryptedExtensions Accept(ClientHandshakeContext context, ServerHello hello, Tls13CipherSuite suite, ReadOnlySpan<byte> message)
    {
        // psk_dhe_ke is the only mode offered, so a key share is always needed (§4.2.8, §4.2.9).
        KeyShareEntry serverShare = hello.KeyShare
            ?? throw new TlsProtocolException(AlertDescription.MissingExtension, "the ServerHello has no key_share");
        if (serverShare.Group != share.Group)
        {
            // §4.2.8: "[the client] MUST verify that the selected NamedGroup in the ServerHello is the same as that in the HelloRetryRequest"
            // and, without one, that it is a group it sent a share for.
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the ServerHello's share is for {serverShare.Group}, not {share.Group}");
        }

        ManagedClientSession? session = null;
        if (hello.SelectedIdentity is { } index)
        {
            // §4.2.11: the identity must be one offered and the suite's hash the PSK's.
            session = offer.Session;
            if (session is null || index != 0 || session.Suite.Hash != suite.Hash)
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the server selected PSK identity {index}, which was not offered for this suite");
            }
        }

        Tls13Hash transcript = retryTranscript ?? suite.CreateTranscriptHash();
        try
        {
            if (retryTranscript is null)
            {
                transcript.AppendData(sentMessage);
            }

            transcript.AppendData(message);
            byte[] shared = share.Agree(serverShare.KeyExchange.Span);
            KeyScheduleHandshake handshake;
            try
            {
                using KeyScheduleEarly early = session is null ? KeyScheduleEarly.WithoutPsk(suite) : KeyScheduleEarly.WithPsk(suite, offer.Psk!.Span);
                handshake = early.IntoHandshake(shared);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(shared);
            }

            share.Dispose(); // the private key is done with (§7.4: forward secrecy)
            offer.Psk?.Dispose(); // and the PSK: the early secret is derived
            context.Suite = suite;
            context.Group = serverShare.Group;
            context.Resumed = session is not null;
            return new ExpectEncryptedExtensions(Install(context, suite, session is not null, transcript, handshake));
        }
        catch
        {
            // The retry transcript is disposed with this state by the connection; a fresh one here.
            if (retryTranscript is null)
            {
                transcript.Dispose();
            }

            throw;
        }
    }

    private PendingServerFlight Install(ClientHandshakeContext context, Tls13CipherSuite suite, bool resumed, Tls13Hash transcript,
        KeyScheduleHandshake handshake)
    {
        byte[] helloHash = transcript.GetCurrentHash();
        Tls13Secret? clientSecret = null;
        Tls13Secret? serverSecret = null;
        try
        {
            clientSecret = handshake.DeriveClientHandshakeTrafficSecret(helloHash);
            serverSecret = handshake.DeriveServerHandshakeTrafficSecret(helloHash);

            // §7.3: from here the server writes under its handshake key, and so does the client
            // (its alerts too, and its second flight).
            context.Records.SetReadProtection(serverSecret.CreateRecordProtection());
            context.Records.SetWriteProtection(clientSecret.CreateRecordProtection());
            return new PendingServerFlight(suite, sent, resumed, transcript, handshake, clientSecret, serverSecret);
        }
        catch
        {
            clientSecret?.Dispose();
            serverSecret?.Dispose();
            handshake.Dispose();
            throw;
        }
    }
}
