using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Seals and opens the managed server's stateless session tickets (RFC 8446 §4.6.1: the ticket is
/// opaque to the client; RFC 5077 §4 is the classic layout this follows: key name, nonce, sealed
/// state). Keys come in Envoy's 80-byte session-ticket-key format — 16-byte key name, 32-byte HMAC
/// key, 32-byte AES key — so the edge can feed the same fleet-shared key files it gives OpenSSL. The
/// first key seals; every key opens (rotation: add the new key first, keep the old ones until their
/// tickets have expired). One protector is shared by many connections: <see cref="SetKeys"/> swaps
/// an immutable snapshot and <see cref="Seal"/> / <see cref="TryOpen"/> read whichever snapshot is
/// current, without locks.
/// </summary>
/// <remarks>
/// <para>
/// Why not OpenSSL's own ticket crypto (AES-256-CBC then HMAC-SHA256 over the 80 bytes as given):
/// the managed engine's ticket contents differ from OpenSSL's anyway, so nothing is gained by the
/// same layout, and an AEAD is one primitive with one check instead of a MAC-then-decrypt
/// composition to get right. Why HKDF instead of using the 32-byte AES key directly: key separation
/// — the same key file also drives OpenSSL's CBC and HMAC, and a key must not serve two algorithms.
/// So each 80-byte key gives AES-256-GCM key = HKDF-SHA256(salt = "tlsgw managed ticket v1",
/// IKM = the 64 key bytes, info = the key name) (RFC 5869). The nonce is 12 random bytes per ticket:
/// with random nonces GCM stays within its 2^-32 collision bound up to 2^32 tickets per key
/// (SP 800-38D §8.3), far beyond the life of one key in a rotation. The key name is the AAD.
/// </para>
/// <para>
/// Layout: key name (16) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
/// </para>
/// <para>
/// Wiping: a swap wipes the derived keys of the key names that are no longer present (keys kept
/// across a rotation are reused, not rederived); <see cref="Dispose"/> wipes all. A connection that
/// read the old snapshot just before a swap may then seal with, or try to open under, a wiped key:
/// the ticket it makes never opens and the ticket it reads fails its tag, so the worst case is one
/// full handshake — never a ticket accepted wrongly.
/// </para>
/// </remarks>
public sealed class SessionTicketProtector : IDisposable
{
    /// <summary>The length of one key in Envoy's format.</summary>
    public const int KeyLength = 80;

    /// <summary>The key name that prefixes each ticket.</summary>
    public const int KeyNameLength = 16;

    /// <summary>At most this many keys are held; more is a configuration mistake, not a rotation.</summary>
    public const int MaxKeys = 16;

    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int AeadKeyLength = 32;

    /// <summary>What sealing adds to the plaintext.</summary>
    public const int Overhead = KeyNameLength + NonceLength + TagLength;

    private static readonly byte[] s_salt = "tlsgw managed ticket v1"u8.ToArray();

    private readonly object _swapLock = new();
    private Entry[] _keys = [];
    private bool _disposed;

    public SessionTicketProtector(IReadOnlyList<ReadOnlyMemory<byte>> keys80)
    {
        SetKeys(keys80);
    }

    /// <summary>How many keys open tickets now.</summary>
    public int KeyCount => Volatile.Read(ref _keys).Length;

    /// <summary>80 random bytes in Envoy's format: a fresh key for tests and single-node setups.</summary>
    public static byte[] GenerateKey() => RandomNumberGenerator.GetBytes(KeyLength);

    /// <summary>
    /// Replaces the keys: the first seals, all open. Each must be exactly <see cref="KeyLength"/>
    /// bytes; at least one and at most <see cref="MaxKeys"/>. On a bad list nothing changes.
    /// </summary>
    public void SetKeys(IReadOnlyList<ReadOnlyMemory<byte>> keys80)
    {
        ArgumentNullException.ThrowIfNull(keys80);
        if (keys80.Count is 0 or > MaxKeys)
        {
            throw new ArgumentException($"between 1 and {MaxKeys} session ticket keys are needed, not {keys80.Count}", nameof(keys80));
        }

        for (int i = 0; i < keys80.Count; i++)
        {
            if (keys80[i].Length != KeyLength)
            {
                // The length only: never the bytes.
                throw new ArgumentException($"session ticket key {i} is {keys80[i].Length} bytes, not {KeyLength}", nameof(keys80));
            }
        }

        lock (_swapLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Entry[] old = _keys;
            var next = new Entry[keys80.Count];
            for (int i = 0; i < keys80.Count; i++)
            {
                Entry derived = Derive(keys80[i].Span);
                if (Find(next.AsSpan(0, i), derived.Name) is not null)
                {
                    derived.Wipe();
                    Wipe(next.AsSpan(0, i), old);
                    throw new ArgumentException($"session ticket key {i} repeats the name of an earlier key", nameof(keys80));
                }

                // A key that stays across a rotation keeps its entry (a connection may be using it).
                Entry? kept = Find(old, derived.Name);
                if (kept is not null && CryptographicOperations.FixedTimeEquals(kept.AeadKey, derived.AeadKey))
                {
                    derived.Wipe();
                    derived = kept;
                }

                next[i] = derived;
            }

            Volatile.Write(ref _keys, next);
            Wipe(old, next);
        }
    }

