using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The server's first flight after a ClientHello it accepts (RFC 8446 §2, §4): ServerHello in the
/// clear, then under the server handshake traffic key EncryptedExtensions, [CertificateRequest],
/// Certificate, CertificateVerify and Finished. Derives the key schedule as it goes (§7.1) and
/// installs the keys: client handshake key for reading, server application key for writing.
/// Resuming with a ticket (§2.2) the Early Secret comes from its PSK, the ServerHello names the
/// identity, and there are no certificates: EncryptedExtensions and Finished only.
/// </summary>
internal static class ServerFlight
{
    /// <summary>
    /// Sends the flight. <paramref name="transcript"/> already holds the ClientHello (and, after a
    /// retry, message_hash, HelloRetryRequest and the second ClientHello); ownership passes to the result.
    /// <paramref name="resumed"/> is the ticket whose binder checked, or null for a full handshake; it
    /// is disposed here either way.
    /// </summary>
    public static ServerState Send(ServerHandshakeContext context, ClientHello hello, ServerNegotiation chosen, Tls13Hash transcript,
        AcceptedTicket? resumed = null)
    {
        using (resumed)
        {
            return Send(context, hello, chosen, transcript, resumed, chosen.ClientShare ?? throw new InvalidOperationException("no client share to agree with"));
        }
    }

    private static ServerState Send(ServerHandshakeContext context, ClientHello hello, ServerNegotiation chosen, Tls13Hash transcript,
        AcceptedTicket? resumed, KeyShareEntry clientShare)
    {
        Tls13CipherSuite suite = chosen.Suite;
        byte[] shared = KeyShareAgreement.Agree(chosen.Group, clientShare.KeyExchange.Span, out byte[] serverShare);
        KeyScheduleHandshake handshake;
        try
        {
            // §7.1: with a PSK the Early Secret is HKDF-Extract(0, PSK); psk_dhe_ke still mixes in the
            // (EC)DHE secret (§4.2.9).
            using KeyScheduleEarly early = resumed is null ? KeyScheduleEarly.WithoutPsk(suite) : KeyScheduleEarly.WithPsk(suite, resumed.State.Psk);
            handshake = early.IntoHandshake(shared);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }

        context.Suite = suite;
        context.Group = chosen.Group;
        context.ApplicationProtocol = chosen.ApplicationProtocol;
        context.ServerName = hello.ServerName;
        if (resumed is not null)
        {
            // The client's identity comes from the ticket (leaf only); no CertificateVerify was made now.
            context.Resumed = true;
            context.PeerCertificates = resumed.State.PeerLeaf is { } leaf ? [leaf] : [];
            context.PeerCertificate = resumed.TakePeerCertificate();
            context.PeerChainValidated = resumed.State.PeerValidated;
        }

        // §4.1.3: legacy_session_id_echo is the client's legacy_session_id, whatever it was.
        // §4.2.11: the ServerHello's pre_shared_key names the chosen identity.
        byte[] serverHello = ServerHello.Create(RandomNumberGenerator.GetBytes(ClientHello.RandomLength), hello.LegacySessionId,
            suite.Id, new KeyShareEntry(chosen.Group, serverShare), resumed?.Index).ToMessage();
        transcript.AppendData(serverHello);
        context.Records.SendPlaintextHandshake(serverHello);
        if (!hello.LegacySessionId.IsEmpty)
        {
            // §D.4: a client in middlebox compatibility mode (non-empty session id) expects a dummy
            // change_cipher_spec right after the server's first handshake message.
            context.Records.SendChangeCipherSpecOnce();
        }

        try
        {
            return SendProtectedPart(context, chosen, transcript, handshake);
        }
        catch
        {
            // Secrets are wiped on the error path too; the transcript stays with the caller.
            handshake.Dispose();
            throw;
        }
    }

    private static ServerState SendProtectedPart(ServerHandshakeContext context, ServerNegotiation chosen, Tls13Hash transcript,
        KeyScheduleHandshake handshake)
    {
        byte[] helloHash = transcript.GetCurrentHash();
        using Tls13Secret serverHandshake = handshake.DeriveServerHandshakeTrafficSecret(helloHash);
        Tls13Secret clientHandshake = handshake.DeriveClientHandshakeTrafficSecret(helloHash);
        try
        {
            return SendEncryptedMessages(context, chosen, transcript, handshake, clientHandshake, serverHandshake);
        }
        catch
        {
            clientHandshake.Dispose();
            throw;
        }
    }

