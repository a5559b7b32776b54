using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge;
using TlsGateway.Interop;

namespace TlsGateway.Host.HotRestart;

/// <summary>
/// The new process's side of a hot restart (docs/hot-restart.md): takes the running process's
/// listening sockets and ticket keys, and, once everything is serving on them, tells it to step
/// aside (<see cref="ConfirmServing"/>) — or that starting failed (<see cref="Fail"/>), which
/// leaves it serving.
/// </summary>
internal sealed class HotRestartClient : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    private readonly HandoffChannel _channel;
    private readonly ILogger _logger;
    private readonly int _oldPid;
    private Socket? _admin;
    private Socket? _sds;
    private string? _adminAddress;
    private string? _sdsPath;
    private bool _finished;

    private HotRestartClient(HandoffChannel channel, int oldPid, InheritedListeners edge, Socket? admin, Socket? sds, ILogger logger)
    {
        _channel = channel;
        _oldPid = oldPid;
        Edge = edge;
        _admin = admin;
        _sds = sds;
        _logger = logger;
    }

    /// <summary>The edge's listening sockets (and ticket keys), taken by address.</summary>
    public InheritedListeners Edge { get; }


    /// <summary>
    /// The admin port's listening socket if the old process had one on <paramref name="address"/>
    /// (a config that moved the port binds anew); the caller owns it from now on.
    /// </summary>
    public Socket? TakeAdmin(string address) => _adminAddress == address ? Interlocked.Exchange(ref _admin, null) : null;

    /// <summary>The agent's SDS socket if the old process served <paramref name="path"/>; the caller owns it from now on.</summary>
    public Socket? TakeSds(string path) => _sdsPath == path ? Interlocked.Exchange(ref _sds, null) : null;

    /// <summary>
    /// Connects to the process serving at <paramref name="path"/> and takes its sockets. Null when
    /// no process answers there (nothing to take over: start fresh). Throws <see cref="IOException"/>
    /// when one answers but the hand-over fails.
    /// </summary>
    public static HotRestartClient? TryConnect(string path, ILogger logger)
    {
        HandoffChannel channel;
        try
        {
            channel = HandoffChannel.Connect(path);
        }
        catch (SocketException)
        {
            HotRestartLog.NothingToTakeOver(logger, path);
            return null;
        }

        int[] descriptors = [];
        try
        {
            channel.Send(HandoffMessage.Hello());
            (HandoffMessage offer, descriptors) = channel.Receive(AnswerTimeout);
            if (offer.Type != "listeners" || offer.Sockets is null || offer.Sockets.Count != descriptors.Length)
            {
                throw new IOException(offer.Reason is { } reason
                    ? $"the running process refused: {reason}"
                    : $"the running process sent '{offer.Type}' with {descriptors.Length} descriptors for {offer.Sockets?.Count ?? 0} sockets");
            }

            HotRestartClient client = Adopt(channel, offer, descriptors, logger);
            descriptors = [];
            HotRestartLog.TookOver(logger, offer.Pid ?? 0, offer.Sockets.Count);
            return client;
        }
        catch (Exception e) when (e is IOException or TimeoutException or SocketException)
        {
            HandoffChannel.CloseAll(descriptors);
            channel.Dispose();
            throw new IOException($"hot restart through {path} failed: {e.Message}", e);
        }
    }

    private static HotRestartClient Adopt(HandoffChannel channel, HandoffMessage offer, int[] descriptors, ILogger logger)
    {
        var edge = new InheritedListeners();
        Socket? admin = null;
        Socket? sds = null;
        string? adminAddress = null;
        string? sdsPath = null;
        try
        {
            for (int i = 0; i < descriptors.Length; i++)
            {
                HandoffSocket what = offer.Sockets![i];
                var socket = new Socket(new SafeSocketHandle(descriptors[i], ownsHandle: true));
                descriptors[i] = -1;
                switch (what.Role)
                {
                    case "edge":
                        edge.Add(socket, TicketKeys(offer.Tail, what));
                        break;
                    case "admin" when admin is null:
                        admin = socket;
                        adminAddress = what.Address;
                        break;
                    case "sds" when sds is null:
                        sds = socket;
                        sdsPath = what.Address;
                        break;
                    default:
                        NativeSockets.CloseOwnDescriptor(socket);
                        throw new IOException($"unexpected handed-over socket '{what.Role}' ({what.Name})");
                }
            }

            return new HotRestartClient(channel, offer.Pid ?? 0, edge, admin, sds, logger) { _adminAddress = adminAddress, _sdsPath = sdsPath };
        }
        catch
        {
            edge.Dispose();
            HandoffChannel.CloseAll(descriptors.Where(d => d >= 0));
            foreach (Socket? socket in new[] { admin, sds })
            {
                if (socket is not null)
                {
                    NativeSockets.CloseOwnDescriptor(socket);
                }
            }

            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(offer.Tail);
        }
    }

    private static byte[]? TicketKeys(byte[] tail, HandoffSocket what)
    {
        if (what.TicketKeysLength == 0)
        {
            return null;
        }

        if (what.TicketKeysOffset < 0 || what.TicketKeysLength < 0 || what.TicketKeysOffset + what.TicketKeysLength > tail.Length)
        {
            throw new IOException($"the ticket keys of listener '{what.Name}' lie outside the message");
        }

        return tail.AsSpan(what.TicketKeysOffset, what.TicketKeysLength).ToArray();
    }

    /// <summary>Everything serves on the taken sockets: the old process stops accepting and drains.</summary>
    public void ConfirmServing()
    {
        _finished = true;
        try
        {
            _channel.Send(HandoffMessage.Serving());
            (HandoffMessage answer, int[] stray) = _channel.Receive(AnswerTimeout);
            HandoffChannel.CloseAll(stray);
            HotRestartLog.OldDraining(_logger, answer.Pid ?? _oldPid, answer.Connections ?? 0);
        }
        catch (Exception e) when (e is IOException or TimeoutException or SocketException)
        {
            // This process serves either way; the old one drains when it hears, or went away already.
            _logger.LogWarning("Hot restart: process {Pid} did not confirm it stopped accepting: {Reason}", _oldPid, e.Message);
        }
    }

    /// <summary>Starting failed: the old process keeps serving, and logs <paramref name="reason"/>.</summary>
    public void Fail(string reason)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        try
        {
            _channel.Send(HandoffMessage.Failed(reason));
        }
        catch (SocketException)
        {
            // It will see the connection close instead.
        }
    }

    public void Dispose()
    {
        Fail("the new process stopped before it served");
        Edge.Dispose();
        foreach (Socket? untaken in new[] { Interlocked.Exchange(ref _admin, null), Interlocked.Exchange(ref _sds, null) })
        {
            if (untaken is not null)
            {
                NativeSockets.CloseOwnDescriptor(untaken);
            }
        }

        _channel.Dispose();
    }
}
