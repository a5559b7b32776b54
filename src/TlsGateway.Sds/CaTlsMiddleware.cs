using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Sds;

/// <summary>
/// Kestrel connection middleware that does the CA API's TLS with the OpenSSL engine instead of
/// .NET's TLS: the handshake runs over the connection's transport pipe (a <see cref="TlsStream"/>
/// over it), then Kestrel gets a plaintext pipe in its place and the connection features that say
/// what the handshake established (<see cref="CaTlsFeature"/>). From Kestrel's side the endpoint
/// is HTTP/2 over TLS with ALPN h2, as before; the bytes on the wire are OpenSSL's.
/// </summary>
/// <remarks>
/// Handshake failures are expected events, not errors: each is counted by reason, logged at
/// Debug with OpenSSL's detail, and the connection is closed once the peer has had the alert.
/// </remarks>
public sealed class CaTlsMiddleware : IDisposable
{
    /// <summary>How long a client may take to finish the handshake (Kestrel's HTTPS default).</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan s_lingerTime = TimeSpan.FromSeconds(1);

    private readonly CaTlsSource _source;
    private readonly TimeSpan _handshakeTimeout;
    private readonly ILogger _logger;
    private readonly long[] _failures = new long[Enum.GetValues<TlsFailureReason>().Length];
    private long _completed;

    internal CaTlsMiddleware(CaServingCertificate serving, TimeSpan handshakeTimeout, ILogger logger)
    {
        _source = new CaTlsSource(serving, logger);
        _handshakeTimeout = handshakeTimeout;
        _logger = logger;
    }

    /// <summary>Handshakes that completed since start.</summary>
    public long HandshakesCompleted => Interlocked.Read(ref _completed);

    /// <summary>Handshakes that failed for <paramref name="reason"/> since start.</summary>
    public long HandshakeFailures(TlsFailureReason reason) => Interlocked.Read(ref _failures[(int)reason]);

    public async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next)
    {
        string peer = context.RemoteEndPoint?.ToString() ?? context.ConnectionId;
        TlsStream? tls = null;
        try
        {
            tls = await HandshakeAsync(context, peer).ConfigureAwait(false);
            if (tls is not null)
            {
                await ServeAsync(context, next, tls).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or ConnectionResetException)
        {
            CaTlsLog.ConnectionError(_logger, peer, e.Message);
        }
        finally
        {
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The established stream, or null when the handshake failed (counted and logged) or the connection went away.</summary>
    private async Task<TlsStream?> HandshakeAsync(ConnectionContext context, string peer)
    {
        CaTlsSnapshot snapshot = _source.Enter();
        TlsStream? tls = null;
        try
        {
            tls = new TlsStream(new DuplexPipeStream(context.Transport), snapshot.Context.CreateConnection());
            await tls.HandshakeAsync(_handshakeTimeout, context.ConnectionClosed).ConfigureAwait(false);
            Interlocked.Increment(ref _completed);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                HandshakeFacts facts = tls.Connection.Facts!;
                CaTlsLog.HandshakeDone(_logger, peer, TlsVersionNames.ToDisplay(facts.Version), facts.CipherName, facts.ApplicationProtocol,
                    facts.SessionReused, tls.Connection.Peer?.SpiffeId ?? tls.Connection.Peer?.Subject);
            }

            TlsStream established = tls;
            tls = null;
            return established;
        }
        catch (TlsException e)
        {
            Interlocked.Increment(ref _failures[(int)e.Failure.Reason]);
            CaTlsLog.HandshakeFailed(_logger, peer, e.Failure.Reason.ToString(), e.Failure.Detail);
            if (e.Failure.Reason is not (TlsFailureReason.Timeout or TlsFailureReason.PeerClosed))
            {
                await LingerAsync(context.Transport.Input, context.ConnectionClosed).ConfigureAwait(false);
            }

            return null;
        }
        finally
        {
            snapshot.Exit();
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // With TLS 1.3 a client learns that its certificate was refused only from the alert that
    // follows its Finished (RFC 8446 section 4.4.2.4), by which time it is already sending its
    // requests. Closing at once would answer those bytes with a TCP reset, and a reset can destroy
    // the alert still unread on the client, leaving it a bare "connection reset". So read and
    // discard until the client closes (it does, having read the alert), for at most a second.
    private static async Task LingerAsync(PipeReader input, CancellationToken connectionClosed)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed);
        limit.CancelAfter(s_lingerTime);
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(limit.Token).ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
        {
            // Time is up or the client is gone: either way there is nothing left to wait for.
        }
    }

    // As Kestrel's own HTTPS middleware does: swap the transport for the plaintext pipe while the
    // rest of the pipeline runs, then put the original back so Kestrel closes the socket itself.
    private static async Task ServeAsync(ConnectionContext context, ConnectionDelegate next, TlsStream tls)
    {
        using X509Certificate2? client = tls.Connection.PeerCertificate is byte[] der ? X509CertificateLoader.LoadCertificate(der) : null;
        var feature = new CaTlsFeature(client, tls.Connection.Facts!.ApplicationProtocol);
        context.Features.Set<ITlsConnectionFeature>(feature);
        context.Features.Set<ITlsApplicationProtocolFeature>(feature);

        IDuplexPipe original = context.Transport;
        var plaintext = new PlaintextPipe(
            PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true)));
        context.Transport = plaintext;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Transport = original;
            await plaintext.Input.CompleteAsync().ConfigureAwait(false);
            await CompleteQuietlyAsync(plaintext.Output).ConfigureAwait(false);
            await tls.ShutdownAsync().ConfigureAwait(false);
        }
    }

    // Completing the writer flushes what Kestrel left in it; a peer that is already gone makes
    // that fail, which changes nothing about a connection that is ending.
    private static async Task CompleteQuietlyAsync(PipeWriter writer)
    {
        try
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    public void Dispose() => _source.Dispose();
}
