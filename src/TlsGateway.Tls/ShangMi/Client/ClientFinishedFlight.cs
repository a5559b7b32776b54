namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The client's second flight once the server's Finished checks (RFC 8446 §4.4): the compatibility
/// change_cipher_spec (§D.4), then under the client handshake key [Certificate, CertificateVerify]
/// when the server asked, and Finished. Derives the application secrets (over ClientHello…server
/// Finished) and the resumption master secret (over ClientHello…client Finished, §7.1), installs
/// the application keys, and wipes everything of the handshake.
/// </summary>
internal static class ClientFinishedFlight
{
    public static ClientState Send(ClientHandshakeContext context, PendingServerFlight flight, CertificateRequest? request)
    {
        using (flight)
        {
            byte[] serverFinishedHash = flight.Transcript.GetCurrentHash();
            using KeyScheduleTraffic traffic = flight.Handshake.IntoTraffic();
            Tls13Secret clientApplication = traffic.DeriveClientApplicationTrafficSecret(serverFinishedHash);
            Tls13Secret serverApplication = traffic.DeriveServerApplicationTrafficSecret(serverFinishedHash);
            Tls13Secret? resumption = null;
            try
            {
                context.Records.SetReadProtection(serverApplication.CreateRecordProtection());

                // §D.4: the client's session id is non-empty (middlebox compatibility), so a dummy
                // change_cipher_spec goes before its encrypted flight unless it already went before a second ClientHello.
                context.Records.SendChangeCipherSpecOnce();
                if (request is not null)
                {
                    SendCertificate(context, flight, request);
                }

                byte[] verifyData = flight.ClientHandshakeSecret.ComputeVerifyData(flight.Transcript.GetCurrentHash());
                Send(context, flight, new Finished(verifyData).ToMessage());
                resumption = traffic.DeriveResumptionMasterSecret(flight.Transcript.GetCurrentHash());
                context.Records.SetWriteProtection(clientApplication.CreateRecordProtection());
                return new ExpectTrafficFromServer(serverApplication, clientApplication, resumption);
            }
            catch
            {
                clientApplication.Dispose();
                serverApplication.Dispose();
                resumption?.Dispose();
                throw;
            }
        }
    }

    private static void SendCertificate(ClientHandshakeContext context, PendingServerFlight flight, CertificateRequest request)
    {
        // §4.4.2: the client sends its chain only if its scheme is one the server accepts; otherwise
        // an empty Certificate, and the server decides whether that is enough (§4.4.2.4).
        ManagedServerCredential? credential = context.Options.ClientCredential;
        if (credential is not null && request.SignatureAlgorithms!.Contains(credential.Scheme))
        {
            var entries = credential.CertificateChain.Select(der => new CertificateEntry(der)).ToList();
            Send(context, flight, new Certificate(request.RequestContext, entries).ToMessage());
            byte[] content = CertificateVerifyContent.Build(server: false, flight.Transcript.GetCurrentHash());
            Send(context, flight, new CertificateVerify(credential.Scheme, credential.Sign(content)).ToMessage());
        }
        else
        {
            Send(context, flight, new Certificate(request.RequestContext, []).ToMessage());
        }
    }

    private static void Send(ClientHandshakeContext context, PendingServerFlight flight, byte[] message)
    {
        flight.Transcript.AppendData(message);
        context.Records.SendProtected(ContentType.Handshake, message);
    }
}
