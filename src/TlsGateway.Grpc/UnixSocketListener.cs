using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace TlsGateway.Grpc;

/// <summary>
/// A Kestrel listener on a Unix socket that is never reachable with a wider mode than asked
/// for: the socket is bound and chmod-ed before listen(), then handed to Kestrel, so there is
/// no moment when anyone could connect through a umask-default mode. Each connection carries
/// its <see cref="PeerCredentials"/> as a connection feature.
/// </summary>
public static class UnixSocketListener
{
    /// <summary>The longest path a Unix socket can have: sun_path holds 108 bytes with the terminating NUL.</summary>
    public const int MaxPathBytes = 107;

    private static int s_staging;

    /// <summary>
    /// Binds PATH with MODE and listens. A file already at PATH that no process answers on (the
    /// socket a crashed process left) is replaced; a live one is refused. .NET cannot tell a
    /// socket file from a regular one, so point PATH at a directory the agent owns.
    /// </summary>
    public static Socket Bind(string path, UnixFileMode mode, SocketType type = SocketType.Stream)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            throw new IOException($"the socket path {path} is {System.Text.Encoding.UTF8.GetByteCount(path)} bytes; a Unix socket path is at most {MaxPathBytes} (sun_path, unix(7)): choose a shorter one");
        }

        if (Directory.Exists(path))
        {
            throw new IOException($"{path} is a directory, not a socket path");
        }

        if (File.Exists(path))
        {
            if (IsServed(path, type))
            {
                throw new IOException($"{path} is in use by another running process");
            }

            File.Delete(path); // left over from a process that did not shut down cleanly
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Bound under a staging name and renamed into place once listening: a client that sees
        // PATH can connect at once, never meeting a socket that is bound but not yet listening.
        // Named short, not after PATH: PATH may be close to the length limit itself.
        string staging = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Environment.ProcessId}.{Interlocked.Increment(ref s_staging)}.bind");
        File.Delete(staging);
        var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(staging));
            File.SetUnixFileMode(staging, mode);
            socket.Listen(512);
            File.Move(staging, path, overwrite: true);
            return socket;
        }
        catch
        {
            socket.Dispose();
            File.Delete(staging);
            throw;
        }
    }

    /// <summary>Serves HTTP/2 (gRPC) on an already bound and listening Unix socket.</summary>
    public static void Listen(KestrelServerOptions kestrel, Socket socket)
    {
        kestrel.ListenHandle((ulong)socket.Handle, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(next => connection =>
            {
                if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is Socket peer && PeerCredentials.Read(peer) is PeerCredentials credentials)
                {
                    connection.Features.Set(credentials);
                }

                return next(connection);
            });
        });
    }

    // The probe must be of the socket's own type: connecting with another type fails even when served.
    private static bool IsServed(string path, SocketType type)
    {
        using var probe = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false; // nobody listening (or not a socket at all): the path is free to take
        }
    }
}
