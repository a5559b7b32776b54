using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using TlsGateway.Tls;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Edge;

/// <summary>
/// The handshake of one accepted client, on whichever engine it belongs to. On a listener with
/// ShangMi chains the ClientHello is read first and handed to <see cref="ShangMiRouter"/>; the bytes
/// read are then replayed to the chosen engine before anything else, so it sees the connection from
/// its first byte, as if nothing had looked. Every other listener goes straight to OpenSSL and
/// pays nothing for the choice.
/// One handshake timeout covers reading the hello and the handshake.
/// </summary>
internal sealed class ClientHandshake(ListenerBinding binding)
{
    // A fatal handshake_failure alert as a plaintext TLS 1.2 record (RFC 8446 §5.1, §6.2): what a
    // client without the required suites gets before any crypto.
    private static readonly byte[] s_handshakeFailureAlert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, (byte)AlertDescription.HandshakeFailure];

    /// <summary>The engine label of the handshake: "openssl" until a ShangMi route or refusal is chosen.</summary>
    public string Engine { get; private set; } = ClientSession.OpenSslEngine;

    /// <summary>Runs the handshake; throws <see cref="TlsException"/> with the classified failure (the alert, if any, has been sent).</summary>
    public async Task<ClientSession> RunAsync(Socket client, CancellationToken stopping)
    {
        TimeSpan timeout = binding.Limits.HandshakeTimeout;
        if (binding.ShangMi is not { HasShangMiChains: true } router)
        {
            return await RunOpenSslAsync(client, timeout, default, stopping).ConfigureAwait(false);
        }

        long startedAt = Stopwatch.GetTimestamp();
        byte[] hello = ArrayPool<byte>.Shared.Rent(ClientHelloSniffer.MaxBytes);
        try
        {
            (int length, ClientHelloSniffResult sniffed) = await ReadClientHelloAsync(client, hello, timeout, stopping).ConfigureAwait(false);
            TimeSpan remaining = timeout - Stopwatch.GetElapsedTime(startedAt);
            ReadOnlyMemory<byte> received = hello.AsMemory(0, length);
            if (sniffed.Summary is null)
            {
                // Not TLS, malformed or oversized: OpenSSL classifies and answers it as it always has.
                return await RunOpenSslAsync(client, remaining, received, stopping).ConfigureAwait(false);
            }

            (EngineChoice engine, ShangMiRoute? route) = router.Choose(sniffed.Summary);
            switch (engine)
            {
                case EngineChoice.ShangMi:
                    Engine = ClientSession.ShangMiEngine;
                    return await RunShangMiAsync(client, route!, remaining, received, stopping).ConfigureAwait(false);
                case EngineChoice.Refuse:
                    Engine = ClientSession.ShangMiEngine;
                    await RefuseAsync(client, stopping).ConfigureAwait(false);
                    throw new TlsException(new TlsFailure(TlsFailureReason.NoSharedCipher,
                        $"filter chain '{route!.Chain}' requires ShangMi (sm: require) and the client offered no RFC 8998 suite with curveSM2"));
                default:
                    return await RunOpenSslAsync(client, remaining, received, stopping).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(hello, clearArray: true);
        }
    }

    private async Task<ClientSession> RunOpenSslAsync(Socket client, TimeSpan timeout, ReadOnlyMemory<byte> received, CancellationToken stopping)
    {
        if (binding.Context is null)
        {
            // Every chain of this listener is ShangMi-only: there is no OpenSSL side to hand this to.
            Engine = ClientSession.ShangMiEngine;
            await RefuseAsync(client, stopping).ConfigureAwait(false);
            throw new TlsException(new TlsFailure(TlsFailureReason.NoSharedCipher,
                "every filter chain of this listener requires ShangMi (sm: require) and the client sent no RFC 8998 ClientHello"));
        }

        var session = new TlsSession(client, binding.Context.CreateConnection());
        try
        {
            await session.HandshakeAsync(timeout, stopping, received).ConfigureAwait(false);
            TlsConnection connection = session.Connection;
            return new ClientSession(client, connection.Facts!, connection.Peer, connection.ServerEntry!.Name, Engine, new TlsLink(session),
                NobodyToForward(client, session, session.PeerGone));
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<ClientSession> RunShangMiAsync(Socket client, ShangMiRoute route, TimeSpan timeout, ReadOnlyMemory<byte> received,
        CancellationToken stopping)
    {
        var session = new ManagedTlsSession(client, ManagedTlsConnection.CreateServer(route.Options!));
        try
        {
            await session.HandshakeAsync(received, timeout, stopping).ConfigureAwait(false);
            PeerIdentity? peer = session.Connection.PeerCertificate is { } certificate ? PeerIdentity.FromCertificate(certificate) : null;
            return new ClientSession(client, session.Facts!, peer, route.Chain, Engine, new TlsLink(session),
                NobodyToForward(client, session, ticketsUndelivered: false));
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // The client is gone once its handshake is done: it closed before the tickets could be sent, or
    // has reset by now. Unless a request came behind its Finished (one-shot senders do that), in the
    // TLS connection or still in the socket: that is forwarded. The socket is asked first (one peek);
    // the engine only for a client that looks gone.
    private static bool NobodyToForward(Socket client, ITlsChannel session, bool ticketsUndelivered) =>
        (ticketsUndelivered ? !QuietSocket.HasData(client) : QuietSocket.HasReset(client)) && !session.HasBufferedInput;

    // Reads until the sniffer can decide; the bytes stay in `buffer` for the engine.
    private static async Task<(int Length, ClientHelloSniffResult Result)> ReadClientHelloAsync(Socket client, byte[] buffer, TimeSpan timeout,
        CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        int length = 0;
        try
        {
            while (true)
            {
                int count = await client.ReceiveAsync(buffer.AsMemory(length, ClientHelloSniffer.MaxBytes - length), SocketFlags.None, deadline.Token)
                    .ConfigureAwait(false);
                if (count == 0)
                {
                    throw new TlsException(TlsFailure.PeerClosed());
                }

                length += count;
                ClientHelloSniffResult result = ClientHelloSniffer.Sniff(buffer.AsSpan(0, length));
                if (result.Status != ClientHelloSniffStatus.NeedMoreData || length == ClientHelloSniffer.MaxBytes)
                {
                    return (length, result);
                }
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            throw new TlsException(TlsFailure.Timeout(timeout));
        }
        catch (SocketException e)
        {
            throw new TlsException(new TlsFailure(TlsFailureReason.PeerClosed, $"socket error during handshake: {e.SocketErrorCode}"));
        }
    }

    private static async Task RefuseAsync(Socket client, CancellationToken stopping)
    {
        try
        {
            await client.SendAsync(s_handshakeFailureAlert, SocketFlags.None, stopping).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The client is gone already; the refusal is still counted.
        }
    }
}
