using System.Net.Sockets;
using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// How a <see cref="TlsSession"/> over a real loopback socket meets the end of its peer: a FIN and
/// a reset both end the stream (0 from a read, no exception), and after a reset the session does
/// not try to send close_notify into a dead socket. Clients that close with a reset right after
/// their last record are common (openssl s_time, browsers closing tabs).
/// </summary>
public sealed class TlsSessionPeerEndTests : IClassFixture<TestPki>, IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private readonly TestPki _pki;
    private readonly CertificateKeyPair _serverCertificate;

    public TlsSessionPeerEndTests(TestPki pki)
    {
        _pki = pki;
        _serverCertificate = pki.LoadServer();
    }

    public void Dispose() => _serverCertificate.Dispose();

    [Fact]
    public async Task A_reset_ends_the_stream_and_shutdown_then_does_not_throw()
    {
        (TlsSession server, TlsSession client, Socket clientSocket, IDisposable contexts) = await ConnectAsync();
        await using (server)
        using (contexts)
        {
            await client.WriteAsync("last request"u8.ToArray());
            LoopbackSockets.Reset(clientSocket);
            await client.DisposeAsync();
            await LoopbackSockets.ArrivedAsync(server.Socket);

            byte[] buffer = new byte[64];
            Assert.Equal("last request", System.Text.Encoding.ASCII.GetString(buffer, 0, await server.ReadAsync(buffer)));
            Assert.Equal(0, await server.ReadAsync(buffer));
            Assert.False(server.CloseNotifyReceived);

            // Before: this sent close_notify into the reset socket and threw SocketException (EPIPE).
            await server.ShutdownAsync();
        }
    }

    [Fact]
    public async Task A_fin_ends_the_stream_and_shutdown_still_says_close_notify()
    {
        (TlsSession server, TlsSession client, Socket clientSocket, IDisposable contexts) = await ConnectAsync();
        await using (server)
        await using (client)
        using (contexts)
        {
            clientSocket.Shutdown(SocketShutdown.Send); // FIN, still reading: a half-closed client
            byte[] buffer = new byte[64];
            Assert.Equal(0, await server.ReadAsync(buffer));
            Assert.False(server.CloseNotifyReceived);

            await server.ShutdownAsync();

            // The half-closed client receives the server's close_notify (after the tickets), then its FIN.
            using var received = new MemoryStream();
            byte[] chunk = new byte[4096];
            int count;
            while ((count = await clientSocket.ReceiveAsync(chunk, SocketFlags.None).WaitAsync(HandshakeTimeout)) > 0)
            {
                received.Write(chunk, 0, count);
            }

            TlsStepResult step = client.Connection.Process(received.ToArray(), new byte[4096], new byte[4096]);
            Assert.Equal(TlsGateway.Interop.NativeStatus.Closed, step.Status);
        }
    }

    [Fact]
    public async Task Close_notify_ends_the_stream_as_a_complete_one()
    {
        (TlsSession server, TlsSession client, Socket _, IDisposable contexts) = await ConnectAsync();
        await using (server)
        await using (client)
        using (contexts)
        {
            await client.WriteAsync("all of it"u8.ToArray());
            await client.ShutdownAsync();

            byte[] buffer = new byte[64];
            Assert.Equal("all of it", System.Text.Encoding.ASCII.GetString(buffer, 0, await server.ReadAsync(buffer).AsTask().WaitAsync(HandshakeTimeout)));
            Assert.Equal(0, await server.ReadAsync(buffer).AsTask().WaitAsync(HandshakeTimeout));
            Assert.True(server.CloseNotifyReceived);
        }
    }

    [Fact]
    public async Task After_the_handshake_a_silent_client_is_waited_for_on_the_socket_and_its_request_ends_the_wait()
    {
        (TlsSession server, TlsSession client, Socket _, IDisposable contexts) = await ConnectAsync();
        await using (server)
        await using (client)
        using (contexts)
        {
            // Nothing came with the Finished: the wait is on the socket, with no buffer held (an
            // idle connection's cost). It used to report "readable" at once, and the read that
            // followed then waited holding two buffers.
            ValueTask waiting = server.WaitToReadAsync();
            await Task.Delay(50);
            Assert.False(waiting.IsCompleted);

            await client.WriteAsync("request"u8.ToArray());
            await waiting.AsTask().WaitAsync(HandshakeTimeout);

            byte[] buffer = new byte[64];
            Assert.Equal("request", System.Text.Encoding.ASCII.GetString(buffer, 0, await server.ReadAsync(buffer)));
        }
    }

    [Fact]
    public async Task A_read_without_a_wait_first_is_still_bounded_by_its_token()
    {
        (TlsSession server, TlsSession client, Socket _, IDisposable contexts) = await ConnectAsync();
        await using (server)
        await using (client)
        using (contexts)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.ReadAsync(new byte[64], limit.Token).AsTask().WaitAsync(HandshakeTimeout));

            // The session is still usable after the cancelled wait.
            await client.WriteAsync("late"u8.ToArray());
            byte[] buffer = new byte[64];
            Assert.Equal("late", System.Text.Encoding.ASCII.GetString(buffer, 0, await server.ReadAsync(buffer).AsTask().WaitAsync(HandshakeTimeout)));
        }
    }

    private async Task<(TlsSession Server, TlsSession Client, Socket ClientSocket, IDisposable Contexts)> ConnectAsync()
    {
        TlsServerContext serverContext = Server(Entry(_serverCertificate));
        TlsClientContext clientContext = Client(_pki.RootPem);
        (Socket serverSocket, Socket clientSocket) = await LoopbackSockets.PairAsync();

        var server = new TlsSession(serverSocket, serverContext.CreateConnection());
        var client = new TlsSession(clientSocket, clientContext.CreateConnection("localhost"));
        await Task.WhenAll(server.HandshakeAsync(HandshakeTimeout), client.HandshakeAsync(HandshakeTimeout));
        return (server, client, clientSocket, new Contexts(serverContext, clientContext));
    }

    private sealed class Contexts(TlsServerContext server, TlsClientContext client) : IDisposable
    {
        public void Dispose()
        {
            server.Dispose();
            client.Dispose();
        }
    }
}
