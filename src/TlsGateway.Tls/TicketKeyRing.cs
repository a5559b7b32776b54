using System.Security.Cryptography;
using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>
/// Session-ticket keys shared by every context of a listener, replaceable at run time (from a
/// file, from SDS, or by local rotation) without rebuilding contexts. Keys are 80 bytes in
/// Envoy's and nginx's layout; the first encrypts new tickets, all decrypt (RFC 5077 section 4).
/// Keys given to <see cref="SetKeys"/> are copied into native memory and not kept here; keys this
/// ring generates itself (<see cref="Rotate"/>) are kept so older ones can stay for decryption,
/// and are wiped when rotated out or on dispose. Use one mode per ring: a fleet's shared keys
/// (SetKeys) or local rotation.
/// </summary>
public sealed class TicketKeyRing : IDisposable
{
    public const int KeyLength = NativeTicketKeys.KeyLength;
    public const int MaxKeys = NativeTicketKeys.MaxKeys;

    private readonly object _gate = new();
    private byte[][] _names = [];
    private readonly List<byte[]> _generated = [];
    private ShangMi.SessionTicketProtector? _managed;
    private bool _disposed;

    public TicketKeyRing()
    {
        Handle = NativeTicketKeys.Create();
    }

    internal SafeTicketKeysHandle Handle { get; }

    /// <summary>
    /// The same keys for the managed ShangMi engine's tickets, so a fleet's key file, SDS resource
    /// or local rotation serves both engines; null until the ring has keys. Updated with the ring.
    /// </summary>
    public ShangMi.SessionTicketProtector? ManagedTickets
    {
        get
        {
            lock (_gate)
            {
                return _managed;
            }
        }
    }

    /// <summary>Key names (first 16 bytes of each key, not secret) in ring order, for logs and tests.</summary>
    public IReadOnlyList<string> KeyNames
    {
        get
        {
            lock (_gate)
            {
                return _names.Select(Convert.ToHexString).ToArray();
            }
        }
    }

    /// <summary>A ring holding one fresh random key: for a single edge with no fleet to share with.</summary>
    public static TicketKeyRing CreateRandom()
    {
        var ring = new TicketKeyRing();
        ring.Rotate();
        return ring;
    }

    /// <summary>
    /// A locally rotating ring that goes on from keys another process generated (hot restart),
    /// so tickets that process issued still resume here. <paramref name="packed"/> holds 1 to
    /// <see cref="MaxKeys"/> keys back to back, newest first; it is copied, not kept.
    /// </summary>
    public static TicketKeyRing ContinueFrom(ReadOnlySpan<byte> packed)
    {
        if (packed.Length == 0 || packed.Length % KeyLength != 0 || packed.Length / KeyLength > MaxKeys)
        {
            throw new TlsConfigurationException($"handed-over ticket keys are {packed.Length} bytes; expected 1 to {MaxKeys} keys of {KeyLength} bytes");
        }

        var ring = new TicketKeyRing();
        lock (ring._gate)
        {
            for (int offset = 0; offset < packed.Length; offset += KeyLength)
            {
                ring._generated.Add(packed.Slice(offset, KeyLength).ToArray());
            }

            ring.SetKeys(ring._generated.Select(k => (ReadOnlyMemory<byte>)k).ToArray());
        }

        return ring;
    }

    /// <summary>
    /// The keys this ring generated itself, newest first, back to back — for handing over to the
    /// process that replaces this one. Null for a ring fed by <see cref="SetKeys"/> (the new
    /// process reads the same file or SDS resource). The caller wipes the copy.
    /// </summary>
    public byte[]? ExportGenerated()
    {
        lock (_gate)
        {
            if (_disposed || _generated.Count == 0)
            {
                return null;
            }

            byte[] packed = new byte[_generated.Count * KeyLength];
            for (int i = 0; i < _generated.Count; i++)
            {
                _generated[i].CopyTo(packed, i * KeyLength);
            }

            return packed;
        }
    }

    /// <summary>Installs keys (each 80 bytes; first encrypts). Wipes nothing of the caller's.</summary>
    public void SetKeys(IReadOnlyList<ReadOnlyMemory<byte>> keys)
    {
        if (keys.Count is 0 or > MaxKeys)
        {
            throw new TlsConfigurationException($"a ticket key ring holds 1 to {MaxKeys} keys; got {keys.Count}");
        }

        byte[] packed = new byte[keys.Count * KeyLength];
        try
        {
            for (int i = 0; i < keys.Count; i++)
            {
                if (keys[i].Length != KeyLength)
                {
                    throw new TlsConfigurationException($"session ticket key {i} is {keys[i].Length} bytes; each key must be exactly {KeyLength} bytes");
                }

                keys[i].Span.CopyTo(packed.AsSpan(i * KeyLength));
            }

            lock (_gate)
            {
                NativeTicketKeys.Set(Handle, packed);
                _names = keys.Select(k => k.Span[..16].ToArray()).ToArray();
                if (_managed is null)
                {
                    _managed = new ShangMi.SessionTicketProtector(keys);
                }
                else
                {
                    _managed.SetKeys(keys);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(packed);
        }
    }

    /// <summary>
    /// Local rotation: a new random key becomes the encryption key; up to <paramref name="keep"/> - 1
    /// previously generated keys stay for decryption only, so tickets issued just before still resume.
    /// </summary>
    public void Rotate(int keep = 2)
    {
        lock (_gate)
        {
            // A rotation timer may fire while the ring is being retired: nothing left to rotate.
            if (_disposed)
            {
                return;
            }

            _generated.Insert(0, RandomNumberGenerator.GetBytes(KeyLength));
            while (_generated.Count > Math.Clamp(keep, 1, MaxKeys))
            {
                CryptographicOperations.ZeroMemory(_generated[^1]);
                _generated.RemoveAt(_generated.Count - 1);
            }

            SetKeys(_generated.Select(k => (ReadOnlyMemory<byte>)k).ToArray());
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (byte[] key in _generated)
            {
                CryptographicOperations.ZeroMemory(key);
            }

            _generated.Clear();
            _managed?.Dispose();
        }

        Handle.Dispose();
    }
}
