using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using TlsGateway.Grpc;
using TlsGateway.Sds;

namespace TlsGateway.Host.HotRestart;

/// <summary>
/// The running process's side of a hot restart (docs/hot-restart.md). It listens on a Unix
/// socket (mode 0600, and the caller must run as the same user); a new process connects, says
/// hello, receives every listening socket and the ticket keys, starts, and says "serving" (or
/// "failed" and why). Only then does this process stop accepting: both processes accept from the
/// same kernel queue until that moment, so no client is refused. A new process that fails,
/// hangs or hangs up leaves this one serving, and the reason is logged.
/// </summary>
internal sealed class HotRestartServer : IAsyncDisposable
{
    // How long a new process may take from receiving the sockets to serving on them.
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly Func<HandoffOffer> _offer;
    private readonly Func<int> _stepAside;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private bool _handedOff;

    private HotRestartServer(string path, Socket listener, Func<HandoffOffer> offer, Func<int> handedOff, ILogger logger)
    {
        Path = path;
        _listener = listener;
        _offer = offer;
        _stepAside = handedOff;
        _logger = logger;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public string Path { get; }

    /// <summary>
    /// Listens on <paramref name="path"/>. <paramref name="offer"/> gathers the sockets when a new
    /// process asks; <paramref name="handedOff"/> runs once it serves: it stops this process
    /// accepting, starts the drain and returns how many connections are draining. Null (and a
    /// warning) when the path cannot be bound: the process serves on, without hot restart.
    /// </summary>
    public static HotRestartServer? TryStart(string path, Func<HandoffOffer> offer, Func<int> handedOff, ILogger logger)
    {
        try
        {
            Socket listener = UnixSocketListener.Bind(path, UnixFileMode.UserRead | UnixFileMode.UserWrite, SocketType.Seqpacket);
            HotRestartLog.Listening(logger, path);
            return new HotRestartServer(path, listener, offer, handedOff, logger);
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException or ArgumentException)
        {
            HotRestartLog.Unavailable(logger, path, e.Message);
            return null;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            using var channel = new HandoffChannel(connection);

            // The conversation blocks (it waits up to StartupTimeout for the new process to serve),
            // and this continuation may run on one of .NET's socket engine threads (inline
            // completions, RuntimeTuning): blocking that thread stalls every socket it serves,
            // including the SDS socket the new process asks for its certificates during that wait.
            if (await Task.Run(() => Converse(channel)))
            {
                return; // handed off: this process is draining and will exit
            }
        }
    }

    // One new process's attempt. True when it took over.
    private bool Converse(HandoffChannel channel)
    {
        int pid = 0;
        try
        {
            PeerCredentials? peer = PeerCredentials.Read(channel.Socket);
            pid = peer?.Pid ?? 0;
            if (peer is null || peer.Uid != WorkloadPolicy.CurrentUid())
            {
                HotRestartLog.Refused(_logger, pid, "it runs as another user");
                return false;
            }

            (HandoffMessage hello, int[] stray) = channel.Receive(HelloTimeout);
            HandoffChannel.CloseAll(stray);
            if (hello.Type != "hello" || hello.ProtocolVersion != HandoffMessage.Version)
            {
                string why = $"it spoke '{hello.Type}' version {hello.ProtocolVersion}; this process speaks hello version {HandoffMessage.Version}";
                channel.Send(HandoffMessage.Failed(why));
                HotRestartLog.Refused(_logger, pid, why);
                return false;
            }

            using (HandoffOffer offer = _offer())
            {
                channel.Send(offer.ToMessage(), offer.Descriptors.ToArray());
                HotRestartLog.Offered(_logger, pid, offer.Sockets.Count);
            }

            (HandoffMessage answer, int[] more) = channel.Receive(StartupTimeout);
            HandoffChannel.CloseAll(more);
            if (answer.Type != "serving")
            {
                HotRestartLog.NewProcessFailed(_logger, pid, answer.Reason ?? $"it answered '{answer.Type}'");
                return false;
            }

            // The new process serves: step aside. Closing the listener first lets it bind this path.
            _listener.Dispose();
            _handedOff = true;
            int draining = _stepAside();
            channel.Send(HandoffMessage.Draining(draining));
            HotRestartLog.HandedOff(_logger, pid, draining);
            return true;
        }
        catch (Exception e) when (e is IOException or TimeoutException or SocketException or CryptographicException)
        {
            HotRestartLog.NewProcessFailed(_logger, pid, e.Message);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        await _loop;
        _stopping.Dispose();
        if (!_handedOff)
        {
            // Ours alone; after a hand-off the path is the new process's socket.
            File.Delete(Path);
        }
    }
}
