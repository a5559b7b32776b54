using System.Security.Cryptography;

namespace TlsGateway.Host.HotRestart;

/// <summary>
/// What a running process hands to the one replacing it: each listening socket's descriptor with
/// what it is, and the edge listeners' locally generated ticket keys. The descriptors stay this
/// process's; <see cref="Dispose"/> wipes the keys.
/// </summary>
internal sealed class HandoffOffer : IDisposable
{
    private readonly List<HandoffSocket> _sockets = [];
    private readonly List<int> _descriptors = [];
    private readonly MemoryStream _tail = new();

    public IReadOnlyList<HandoffSocket> Sockets => _sockets;

    public IReadOnlyList<int> Descriptors => _descriptors;

    public void Add(string role, string name, string address, int descriptor, byte[]? ticketKeys = null)
    {
        int offset = (int)_tail.Length;
        if (ticketKeys is not null)
        {
            _tail.Write(ticketKeys);
            CryptographicOperations.ZeroMemory(ticketKeys);
        }

        _sockets.Add(new HandoffSocket(role, name, address, offset, ticketKeys?.Length ?? 0));
        _descriptors.Add(descriptor);
    }

    public HandoffMessage ToMessage() => new() { Type = "listeners", Pid = Environment.ProcessId, Sockets = _sockets, Tail = _tail.ToArray() };

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_tail.GetBuffer());
        _tail.Dispose();
    }
}
