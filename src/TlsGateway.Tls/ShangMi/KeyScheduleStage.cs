using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What the three stages of the RFC 8446 §7.1 key schedule share: the suite and the one secret
/// the stage holds (early, handshake or master), which nothing outside the stage ever sees. A
/// stage moves on with an <c>Into*</c> method that derives the next stage's secret and wipes its
/// own, so a connection holds exactly one stage and cannot derive from a secret it has left
/// behind (the rustls habit: each state holds only what is valid in it).
/// </summary>
public abstract class KeyScheduleStage : IDisposable
{
    private readonly byte[] _secret;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="secret"/>.</summary>
    private protected KeyScheduleStage(Tls13CipherSuite suite, byte[] secret)
    {
        Suite = suite;
        _secret = secret;
    }

    public Tls13CipherSuite Suite { get; }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_secret);
            _disposed = true;
        }
    }

    /// <summary>Derive-Secret(this stage's secret, label, Messages) (RFC 8446 §7.1), given Transcript-Hash(Messages).</summary>
    private protected Tls13Secret Derive(ReadOnlySpan<byte> label, ReadOnlySpan<byte> transcriptHash)
    {
        byte[] output = new byte[Suite.HashLength];
        Tls13KeyDerivation.DeriveSecret(Suite.Hash, Secret, label, transcriptHash, output);
        return new Tls13Secret(Suite, output);
    }

    /// <summary>
    /// HKDF-Extract(Derive-Secret(this stage's secret, "derived", ""), ikm): the next stage's
    /// secret (RFC 8446 §7.1); this stage is disposed afterwards, the caller gets ownership.
    /// </summary>
    private protected byte[] ExtractNext(ReadOnlySpan<byte> ikm)
    {
        Span<byte> salt = stackalloc byte[Suite.HashLength];
        byte[] next = new byte[Suite.HashLength];
        try
        {
            Tls13KeyDerivation.DeriveSecretOfNoMessages(Suite.Hash, Secret, "derived"u8, salt);
            Suite.Hash.Extract(salt, ikm, next);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salt);
            Dispose();
        }

        return next;
    }

    private ReadOnlySpan<byte> Secret
    {
        get
        {
            // A stage that has moved on must not derive again: its secret is gone (zeroed), and
            // deriving from zeros would silently produce wrong keys.
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _secret;
        }
    }
}
