using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Host;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to the socket systemd names in NOTIFY_SOCKET
/// (a leading '@' means the abstract namespace). `READY=1` once serving, for `Type=notify`; and
/// after a hot restart `MAINPID=` names the new process, so systemd follows it instead of ending
/// the service when the old one exits (the unit needs `NotifyAccess=all`: the new process is not
/// the one systemd started). Without NOTIFY_SOCKET it does nothing.
/// </summary>
internal static class SystemdNotify
{
    public const string Variable = "NOTIFY_SOCKET";

    /// <summary>Sends <paramref name="state"/> (newline-separated assignments); false if there is no socket or it cannot be reached.</summary>
    public static bool Send(string state)
    {
        string? path = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        EndPoint endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false; // systemd went away or this is not a systemd service: nothing to tell
        }
    }
}