    /// <summary>Seals <paramref name="plaintext"/> under the first key.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        Entry[] keys = Volatile.Read(ref _keys);
        ObjectDisposedException.ThrowIf(keys.Length == 0, this);
        Entry key = keys[0];
        byte[] ticket = new byte[Overhead + plaintext.Length];
        Span<byte> name = ticket.AsSpan(0, KeyNameLength);
        Span<byte> nonce = ticket.AsSpan(KeyNameLength, NonceLength);
        Span<byte> ciphertext = ticket.AsSpan(KeyNameLength + NonceLength, plaintext.Length);
        Span<byte> tag = ticket.AsSpan(ticket.Length - TagLength);
        key.Name.CopyTo(name);
        RandomNumberGenerator.Fill(nonce);
        using var aead = new AesGcm(key.AeadKey, TagLength);
        aead.Encrypt(nonce, plaintext, ciphertext, tag, name);
        return ticket;
    }

    /// <summary>
    /// Opens a ticket sealed under any current key. False — never an exception — for a ticket that is
    /// too short, names no current key, or fails its tag. The caller owns and wipes the plaintext.
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> ticket, out byte[] plaintext)
    {
        plaintext = [];
        if (ticket.Length < Overhead)
        {
            return false;
        }

        ReadOnlySpan<byte> name = ticket[..KeyNameLength];
        Entry? key = Find(Volatile.Read(ref _keys), name);
        if (key is null)
        {
            return false;
        }

        byte[] output = new byte[ticket.Length - Overhead];
        try
        {
            using var aead = new AesGcm(key.AeadKey, TagLength);
            aead.Decrypt(ticket.Slice(KeyNameLength, NonceLength), ticket[(KeyNameLength + NonceLength)..^TagLength], ticket[^TagLength..], output, name);
        }
        catch (CryptographicException)
        {
            // A wrong tag (tampered, or sealed under a key of the same name that was replaced).
            CryptographicOperations.ZeroMemory(output);
            return false;
        }

        plaintext = output;
        return true;
    }

    public void Dispose()
    {
        lock (_swapLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Entry[] old = _keys;
            Volatile.Write(ref _keys, []);
            foreach (Entry entry in old)
            {
                entry.Wipe();
            }
        }
    }

    private static Entry? Find(ReadOnlySpan<Entry> keys, ReadOnlySpan<byte> name)
    {
        foreach (Entry entry in keys)
        {
            // Key names are public (they travel in every ticket): no constant-time compare needed.
            if (entry is not null && entry.Name.AsSpan().SequenceEqual(name))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>Wipes the entries of a list that is being abandoned, except those still in <paramref name="keep"/>.</summary>
    private static void Wipe(ReadOnlySpan<Entry> entries, Entry[] keep)
    {
        foreach (Entry entry in entries)
        {
            if (entry is not null && Array.IndexOf(keep, entry) < 0)
            {
                entry.Wipe();
            }
        }
    }

    private static Entry Derive(ReadOnlySpan<byte> key80)
    {
        byte[] aeadKey = new byte[AeadKeyLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key80[KeyNameLength..], aeadKey, s_salt, key80[..KeyNameLength]);
        return new Entry(key80[..KeyNameLength].ToArray(), aeadKey);
    }

    /// <summary>One key: its public name and the derived AES-256-GCM key (the 80 input bytes are not kept).</summary>
    private sealed class Entry(byte[] name, byte[] aeadKey)
    {
        public byte[] Name { get; } = name;

        public byte[] AeadKey { get; } = aeadKey;

        public void Wipe() => CryptographicOperations.ZeroMemory(AeadKey);
    }
}
