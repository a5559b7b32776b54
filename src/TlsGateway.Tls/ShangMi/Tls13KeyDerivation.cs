using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The functions of RFC 8446 §7.1 that the key schedule stages, Finished, KeyUpdate, tickets
/// and exporters share: HKDF-Expand-Label and Derive-Secret over a suite's hash. Outputs go to
/// caller-owned spans; temporaries on the stack are wiped before returning.
/// </summary>
public static class Tls13KeyDerivation
{
    // struct HkdfLabel { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } (§7.1)
    private const int MaxLabelLength = 255 - 6;
    private const int MaxContextLength = 255;
    private static readonly byte[] s_labelPrefix = "tls13 "u8.ToArray();

    /// <summary>HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1), Length = <paramref name="output"/>.Length.</summary>
    public static void ExpandLabel(Tls13HashAlgorithm hash, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        if (label.Length > MaxLabelLength || context.Length > MaxContextLength || output.Length > ushort.MaxValue)
        {
            throw new ArgumentException("HkdfLabel fields out of range (RFC 8446 §7.1)");
        }

        Span<byte> info = stackalloc byte[2 + 1 + 255 + 1 + MaxContextLength];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)output.Length);
        int at = 2;
        info[at++] = (byte)(s_labelPrefix.Length + label.Length);
        s_labelPrefix.CopyTo(info[at..]);
        at += s_labelPrefix.Length;
        label.CopyTo(info[at..]);
        at += label.Length;
        info[at++] = (byte)context.Length;
        context.CopyTo(info[at..]);
        at += context.Length;
        hash.Expand(secret, info[..at], output);
        // The context can be a transcript hash: not secret, but nothing here needs to outlive the call.
        CryptographicOperations.ZeroMemory(info[..at]);
    }

    /// <summary>HKDF-Expand-Label with an ASCII label, for callers that hold the label as text (exporters).</summary>
    public static void ExpandLabel(Tls13HashAlgorithm hash, ReadOnlySpan<byte> secret, string label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        if (label.Length > MaxLabelLength)
        {
            throw new ArgumentException($"a TLS 1.3 label is at most {MaxLabelLength} bytes", nameof(label));
        }

        Span<byte> ascii = stackalloc byte[label.Length];
        int written = Encoding.ASCII.GetBytes(label, ascii);
        ExpandLabel(hash, secret, ascii[..written], context, output);
    }

    /// <summary>
    /// Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
    /// Transcript-Hash(Messages), Hash.length) (RFC 8446 §7.1); the caller passes the transcript
    /// hash it already has rather than the messages.
    /// </summary>
    public static void DeriveSecret(Tls13HashAlgorithm hash, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> transcriptHash, Span<byte> output)
    {
        CheckHashLength(hash, transcriptHash.Length, nameof(transcriptHash));
        ExpandLabel(hash, secret, label, transcriptHash, output[..hash.HashLength]);
    }

    /// <summary>Derive-Secret(Secret, Label, "") — the hash of no messages (RFC 8446 §7.1, the "derived" steps).</summary>
    public static void DeriveSecretOfNoMessages(Tls13HashAlgorithm hash, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, Span<byte> output)
    {
        Span<byte> emptyHash = stackalloc byte[hash.HashLength];
        hash.HashData([], emptyHash);
        DeriveSecret(hash, secret, label, emptyHash, output);
    }

    /// <summary>
    /// verify_data = HMAC(finished_key, Transcript-Hash), finished_key =
    /// HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). The base key is
    /// a handshake traffic secret for Finished and a binder_key for PSK binders (§4.2.11.2).
    /// </summary>
    public static void ComputeVerifyData(Tls13HashAlgorithm hash, ReadOnlySpan<byte> baseKey, ReadOnlySpan<byte> transcriptHash, Span<byte> verifyData)
    {
        CheckHashLength(hash, transcriptHash.Length, nameof(transcriptHash));
        Span<byte> finishedKey = stackalloc byte[hash.HashLength];
        try
        {
            ExpandLabel(hash, baseKey, "finished"u8, [], finishedKey);
            hash.Hmac(finishedKey, transcriptHash, verifyData[..hash.HashLength]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(finishedKey);
        }
    }

    /// <summary>
    /// Checks a peer's Finished or binder in constant time (RFC 8446 §4.4.4: a mismatch is
    /// decrypt_error, which the caller raises; this only answers).
    /// </summary>
    public static bool VerifyVerifyData(Tls13HashAlgorithm hash, ReadOnlySpan<byte> baseKey, ReadOnlySpan<byte> transcriptHash, ReadOnlySpan<byte> received)
    {
        Span<byte> expected = stackalloc byte[hash.HashLength];
        try
        {
            ComputeVerifyData(hash, baseKey, transcriptHash, expected);
            return CryptographicOperations.FixedTimeEquals(expected, received);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expected);
        }
    }

    /// <summary>[sender]_write_key and [sender]_write_iv from a traffic secret (RFC 8446 §7.3).</summary>
    public static void DeriveTrafficKeys(Tls13CipherSuite suite, ReadOnlySpan<byte> trafficSecret, Span<byte> key, Span<byte> iv)
    {
        ExpandLabel(suite.Hash, trafficSecret, "key"u8, [], key[..suite.KeyLength]);
        ExpandLabel(suite.Hash, trafficSecret, "iv"u8, [], iv[..suite.IvLength]);
    }

    /// <summary>application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length) (RFC 8446 §7.2).</summary>
    public static void NextApplicationTrafficSecret(Tls13HashAlgorithm hash, ReadOnlySpan<byte> current, Span<byte> next) =>
        ExpandLabel(hash, current, "traffic upd"u8, [], next[..hash.HashLength]);

    /// <summary>The PSK a ticket stands for: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) (RFC 8446 §4.6.1).</summary>
    public static void ResumptionPsk(Tls13HashAlgorithm hash, ReadOnlySpan<byte> resumptionMasterSecret, ReadOnlySpan<byte> ticketNonce, Span<byte> psk) =>
        ExpandLabel(hash, resumptionMasterSecret, "resumption"u8, ticketNonce, psk[..hash.HashLength]);

    /// <summary>
    /// TLS-Exporter(label, context_value, key_length) = HKDF-Expand-Label(Derive-Secret(Secret,
    /// label, ""), "exporter", Hash(context_value), key_length) (RFC 8446 §7.5); Secret is the
    /// exporter_master_secret (or early_exporter_master_secret for 0-RTT exporters).
    /// </summary>
    public static void ExportKeyingMaterial(Tls13HashAlgorithm hash, ReadOnlySpan<byte> exporterSecret, string label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        Span<byte> emptyHash = stackalloc byte[hash.HashLength];
        Span<byte> contextHash = stackalloc byte[hash.HashLength];
        Span<byte> derived = stackalloc byte[hash.HashLength];
        try
        {
            hash.HashData([], emptyHash);
            ExpandLabel(hash, exporterSecret, label, emptyHash, derived);
            hash.HashData(context, contextHash);
            ExpandLabel(hash, derived, "exporter"u8, contextHash, output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    private static void CheckHashLength(Tls13HashAlgorithm hash, int length, string name)
    {
        if (length != hash.HashLength)
        {
            throw new ArgumentException($"a {hash.Name} transcript hash is {hash.HashLength} bytes, not {length}", name);
        }
    }
}
