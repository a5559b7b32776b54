using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Edge;

/// <summary>
/// One running listener as the process replacing this one needs it: its listening socket and,
/// for locally rotated session tickets, the keys (newest first, back to back; the receiver wipes
/// them), so clients holding this process's tickets resume on the new one.
/// </summary>
public sealed record HandedOverListener(string Name, IPEndPoint Address, Socket Socket, byte[]? TicketKeys);
