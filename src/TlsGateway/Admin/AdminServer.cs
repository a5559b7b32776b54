using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TlsGateway.Interop;
using TlsGateway.Telemetry;

namespace TlsGateway.Host.Admin;

/// <summary>
/// The admin port (default 127.0.0.1:9901; docs/admin-api.md): plain HTTP on Kestrel.
/// /healthz, /readyz and /metrics answer whoever can reach the port, so a pod can bind
/// 0.0.0.0 for its kubelet and Prometheus. /admin/* — certificate list, rotation, drain,
/// effective config — answers loopback callers only, and refuses any request that carries an
/// Origin header, so a web page in a browser on the same host cannot drive it. Roles that
/// publish more (the CA's bundle, CRL and OCSP) add routes through <c>mapMore</c>.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly WebApplication _app;
    private readonly Socket _socket;

    private AdminServer(WebApplication app, Socket socket)
    {
        _app = app;
        _socket = socket;
        Address = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint Address { get; }

    /// <summary>The listening socket, for handing over to the process replacing this one (hot restart).</summary>
    public Socket ListeningSocket => _socket;

    /// <param name="inherited">The admin socket handed over by the process this one replaces (hot restart), or null to bind <paramref name="address"/>.</param>
    public static async Task<AdminServer> StartAsync(IPEndPoint address, AdminApi api, ILoggerFactory loggers, Action<WebApplication>? mapMore = null,
        Socket? inherited = null)
    {
        // The socket is ours, not Kestrel's, so that a hot restart can hand it over.
        Socket socket = inherited ?? ListeningSockets.BindTcp(address);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenHandle((ulong)socket.Handle));
        WebApplication app = builder.Build();
        ILogger logger = loggers.CreateLogger("tlsgw.admin");

        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (CancellationToken cancellationToken) =>
        {
            (bool ready, IReadOnlyList<string> lines) = await api.Readiness.CheckAsync(cancellationToken);
            return Results.Text(string.Join('\n', lines) + "\n", statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", (HttpContext context) =>
        {
            context.Response.ContentType = MetricsCollector.ContentType;
            return context.Response.WriteAsync(api.Metrics.Scrape(), Encoding.UTF8);
        });

        MapAdminApi(app, api, logger);
        mapMore?.Invoke(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            socket.Dispose();
            throw;
        }

        return new AdminServer(app, socket);
    }

    /// <summary>
    /// The process replacing this one serves the admin port now: closing this one must not shut
    /// the shared socket down (see <see cref="NativeSockets.CloseOwnDescriptor"/>).
    /// </summary>
    public void MarkHandedOver() => NativeSockets.SetCloseOnExec(_socket, closeOnExec: false);

    /// <summary>Stops accepting (requests in flight finish); after a hot restart the new process answers the port.</summary>
    public Task StopAcceptingAsync() => _app.StopAsync();

    private static void MapAdminApi(WebApplication app, AdminApi api, ILogger logger)
    {
        var admin = app.MapGroup("/admin");
        admin.AddEndpointFilter(async (context, next) =>
        {
            HttpContext http = context.HttpContext;
            IPAddress? caller = http.Connection.RemoteIpAddress;
            if (caller is null || !IPAddress.IsLoopback(caller) || http.Request.Headers.Origin.Count > 0)
            {
                logger.LogWarning("Admin API request {Method} {Path} from {Caller} refused: only loopback callers without an Origin header may use it",
                    http.Request.Method, http.Request.Path.Value, caller);
                return Results.Text("the admin API answers loopback callers only (and no browser-originated requests)\n",
                    statusCode: StatusCodes.Status403Forbidden);
            }

            return await next(context);
        });

        admin.MapGet("/certificates", () =>
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var rows = api.Certificates.Snapshot().Select(c => new
            {
                c.Role,
                c.Name,
                c.Subject,
                c.Serial,
                NotAfter = c.NotAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ExpiresInSeconds = (long)Math.Round((c.NotAfter - now).TotalSeconds),
            });
            return Results.Json(rows, s_json);
        });
        admin.MapPost("/rotate", async (string? only, CancellationToken cancellationToken) =>
        {
            var rotations = api.Rotations.Where(r => only is null || r.Name == only).ToList();
            if (rotations.Count == 0)
            {
                string known = string.Join(", ", api.Rotations.Select(r => r.Name));
                return Results.Text($"nothing to rotate{(only is null ? "" : $" named '{Identity.SafeText.Of(only)}'")}; this process rotates: {(known.Length == 0 ? "nothing" : known)}\n",
                    statusCode: StatusCodes.Status404NotFound);
            }

            var done = new List<string>();
            foreach ((string name, Func<CancellationToken, Task<string>> rotate) in rotations)
            {
                string what = await rotate(cancellationToken);
                logger.LogInformation("Admin API: rotated {Name}: {What}", name, what);
                done.Add($"{name}: {what}");
            }

            return Results.Text(string.Join('\n', done) + "\n");
        });
        admin.MapPost("/drain", () =>
        {
            if (api.Readiness.Draining)
            {
                return Results.Text("already draining\n", statusCode: StatusCodes.Status202Accepted);
            }

            api.Readiness.MarkDraining();
            logger.LogInformation("Admin API: drain started; /readyz now fails and listeners stop accepting");
            foreach (Func<Task> drain in api.Drains)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await drain();
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
                    {
                        logger.LogWarning("Drain step failed: {Message}", e.Message);
                    }
                });
            }

            return Results.Text("draining: not accepting new connections; established ones finish\n", statusCode: StatusCodes.Status202Accepted);
        });
        admin.MapPost("/restart", async (CancellationToken cancellationToken) =>
        {
            if (api.Restart is not { } restart)
            {
                return Results.Text("this process cannot hot restart; `tlsgw serve` can\n", statusCode: StatusCodes.Status404NotFound);
            }

            logger.LogInformation("Admin API: hot restart requested");
            (bool tookOver, string message) = await restart(cancellationToken);
            logger.Log(tookOver ? LogLevel.Information : LogLevel.Error, "Admin API: hot restart: {Message}", message);
            return Results.Text(message + "\n", statusCode: tookOver ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError);
        });
        admin.MapGet("/config", (HttpContext context) =>
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            return context.Response.WriteAsync(EffectiveConfig.ToJson(api.CurrentConfig()) + "\n", Encoding.UTF8);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        // Kestrel closed the descriptor it was given; closing it again could close a reused number.
        _socket.SafeHandle.SetHandleAsInvalid();
    }
}
