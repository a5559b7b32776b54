using System.Net;
using System.Net.Sockets;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Tls;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>
/// A TLS connection to the CA API below gRPC: our OpenSSL client engine over a loopback socket,
/// so a test can see what the handshake negotiated and talk HTTP/2 frames to Kestrel itself.
/// </summary>
public static class RawCaConnection
{
    // RFC 9113 section 3.4: the client preface, then an empty SETTINGS frame (length 0, type 4, no flags, stream 0).
    private static readonly byte[] s_preface = [.. Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0];

    public static TlsClientContext Client(string bundlePath, (string Certificate, string Key)? credentials = null)
    {
        CertificateKeyPair? pair = credentials is { } c ? CertificateKeyPair.Load(c.Certificate, new PrivateKeySource(c.Key)) : null;
        try
        {
            return TlsClientContext.Create(new TlsClientOptions(TlsProfile.Default, File.ReadAllBytes(bundlePath), pair));
        }
        finally
        {
            pair?.Dispose();
        }
    }

    /// <summary>Connects and completes the client's side of the handshake, offering ALPN h2.</summary>
    public static async Task<TlsStream> ConnectAsync(int port, TlsClientContext client, string? serverName = "localhost")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var tls = new TlsStream(new NetworkStream(socket, ownsSocket: true), client.CreateConnection(serverName, ["h2"]));
        try
        {
            await tls.HandshakeAsync(TimeSpan.FromSeconds(10));
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends the HTTP/2 preface and returns the type of the first frame the server sends back:
    /// 4 (SETTINGS) when Kestrel answers HTTP/2 through the TLS (RFC 9113 section 3.4).
    /// </summary>
    public static async Task<byte> FirstHttp2FrameTypeAsync(TlsStream tls)
    {
        await tls.WriteAsync(s_preface);
        byte[] header = new byte[9];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tls.ReadExactlyAsync(header, limit.Token);
        return header[3];
    }

    /// <summary>Polls <paramref name="read"/> until it reaches <paramref name="expected"/> (the server counts after it has answered the client).</summary>
    public static async Task<long> EventuallyAsync(Func<long> read, long expected)
    {
        for (int i = 0; i < 100 && read() < expected; i++)
        {
            await Task.Delay(50);
        }

        return read();
    }
}
