using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One secret of the RFC 8446 §7.1 key schedule with the suite it belongs to: a traffic secret,
/// a binder key, the exporter or resumption master secret, or a resumption PSK. It owns its bytes
/// and zeroes them on <see cref="Dispose"/>; each operation derives what RFC 8446 derives from
/// that kind of secret. The caller keeps the secret only as long as it may still be needed (a
/// handshake traffic secret until the peer's Finished is checked, an application traffic secret
/// until the next KeyUpdate) and disposes it then.
/// </summary>
public sealed class Tls13Secret : IDisposable
{
    private readonly byte[] _secret;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="secret"/>.</summary>
    internal Tls13Secret(Tls13CipherSuite suite, byte[] secret)
    {
        Suite = suite;
        _secret = secret;
    }

    public Tls13CipherSuite Suite { get; }

    public int Length => _secret.Length;

    /// <summary>The bytes, for a KeyLog line or a ticket's sealed state; never log them.</summary>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _secret;
        }
    }

    /// <summary>A copy of <paramref name="secret"/> (a PSK from a ticket, an external PSK).</summary>
    public static Tls13Secret Import(Tls13CipherSuite suite, ReadOnlySpan<byte> secret)
    {
        if (secret.Length != suite.HashLength)
        {
            throw new ArgumentException($"a {suite.Name} secret is {suite.HashLength} bytes, not {secret.Length}", nameof(secret));
        }

        return new Tls13Secret(suite, secret.ToArray());
    }

    /// <summary>Record protection keyed from this traffic secret (RFC 8446 §7.3), sequence number 0.</summary>
    public RecordProtection CreateRecordProtection() => RecordProtection.FromTrafficSecret(Suite, Span);

    /// <summary>The next application traffic secret after a KeyUpdate (RFC 8446 §7.2); this one stays valid until disposed.</summary>
    public Tls13Secret NextApplicationTrafficSecret()
    {
        byte[] next = new byte[Suite.HashLength];
        Tls13KeyDerivation.NextApplicationTrafficSecret(Suite.Hash, Span, next);
        return new Tls13Secret(Suite, next);
    }

    /// <summary>Finished.verify_data (or a PSK binder, for a binder key) over <paramref name="transcriptHash"/> (RFC 8446 §4.4.4).</summary>
    public byte[] ComputeVerifyData(ReadOnlySpan<byte> transcriptHash)
    {
        byte[] verifyData = new byte[Suite.HashLength];
        Tls13KeyDerivation.ComputeVerifyData(Suite.Hash, Span, transcriptHash, verifyData);
        return verifyData;
    }

    /// <summary>Constant-time check of a peer's verify_data or binder; false means decrypt_error (RFC 8446 §4.4.4, §4.2.11.2).</summary>
    public bool VerifyVerifyData(ReadOnlySpan<byte> transcriptHash, ReadOnlySpan<byte> received) =>
        Tls13KeyDerivation.VerifyVerifyData(Suite.Hash, Span, transcriptHash, received);

    /// <summary>From a resumption_master_secret: the PSK of the ticket with <paramref name="ticketNonce"/> (RFC 8446 §4.6.1).</summary>
    public Tls13Secret DeriveResumptionPsk(ReadOnlySpan<byte> ticketNonce)
    {
        byte[] psk = new byte[Suite.HashLength];
        Tls13KeyDerivation.ResumptionPsk(Suite.Hash, Span, ticketNonce, psk);
        return new Tls13Secret(Suite, psk);
    }

    /// <summary>From an exporter_master_secret: TLS-Exporter(label, context, output.Length) (RFC 8446 §7.5).</summary>
    public void ExportKeyingMaterial(string label, ReadOnlySpan<byte> context, Span<byte> output) =>
        Tls13KeyDerivation.ExportKeyingMaterial(Suite.Hash, Span, label, context, output);

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_secret);
            _disposed = true;
        }
    }
}
