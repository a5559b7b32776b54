using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls;

/// <summary>
/// The identities of recently seen peer leaf certificates, by the leaf's exact DER. A fleet of
/// clients presents the same few certificates over and over, and reading the names out of one
/// means a managed X509Certificate2 and its extensions per handshake (with this cache the mTLS
/// handshake's CPU against nginx's went from 1.25 to 1.07–1.09 in bench/RESULTS.md).
/// Only the parse is cached: the identity is a pure function of the bytes, so a hit is exactly
/// what a miss would compute. OpenSSL still verifies every chain (signatures, dates, CRLs) and the
/// authorizer still runs on every handshake, under the policy of the moment.
/// </summary>
/// <remarks>
/// Bounded: past <see cref="Capacity"/> entries the cache is emptied and refills with what is in
/// use (certificates rotate; an unbounded map would keep every one ever seen). Lookups with a span
/// allocate nothing.
/// </remarks>
public static class PeerIdentityCache
{
    public const int Capacity = 4096;

    /// <summary>How many identities are held now.</summary>
    public static int Count => s_entries.Count;

    private static readonly ConcurrentDictionary<byte[], Entry> s_entries = new(DerComparer.Instance);
    private static readonly ConcurrentDictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> s_lookup =
        s_entries.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>The identity in <paramref name="leaf"/> and the leaf's DER as an immutable array (shared: never write to it).</summary>
    public static (PeerIdentity Identity, byte[] Der) Get(ReadOnlySpan<byte> leaf)
    {
        if (s_lookup.TryGetValue(leaf, out Entry? hit))
        {
            return (hit.Identity, hit.Der);
        }

        byte[] der = leaf.ToArray();
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(der);
        var entry = new Entry(PeerIdentity.FromCertificate(certificate), der);
        if (s_entries.Count >= Capacity)
        {
            s_entries.Clear();
        }

        s_entries.TryAdd(der, entry);
        return (entry.Identity, entry.Der);
    }

    private sealed record Entry(PeerIdentity Identity, byte[] Der);

    private sealed class DerComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly DerComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        // Only lookups use spans; entries are always added as arrays.
        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
