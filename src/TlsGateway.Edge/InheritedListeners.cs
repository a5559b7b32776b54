using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using TlsGateway.Interop;

namespace TlsGateway.Edge;

/// <summary>
/// Listening sockets (and locally generated session-ticket keys) handed over by the process
/// this one replaces (hot restart; docs/hot-restart.md). The first <see cref="EdgeRuntime.Apply"/>
/// takes the socket of every listener whose address matches instead of binding a new one, so
/// the kernel's accept queue, and every client in it, carries over. Whatever is not taken is
/// closed on dispose — without a shutdown, since the old process may still be accepting on it.
/// </summary>
public sealed class InheritedListeners : IDisposable
{
    private readonly Dictionary<IPEndPoint, (Socket Socket, byte[]? TicketKeys)> _byAddress = new();
    private bool _disposed;

    /// <summary>Adds a socket; <paramref name="ticketKeys"/> (owned from now on) are wiped when taken or disposed.</summary>
    public void Add(Socket socket, byte[]? ticketKeys)
    {
        var address = (IPEndPoint)socket.LocalEndPoint!;
        lock (_byAddress)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_byAddress.TryAdd(address, (socket, ticketKeys)))
            {
                throw new IOException($"two handed-over listeners claim {address}");
            }
        }
    }

    public IReadOnlyCollection<IPEndPoint> Addresses
    {
        get
        {
            lock (_byAddress)
            {
                return _byAddress.Keys.ToArray();
            }
        }
    }

    /// <summary>Takes the socket listening on <paramref name="address"/>; the caller owns it and the keys.</summary>
    public bool TryTake(IPEndPoint address, out Socket? socket, out byte[]? ticketKeys)
    {
        lock (_byAddress)
        {
            if (!_disposed && _byAddress.Remove(address, out var entry))
            {
                (socket, ticketKeys) = entry;
                return true;
            }
        }

        (socket, ticketKeys) = (null, null);
        return false;
    }

    public void Dispose()
    {
        lock (_byAddress)
        {
            _disposed = true;
            foreach ((Socket socket, byte[]? keys) in _byAddress.Values)
            {
                if (keys is not null)
                {
                    CryptographicOperations.ZeroMemory(keys);
                }

                NativeSockets.CloseOwnDescriptor(socket);
            }

            _byAddress.Clear();
        }
    }
}
