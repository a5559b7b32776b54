using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge.Config;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Accepts TCP connections, runs the TLS handshake under a timeout and hands each established
/// session to a handler. Handshake failures are expected events: counted per reason, logged one
/// line each (Information, capped per second by <see cref="LogBudget"/> so a flood cannot fill a
/// disk), and the connection closed after OpenSSL's alert has been sent. Connections beyond the
/// connection limit or the handshake rate are closed at accept, before any crypto. The
/// <see cref="ListenerBinding"/> (TLS snapshot, handler, limits) can be replaced at any time; a
/// connection keeps the one it was accepted under.
/// </summary>
public sealed class TlsListener : IAsyncDisposable
{
    // A flood of failing handshakes (a scanner, a misconfigured fleet) must not fill the disk.
    private const int FailureLinesPerSecond = 20;

    // How long accepting pauses when the process is out of file descriptors (nginx: 500 ms).
    private static readonly TimeSpan AcceptPause = TimeSpan.FromMilliseconds(200);

    // Client connections held by every listener of the process (each costs two descriptors).
    private static int s_processActive;

    private readonly LogBudget _descriptorLog = new(1);
    private readonly LogBudget _limitLog = new(1);
    private readonly ListenerOptions _options;
    private readonly LogBudget _failureLog;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly bool _inherited;
    private readonly HashSet<Task> _connections = new();
    private readonly object _bindingGate = new();
    private ListenerBinding _binding;
    private HandshakeRateLimiter _rateLimiter;
    private Task? _acceptLoop;
    private int _active;
    private volatile bool _stopped;

