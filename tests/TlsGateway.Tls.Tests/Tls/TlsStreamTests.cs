using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// <see cref="TlsStream"/>, the engine driven over any stream: a real loopback TCP connection with
/// OpenSSL on both ends, as the CA API's Kestrel middleware and the agent's HTTP/2 client use it.
/// </summary>
public sealed class TlsStreamTests : IClassFixture<TestPki>, IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private readonly TestPki _pki;
    private readonly CertificateKeyPair _serverCertificate;

    public TlsStreamTests(TestPki pki)
    {
        _pki = pki;
        _serverCertificate = pki.LoadServer();
    }

    public void Dispose() => _serverCertificate.Dispose();

    [Fact]
    public async Task Both_ends_handshake_and_carry_a_megabyte_each_way_at_the_same_time()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate, applicationProtocols: ["h2"]));
        using TlsClientContext client = Client(_pki.RootPem);
        (TlsStream clientStream, TlsStream serverStream) = await ConnectAsync(client, server, ["h2"]);
        await using TlsStream c = clientStream;
        await using TlsStream s = serverStream;
        byte[] up = RandomNumberGenerator.GetBytes(1024 * 1024);
        byte[] down = RandomNumberGenerator.GetBytes(1024 * 1024);

        Task sendUp = c.WriteAsync(up).AsTask();
        Task sendDown = s.WriteAsync(down).AsTask();
        Task<byte[]> receivedUp = ReadExactlyAsync(s, up.Length);
        Task<byte[]> receivedDown = ReadExactlyAsync(c, down.Length);
        await Task.WhenAll(sendUp, sendDown, receivedUp, receivedDown).WaitAsync(s_timeout);

        Assert.Equal(up, await receivedUp);
        Assert.Equal(down, await receivedDown);
        Assert.Equal("h2", c.Connection.Facts!.ApplicationProtocol);
        Assert.Equal(0x0304, s.Connection.Facts!.Version);
    }

    [Fact]
    public async Task Reads_smaller_than_a_record_deliver_every_byte_in_order()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        (TlsStream clientStream, TlsStream serverStream) = await ConnectAsync(client, server);
        await using TlsStream c = clientStream;
        await using TlsStream s = serverStream;
        byte[] message = RandomNumberGenerator.GetBytes(40_000);

        await s.WriteAsync(message);
        var received = new MemoryStream();
        byte[] small = new byte[7];
        while (received.Length < message.Length)
        {
            int n = await c.ReadAsync(small).AsTask().WaitAsync(s_timeout);
            Assert.NotEqual(0, n);
            received.Write(small, 0, n);
        }

        Assert.Equal(message, received.ToArray());
    }

    [Fact]
    public async Task A_zero_byte_read_on_an_idle_stream_waits_for_data_and_consumes_none_of_it()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        (TlsStream clientStream, TlsStream serverStream) = await ConnectAsync(client, server);
        await using TlsStream c = clientStream;
        await using TlsStream s = serverStream;
        await s.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, await ReadExactlyAsync(c, 3));

        Task<int> waiting = c.ReadAsync(Memory<byte>.Empty).AsTask();
        await Task.Delay(100);
        bool completedEarly = waiting.IsCompleted;
        await s.WriteAsync(new byte[] { 4 });
        int zero = await waiting.WaitAsync(s_timeout);

        Assert.False(completedEarly);
        Assert.Equal(0, zero);
        Assert.Equal(new byte[] { 4 }, await ReadExactlyAsync(c, 1));
    }

    [Fact]
    public async Task Shutdown_sends_close_notify_and_the_peer_reads_the_end_of_the_stream()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        (TlsStream clientStream, TlsStream serverStream) = await ConnectAsync(client, server);
        await using TlsStream c = clientStream;
        await using TlsStream s = serverStream;

        await s.WriteAsync(new byte[] { 42 });
        await s.ShutdownAsync();

        Assert.Equal(new byte[] { 42 }, await ReadExactlyAsync(c, 1));
        Assert.Equal(0, await c.ReadAsync(new byte[8]).AsTask().WaitAsync(s_timeout));
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_server_fails_with_UnknownCa_and_the_server_reads_its_alert()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.OtherRootPem);

        (Exception? clientError, Exception? serverError) = await HandshakeBothAsync(client, server);

        Assert.Equal(TlsFailureReason.UnknownCa, Assert.IsType<TlsException>(clientError).Failure.Reason);
        Assert.Equal(TlsFailureReason.UnknownCa, Assert.IsType<TlsException>(serverError).Failure.Reason);
    }

    [Fact]
    public async Task A_stream_closed_after_its_TLS_failed_reports_that_failure_rather_than_its_disposal()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.OtherRootPem);
        (Socket near, Socket far) = await SocketPairAsync();
        await using var serverStream = new TlsStream(new NetworkStream(far, ownsSocket: true), server.CreateConnection());
        var clientStream = new TlsStream(new NetworkStream(near, ownsSocket: true), client.CreateConnection("localhost"));
        Task serverSide = serverStream.HandshakeAsync(s_timeout);
        await Assert.ThrowsAsync<TlsException>(() => clientStream.HandshakeAsync(s_timeout));
        await Record.ExceptionAsync(() => serverSide);

        await clientStream.DisposeAsync();
        var error = await Assert.ThrowsAsync<IOException>(() => clientStream.WriteAsync(new byte[] { 1 }).AsTask());

        Assert.Equal(TlsFailureReason.UnknownCa, Assert.IsType<TlsException>(error.InnerException).Failure.Reason);
    }

    [Fact]
    public async Task A_peer_that_never_answers_fails_the_handshake_with_Timeout()
    {
        using TlsClientContext client = Client(_pki.RootPem);
        (Socket near, Socket far) = await SocketPairAsync();
        using Socket silent = far;
        await using var stream = new TlsStream(new NetworkStream(near, ownsSocket: true), client.CreateConnection("localhost"));

        var error = await Assert.ThrowsAsync<TlsException>(() => stream.HandshakeAsync(TimeSpan.FromMilliseconds(300)));

        Assert.Equal(TlsFailureReason.Timeout, error.Failure.Reason);
    }

    [Fact]
    public async Task Synchronous_reads_and_writes_are_refused()
    {
        using TlsClientContext client = Client(_pki.RootPem);
        (Socket near, Socket far) = await SocketPairAsync();
        using Socket other = far;
        await using var stream = new TlsStream(new NetworkStream(near, ownsSocket: true), client.CreateConnection("localhost"));

        Assert.Throws<NotSupportedException>(() => stream.Read(new byte[1], 0, 1));
        Assert.Throws<NotSupportedException>(() => stream.Write(new byte[1], 0, 1));
    }

    private static async Task<(TlsStream Client, TlsStream Server)> ConnectAsync(TlsClientContext client, TlsServerContext server,
        IReadOnlyList<string>? alpn = null)
    {
        (Socket near, Socket far) = await SocketPairAsync();
        var clientStream = new TlsStream(new NetworkStream(near, ownsSocket: true), client.CreateConnection("localhost", alpn));
        var serverStream = new TlsStream(new NetworkStream(far, ownsSocket: true), server.CreateConnection());
        await Task.WhenAll(clientStream.HandshakeAsync(s_timeout), serverStream.HandshakeAsync(s_timeout));
        return (clientStream, serverStream);
    }

    private static async Task<(Exception? Client, Exception? Server)> HandshakeBothAsync(TlsClientContext client, TlsServerContext server)
    {
        (Socket near, Socket far) = await SocketPairAsync();
        await using var clientStream = new TlsStream(new NetworkStream(near, ownsSocket: true), client.CreateConnection("localhost"));
        await using var serverStream = new TlsStream(new NetworkStream(far, ownsSocket: true), server.CreateConnection());
        Task clientSide = clientStream.HandshakeAsync(s_timeout);
        Task serverSide = serverStream.HandshakeAsync(s_timeout);
        return (await Record.ExceptionAsync(() => clientSide), await Record.ExceptionAsync(() => serverSide));
    }

    private static async Task<(Socket Near, Socket Far)> SocketPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var near = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<Socket> accepted = listener.AcceptAsync();
        await near.ConnectAsync(listener.LocalEndPoint!);
        return (near, await accepted);
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        byte[] buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(s_timeout);
        return buffer;
    }
}