    private static ServerState SendEncryptedMessages(ServerHandshakeContext context, ServerNegotiation chosen, Tls13Hash transcript,
        KeyScheduleHandshake handshake, Tls13Secret clientHandshake, Tls13Secret serverHandshake)
    {
        Tls13CipherSuite suite = chosen.Suite;
        context.Records.SetWriteProtection(serverHandshake.CreateRecordProtection());
        context.Records.SetReadProtection(clientHandshake.CreateRecordProtection());

        List<TlsExtension> extensions = [];
        if (chosen.ApplicationProtocol is { } protocol)
        {
            extensions.Add(ExtensionCodec.EncodeAlpn([protocol]));
        }

        Send(context, transcript, new EncryptedExtensions(extensions).ToMessage());

        // §4.3.2: "Servers which are authenticating with a resumption PSK MUST NOT send the
        // CertificateRequest message in the main handshake"; and with a PSK the server sends no
        // Certificate or CertificateVerify either (§2.2).
        if (context.Resumed)
        {
            return SendFinished(context, suite, transcript, handshake, clientHandshake, serverHandshake, requestCertificate: false);
        }

        bool requestCertificate = context.Options.ClientCertificates != ClientCertificateMode.Off;
        if (requestCertificate)
        {
            // §4.3.2: the context is empty during the handshake. Both schemes this engine verifies,
            // the suite's own first, so an SM2 client finds sm2sig_sm3 and an ECDSA one its scheme.
            SignatureScheme[] schemes = suite.IsShangMi
                ? [SignatureScheme.Sm2SigSm3, SignatureScheme.EcdsaSecp256r1Sha256]
                : [SignatureScheme.EcdsaSecp256r1Sha256, SignatureScheme.Sm2SigSm3];
            Send(context, transcript, CertificateRequest.Create(ReadOnlyMemory<byte>.Empty, schemes).ToMessage());
        }

        var entries = chosen.Credential.CertificateChain.Select(der => new CertificateEntry(der)).ToList();
        Send(context, transcript, new Certificate(ReadOnlyMemory<byte>.Empty, entries).ToMessage());

        // §4.4.3: the signature covers the transcript through Certificate.
        byte[] content = CertificateVerifyContent.Build(server: true, transcript.GetCurrentHash());
        Send(context, transcript, new CertificateVerify(chosen.Credential.Scheme, chosen.Credential.Sign(content)).ToMessage());
        return SendFinished(context, suite, transcript, handshake, clientHandshake, serverHandshake, requestCertificate);
    }

    private static ServerState SendFinished(ServerHandshakeContext context, Tls13CipherSuite suite, Tls13Hash transcript,
        KeyScheduleHandshake handshake, Tls13Secret clientHandshake, Tls13Secret serverHandshake, bool requestCertificate)
    {
        byte[] verifyData = serverHandshake.ComputeVerifyData(transcript.GetCurrentHash());
        Send(context, transcript, new Finished(verifyData).ToMessage());

        // §7.1: the application traffic secrets are over ClientHello…server Finished; the server may
        // write with its key from here (§4.4.4), the client's is installed after its Finished.
        byte[] finishedHash = transcript.GetCurrentHash();
        Tls13Secret clientApplication;
        Tls13Secret serverApplication;
        KeyScheduleTraffic traffic = handshake.IntoTraffic();
        try
        {
            clientApplication = traffic.DeriveClientApplicationTrafficSecret(finishedHash);
            serverApplication = traffic.DeriveServerApplicationTrafficSecret(finishedHash);
        }
        catch
        {
            traffic.Dispose();
            throw;
        }

        // The Master Secret is kept past this point only if tickets will need resumption_master_secret.
        KeyScheduleTraffic? master = context.Options.Tickets is null ? null : traffic;
        if (master is null)
        {
            traffic.Dispose();
        }

        context.Records.SetWriteProtection(serverApplication.CreateRecordProtection());
        var flight = new PendingClientFlight(suite, transcript, clientHandshake, clientApplication, serverApplication, master);
        return requestCertificate ? new ExpectClientCertificate(flight) : new ExpectClientFinished(flight);
    }

    private static void Send(ServerHandshakeContext context, Tls13Hash transcript, byte[] message)
    {
        transcript.AppendData(message);
        context.Records.SendProtected(ContentType.Handshake, message);
    }
}
