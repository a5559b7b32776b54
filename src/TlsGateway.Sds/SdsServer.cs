using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TlsGateway.Grpc;
using TlsGateway.Interop;

namespace TlsGateway.Sds;

/// <summary>
/// The SDS listener: gRPC on Kestrel over a Unix socket (mode 0660), each connection tagged
/// with its peer credentials, serving <see cref="SdsService"/> over a <see cref="SecretCatalog"/>.
/// </summary>
public sealed class SdsServer : IAsyncDisposable
{
    /// <summary>Socket file mode: the owner and its group (sidecars run in the group) may connect.</summary>
    public const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>
    /// Envoy multiplexes all its SDS subscriptions over one connection, and a node agent may
    /// serve many sidecars; Kestrel's default of 100 streams per connection is too few.
    /// </summary>
    public const int MaxStreamsPerConnection = 16_384;

    /// <summary>How long a stopping server waits for open connections before closing them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(3);

    private readonly WebApplication _app;
    private readonly Socket _socket;
    private bool _handedOver;

    private SdsServer(WebApplication app, Socket socket, string path)
    {
        _app = app;
        _socket = socket;
        SocketPath = path;
    }

    public string SocketPath { get; }

    /// <summary>The listening socket, for handing over to the process replacing this one (hot restart).</summary>
    public Socket ListeningSocket => _socket;

    /// <param name="inherited">The SDS socket handed over by the process this one replaces (hot restart), already listening at <paramref name="socketPath"/>.</param>
    public static async Task<SdsServer> StartAsync(string socketPath, SecretCatalog catalog, WorkloadPolicy policy, ILoggerFactory loggers,
        Socket? inherited = null)
    {
        Socket socket = inherited ?? UnixSocketListener.Bind(socketPath, SocketMode);
        try
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggers);
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            builder.Services.AddSingleton(catalog);
            builder.Services.AddSingleton(policy);
            builder.Services.AddGrpc(grpc => grpc.EnableDetailedErrors = false);
            // Streams end on ApplicationStopping (SdsService); whatever connection is still open
            // after that is cut here rather than after the default 30 s: sidecars reconnect.
            builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
                UnixSocketListener.Listen(kestrel, socket);
            });
            WebApplication app = builder.Build();
            app.MapGrpcService<SdsService>();
            await app.StartAsync();
            return new SdsServer(app, socket, socketPath);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The process replacing this one serves the socket now: stopping must neither shut the shared
    /// socket down nor delete its path.
    /// </summary>
    public void MarkHandedOver()
    {
        NativeSockets.SetCloseOnExec(_socket, closeOnExec: false);
        _handedOver = true;
    }

    /// <summary>Stops accepting and ends this process's streams (sidecars reconnect, to the process that took over).</summary>
    public Task StopAcceptingAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        // Kestrel closed the descriptor it was given; closing it again could close a reused number.
        _socket.SafeHandle.SetHandleAsInvalid();
        if (!_handedOver)
        {
            File.Delete(SocketPath);
        }
    }
}
