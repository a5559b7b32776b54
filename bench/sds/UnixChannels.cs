using System.Net.Sockets;
using Grpc.Net.Client;

namespace TlsGateway.Bench.Sds;

/// <summary>
/// gRPC channels to a Unix socket. Each channel has its own SocketsHttpHandler, hence its own
/// connection pool: N channels are N HTTP/2 connections for as long as each carries fewer
/// streams than the server's SETTINGS_MAX_CONCURRENT_STREAMS (beyond that,
/// EnableMultipleHttp2Connections lets a channel open another connection instead of queueing).
/// </summary>
internal static class UnixChannels
{
    public static GrpcChannel Create(string socketPath)
    {
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };

        // The authority is never resolved: every connection goes through ConnectCallback.
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