    /// <param name="inherited">
    /// A socket already bound and listening on <see cref="ListenerOptions.Endpoint"/>, handed over
    /// by the process this one replaces (hot restart); null to bind a new one.
    /// </param>
    public TlsListener(ListenerOptions options, ListenerBinding binding, ILogger logger, Socket? inherited = null)
    {
        _options = options;
        _binding = binding;
        _rateLimiter = new HandshakeRateLimiter(binding.Limits.MaxHandshakesPerSecond);
        _logger = logger;
        _inherited = inherited is not null;
        _socket = inherited ?? new Socket(options.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Stats = new HandshakeStats(options.Name);
        _failureLog = new LogBudget(FailureLinesPerSecond);
    }

    public HandshakeStats Stats { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>The listening socket, for handing over to a new process (hot restart).</summary>
    internal Socket ListeningSocket => _socket;

    /// <summary>What new connections get. Setting it affects only connections accepted afterwards.</summary>
    public ListenerBinding Binding
    {
        get => Volatile.Read(ref _binding);
        set
        {
            if (value.Limits.MaxHandshakesPerSecond != Volatile.Read(ref _binding).Limits.MaxHandshakesPerSecond)
            {
                Volatile.Write(ref _rateLimiter, new HandshakeRateLimiter(value.Limits.MaxHandshakesPerSecond));
            }

            ListenerBinding previous;
            lock (_bindingGate)
            {
                previous = _binding;
                Volatile.Write(ref _binding, value);
            }

            previous.Retire();
            EdgeLog.ContextSwapped(_logger, LocalEndPoint);
        }
    }

    /// <summary>The TLS snapshot new connections use; setting it keeps the handler and limits.</summary>
    public TlsServerContext? Context
    {
        get => Binding.Context;
        set => Binding = Binding.WithContext(value ?? throw new ArgumentNullException(nameof(value)));
    }

    public void Start()
    {
        // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT as well, which would let a second
        // process silently share the port. Listener hand-off between processes is explicit instead.
        if (_inherited)
        {
            EdgeLog.Listening(_logger, LocalEndPoint);
            _acceptLoop = AcceptLoopAsync();
            return;
        }

        try
        {
            _socket.Bind(_options.Endpoint);
            _socket.Listen(1024);
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot listen on {_options.Endpoint}: {e.Message}", e);
        }

        EdgeLog.Listening(_logger, LocalEndPoint);
        _acceptLoop = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        using var accepting = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, _stopAccepting.Token);
        while (!accepting.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(accepting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (_stopped)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // A client gave up between its SYN and our accept: nothing to do, nothing to report.
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                // Out of file descriptors (EMFILE/ENFILE). Accepting again at once fails again at
                // once: a loop of failures, exceptions and log lines that starved the process until
                // it died (found holding 9,900 idle connections under a 20,000-descriptor limit).
                // Pause accepting, as nginx does; the kernel queues new clients meanwhile.
                Stats.RecordAcceptPaused();
                if (_descriptorLog.TryTake(out long suppressed))
                {
                    EdgeLog.OutOfDescriptors(_logger, LocalEndPoint, (int)AcceptPause.TotalMilliseconds, suppressed);
                }

                try
                {
                    await Task.Delay(AcceptPause, accepting.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            ListenerBinding binding;
            lock (_bindingGate)
            {
                binding = _binding;
                binding.Enter();
            }

            if (!Volatile.Read(ref _rateLimiter).TryAcquire())
            {
                Stats.RecordRateLimited();
                EdgeLog.HandshakeRateLimited(_logger, LocalEndPoint, client.RemoteEndPoint);
                client.Dispose();
                binding.Exit();
                continue;
            }

            // The listener's max_connections, and the whole process's descriptor budget.
            bool overListener = Interlocked.Increment(ref _active) > binding.Limits.MaxConnections;
            bool overProcess = Interlocked.Increment(ref s_processActive) > DescriptorBudget.ConnectionCap;
            if (overListener || overProcess)
            {
                Interlocked.Decrement(ref _active);
                Interlocked.Decrement(ref s_processActive);
                Stats.RecordRejectedAtAccept();
                if (_limitLog.TryTake(out long suppressed))
                {
                    int limit = overListener ? binding.Limits.MaxConnections : DescriptorBudget.ConnectionCap;
                    EdgeLog.ConnectionLimit(_logger, limit, overListener ? "max_connections" : $"the descriptor limit ({DescriptorBudget.SoftLimit})",
                        LocalEndPoint, client.RemoteEndPoint, suppressed);
                }

                client.Dispose();
                binding.Exit();
                continue;
            }

            client.NoDelay = true;
            Stats.RecordAccepted();
            Task connection = HandleAsync(client, binding);
            lock (_connections)
            {
                _connections.Add(connection);
            }

            // Inline on the thread that ended the connection: a continuation queued to the thread
            // pool woke a worker per connection, which then waited for the edge's one core.
            _ = connection.ContinueWith(t =>
            {
                lock (_connections)
                {
                    _connections.Remove(t);
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    // No hop to the thread pool before the handshake: it runs on the thread that accepted the
    // connection (with inline socket completions, the epoll thread) until its first wait for the
    // client, as in nginx's event loop. A hop here woke a second thread per connection.
    private async Task HandleAsync(Socket client, ListenerBinding binding)
    {
        long startedAt = Stopwatch.GetTimestamp();
        EndPoint? remote = client.RemoteEndPoint;
        ClientSession? session = null;
        try
        {
            var handshake = new ClientHandshake(binding);
            try
            {
                session = await handshake.RunAsync(client, _stopping.Token).ConfigureAwait(false);
            }
            catch (TlsException e)
            {
                Stats.RecordFailed(e.Failure.Reason, handshake.Engine, startedAt);
                if (_failureLog.TryTake(out long suppressed))
                {
                    EdgeLog.HandshakeFailed(_logger, remote, _options.Name, EdgeMetrics.ReasonLabel(e.Failure.Reason), e.Failure.Detail, suppressed);
                }

                return;
            }

            Interop.HandshakeFacts facts = session.Facts;
            Stats.RecordCompleted(facts, session.Engine, startedAt);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                EdgeLog.HandshakeDone(_logger, remote, TlsVersionNames.ToDisplay(facts.Version), facts.CipherName, facts.ServerName,
                    facts.ApplicationProtocol, facts.SessionReused, session.Peer?.SpiffeId ?? session.Peer?.Subject);
            }

            if (!session.PeerGone)
            {
                await binding.Handler(session, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is TlsException or SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            EdgeLog.ConnectionError(_logger, remote, e.Message);
        }
        catch (Exception e)
        {
            // A bug, not a peer's doing: this connection ends, the listener goes on, and it is loud.
            EdgeLog.ConnectionCrashed(_logger, remote, e);
        }
        finally
        {
            if (session is not null)
            {
                await session.Link.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                client.Dispose();
            }

            Interlocked.Decrement(ref _active);
            Interlocked.Decrement(ref s_processActive);
            Stats.RecordClosed();
            binding.Exit();
        }
    }

    /// <summary>Stops accepting, waits up to <paramref name="drainTimeout"/> for connections to finish, then cancels the rest.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        _stopped = true;
        _stopAccepting.Cancel();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        // Only this process's descriptor: after a hot restart the new process shares the socket,
        // and the shutdown(2) .NET would do first would stop it accepting too.
        NativeSockets.CloseOwnDescriptor(_socket);

        Task[] running;
        lock (_connections)
        {
            running = _connections.ToArray();
        }

        Task all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(drainTimeout)).ConfigureAwait(false) != all)
        {
            _stopping.Cancel();
            await all.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stopping.Dispose();
        _stopAccepting.Dispose();
        Binding.Retire();
    }
}
