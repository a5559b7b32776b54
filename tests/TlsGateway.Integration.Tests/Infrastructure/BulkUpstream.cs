using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// An upstream that writes <c>total</c> bytes of a position-dependent pattern (<see cref="PatternAt"/>),
/// then ends its stream: at once, or after reading the request to its end. With <c>resetAfter</c>
/// it resets the connection (SO_LINGER 0) after that many bytes instead. In plaintext, or with a
/// certificate as a TLS server (.NET's SslStream, not the edge's engine), which ends its stream
/// with close_notify and a FIN, and takes the end of the request to be the edge's close_notify.
/// </summary>
public sealed class BulkUpstream : LoopbackServer
{
    private readonly int _total;
    private readonly bool _replyAfterEndOfRequest;
    private readonly int? _resetAfter;
    private readonly X509Certificate2? _certificate;
    private long _written;

    public BulkUpstream(int total, bool replyAfterEndOfRequest, int? resetAfter = null, X509Certificate2? certificate = null)
    {
        _total = resetAfter ?? total;
        _replyAfterEndOfRequest = replyAfterEndOfRequest;
        _resetAfter = resetAfter;
        _certificate = certificate;
        Start();
    }

    public long Written => Interlocked.Read(ref _written);

    public TaskCompletionSource<byte[]> Request { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static byte PatternAt(int position) => (byte)((position * 31) ^ (position >> 11));

    /// <summary>Reads to the end of the stream, checking each byte against the pattern; returns the count.</summary>
    public static async Task<int> ReadPatternToEndAsync(TlsTestClient client, TimeSpan within)
    {
        using var limit = new CancellationTokenSource(within);
        byte[] buffer = new byte[64 * 1024];
        int offset = 0;
        int n;
        while ((n = await client.ReadAsync(buffer, limit.Token)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != PatternAt(offset + i))
                {
                    throw new InvalidDataException($"byte {offset + i} differs: the stream lost, repeated or reordered bytes");
                }
            }

            offset += n;
        }

        return offset;
    }

    protected override async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await using Stream stream = await OpenAsync(client);
                if (_replyAfterEndOfRequest)
                {
                    var request = new MemoryStream();
                    await stream.CopyToAsync(request);
                    Request.TrySetResult(request.ToArray());
                }

                byte[] chunk = new byte[64 * 1024];
                for (int sent = 0; sent < _total; sent += chunk.Length)
                {
                    for (int i = 0; i < chunk.Length; i++)
                    {
                        chunk[i] = PatternAt(sent + i);
                    }

                    await stream.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, _total - sent)));
                    Interlocked.Add(ref _written, Math.Min(chunk.Length, _total - sent));
                }

                if (_resetAfter is not null)
                {
                    client.LingerState = new LingerOption(true, 0);
                    client.Close(); // RST
                    return;
                }

                if (stream is SslStream tls)
                {
                    await tls.ShutdownAsync(); // close_notify
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
            {
                Request.TrySetException(e); // the edge went away mid-test; the assertions say what matters
            }
        }
    }

    private async Task<Stream> OpenAsync(Socket client)
    {
        var network = new NetworkStream(client, ownsSocket: false);
        if (_certificate is null)
        {
            return network;
        }

        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
        return tls;
    }
}
