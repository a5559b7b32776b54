using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge.Config;
using TlsGateway.Edge.Loop;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// A listening socket and the connections accepted on it. The edge's event loops accept
/// (docs/edge-loop.md); each client is admitted under the limits, then run on its loop from
/// handshake to close when the binding allows it (<see cref="ListenerBinding.RunsOnLoop"/>), or
/// else handed, handshake first, to the binding's handler on the task-based path
/// (TlsListener.Tasks.cs). Handshake failures are expected events: counted per reason, logged one
/// line each (Information, capped per second by <see cref="LogBudget"/> so a flood cannot fill a
/// disk), and the connection closed after OpenSSL's alert has been sent. Connections beyond the
/// connection limit or the handshake rate are closed at accept, before any crypto. The
/// <see cref="ListenerBinding"/> (TLS snapshot, handler, limits) can be replaced at any time; a
/// connection keeps the one it was accepted under.
/// </summary>
public sealed partial class TlsListener : IAsyncDisposable
{
    // A flood of failing handshakes (a scanner, a misconfigured fleet) must not fill the disk.
    private const int FailureLinesPerSecond = 20;

    // Client connections held by every listener of the process (each costs two descriptors).
    private static int s_processActive;

    private readonly LogBudget _descriptorLog = new(1);
    private readonly LogBudget _limitLog = new(1);
    private readonly LogBudget _acceptLog = new(1);
    private readonly ListenerOptions _options;
    private readonly LogBudget _failureLog;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _inherited;
    private readonly HashSet<Task> _connections = new();
    private readonly object _bindingGate = new();
    private ListenerBinding _binding;
    private HandshakeRateLimiter _rateLimiter;
    private readonly object _drainGate = new();
    private List<LoopAcceptor>? _acceptors;
    private TaskCompletionSource? _loopDrained;
    private Task? _stopAccepting;
    private int _active;
    private int _onLoop;

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
        if (!_inherited)
        {
            try
            {
                _socket.Bind(_options.Endpoint);
                _socket.Listen(1024);
            }
            catch (SocketException e)
            {
                throw new IOException($"cannot listen on {_options.Endpoint}: {e.Message}", e);
            }
        }

        // The event loops accept (docs/edge-loop.md): .NET never waits on this socket, so it stays
        // out of the runtime's own epoll set. The kernel queues clients from Listen on; each loop
        // takes them up once it has run the acceptor's start (posts to a loop run in order, so a
        // stop always comes after the start).
        _socket.Blocking = false;
        int fd = checked((int)_socket.Handle);
        var acceptors = EventLoops.All.Select(loop => new LoopAcceptor(loop, this, fd)).ToList();
        foreach (LoopAcceptor acceptor in acceptors)
        {
            acceptor.Loop.Post(acceptor.Start);
        }

