using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Host;

/// <summary>Listening sockets the host binds itself (rather than letting Kestrel bind them), so a hot restart can hand them over.</summary>
internal static class ListeningSockets
{
    /// <summary>Binds and listens on <paramref name="address"/>; port 0 picks a free port (read it from LocalEndPoint).</summary>
    public static Socket BindTcp(IPEndPoint address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true; // [::] takes IPv4 clients too, as Kestrel's own binding does
            }

            socket.Bind(address);
            socket.Listen(512);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"cannot listen on {address}: {e.Message}", e);
        }
    }
}