        _acceptors = acceptors;
        EdgeLog.Listening(_logger, LocalEndPoint);
    }

    /// <summary>
    /// A client an event loop accepted (on that loop's thread): admitted under the limits, then run
    /// on the loop if the binding allows it, else on the task-based path.
    /// </summary>
    internal void Accepted(EventLoop loop, int fd, ReadOnlySpan<byte> address)
    {
        long startedAt = Stopwatch.GetTimestamp();
        byte[] remote = address.ToArray();
        if (Admit(remote) is not { } binding)
        {
            NativeLoop.Close(fd);
            return;
        }

        Stats.RecordAccepted();
        if (binding.RunsOnLoop)
        {
            RunOnLoop(loop, fd, remote, binding, startedAt);
            return;
        }

        RunOnTasks(fd, binding);
    }

    private void RunOnLoop(EventLoop loop, int fd, byte[] remote, ListenerBinding binding, long startedAt)
    {
        LoopConnection connection;
        try
        {
            connection = new LoopConnection(loop, this, binding, fd, remote, startedAt);
        }
        catch (Exception e)
        {
            NativeLoop.Close(fd);
            Ended(binding);
            RecordCrash(NativeLoop.Decode(remote), e);
            return;
        }

        Interlocked.Increment(ref _onLoop);
        try
        {
            connection.Start();
        }
        catch (Exception e)
        {
            connection.OnCrash(e);
        }
    }

    // The rate limit, the listener's max_connections and the process's descriptor budget: the
    // binding the client is served under (entered), or null when it is to be closed at once.
    private ListenerBinding? Admit(byte[] remote)
    {
        ListenerBinding binding;
        lock (_bindingGate)
        {
            binding = _binding;
            binding.Enter();
        }

        if (!Volatile.Read(ref _rateLimiter).TryAcquire())
        {
            Stats.RecordRateLimited();
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                EdgeLog.HandshakeRateLimited(_logger, LocalEndPoint, NativeLoop.Decode(remote));
            }

            binding.Exit();
            return null;
        }

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
                    LocalEndPoint, NativeLoop.Decode(remote), suppressed);
            }

            binding.Exit();
            return null;
        }

        return binding;
    }

    /// <summary>An event loop is out of descriptors (EMFILE/ENFILE) or kernel memory and pauses accepting.</summary>
    internal void AcceptPaused(int milliseconds)
    {
        Stats.RecordAcceptPaused();
        if (_descriptorLog.TryTake(out long suppressed))
        {
            EdgeLog.OutOfDescriptors(_logger, LocalEndPoint, milliseconds, suppressed);
        }
    }

    /// <summary>An event loop's accept failed for a reason that is not a client's doing; it tries again next tick.</summary>
    internal void AcceptFailed(string reason, int milliseconds)
    {
        if (_acceptLog.TryTake(out long suppressed))
        {
            EdgeLog.AcceptFailed(_logger, LocalEndPoint, reason, milliseconds, suppressed);
        }
    }

    internal void RecordHandshakeCompleted(Interop.HandshakeFacts facts, PeerIdentity? peer, string engine, long startedAt, byte[]? remoteAddress,
        EndPoint? remote = null)
    {
        Stats.RecordCompleted(facts, engine, startedAt);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            EdgeLog.HandshakeDone(_logger, remote ?? NativeLoop.Decode(remoteAddress), TlsVersionNames.ToDisplay(facts.Version), facts.CipherName,
                facts.ServerName, facts.ApplicationProtocol, facts.SessionReused, peer?.SpiffeId ?? peer?.Subject);
        }
    }

    internal void RecordHandshakeFailure(TlsFailure failure, string engine, long startedAt, byte[]? remoteAddress, EndPoint? remote = null)
    {
        Stats.RecordFailed(failure.Reason, engine, startedAt);
        if (_failureLog.TryTake(out long suppressed))
        {
            EdgeLog.HandshakeFailed(_logger, remote ?? NativeLoop.Decode(remoteAddress), _options.Name, EdgeMetrics.ReasonLabel(failure.Reason),
                failure.Detail, suppressed);
        }
    }

    /// <summary>A connection ended early for a reason worth a debug line (the task-based path logs the same).</summary>
    internal void RecordConnectionError(EndPoint? remote, string message) => EdgeLog.ConnectionError(_logger, remote, message);

    /// <summary>A bug, not a peer's doing: the connection ends, the listener goes on, and it is loud.</summary>
    internal void RecordCrash(EndPoint? remote, Exception exception) => EdgeLog.ConnectionCrashed(_logger, remote, exception);

    /// <summary>A loop connection has closed (on its loop's thread).</summary>
    internal void LoopConnectionEnded(ListenerBinding binding)
    {
        Ended(binding);
        if (Interlocked.Decrement(ref _onLoop) == 0)
        {
            lock (_drainGate)
            {
                _loopDrained?.TrySetResult();
            }
        }
    }

    private void Ended(ListenerBinding binding)
    {
        Interlocked.Decrement(ref _active);
        Interlocked.Decrement(ref s_processActive);
        Stats.RecordClosed();
        binding.Exit();
    }

    /// <summary>Stops accepting, waits up to <paramref name="drainTimeout"/> for connections to finish, then closes the rest.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        Task stopAccepting;
        lock (_drainGate)
        {
            stopAccepting = _stopAccepting ??= StopAcceptingAsync();
        }

        await stopAccepting.ConfigureAwait(false);

        Task[] running;
        lock (_connections)
        {
            running = _connections.ToArray();
        }

        Task all = Task.WhenAll(Task.WhenAll(running), LoopDrainedAsync());
        if (await Task.WhenAny(all, Task.Delay(drainTimeout)).ConfigureAwait(false) != all)
        {
            _stopping.Cancel();
            foreach (EventLoop loop in EventLoops.All)
            {
                loop.Post(() => AbortOn(loop));
            }

            await all.ConfigureAwait(false);
        }
    }

    // Once, whoever stops first: every loop forgets the socket before it is closed (a socket shared
    // with another process after a hot restart would go on raising events in this one's epoll sets).
    private async Task StopAcceptingAsync()
    {
        if (_acceptors is { } acceptors)
        {
            await Task.WhenAll(acceptors.Select(a => a.Loop.InvokeAsync(a.Stop))).ConfigureAwait(false);
        }

        // Only this process's descriptor: after a hot restart the new process shares the socket,
        // and the shutdown(2) .NET would do first would stop it accepting too.
        NativeSockets.CloseOwnDescriptor(_socket);
    }

    // Completes when no connection of this listener is left on any loop.
    private Task LoopDrainedAsync()
    {
        lock (_drainGate)
        {
            if (Volatile.Read(ref _onLoop) == 0)
            {
                return Task.CompletedTask;
            }

            _loopDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _loopDrained.Task;
        }
    }

    private void AbortOn(EventLoop loop)
    {
        foreach (ILoopHandler handler in loop.Ticking.ToArray())
        {
            if (handler is LoopConnection connection && connection.Listener == this)
            {
                connection.Abort();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stopping.Dispose();
        Binding.Retire();
    }
}
