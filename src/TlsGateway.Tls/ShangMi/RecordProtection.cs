using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One direction of TLS 1.3 record protection (RFC 8446 §5.2–5.3): the AEAD keyed from a traffic
/// secret, the write IV and the 64-bit sequence number. Sans-I/O: <see cref="Seal"/> turns
/// content into a whole TLSCiphertext in the caller's buffer, <see cref="Open(Span{byte}, out ContentType)"/>
/// decrypts one whole record in place. Every failure a peer can cause is a
/// <see cref="TlsProtocolException"/> carrying the alert RFC 8446 asks for. A new instance replaces
/// this one whenever the traffic secret changes (handshake → application, KeyUpdate); the sequence
/// number starts again at 0 then (§5.3). Key and IV are wiped on <see cref="Dispose"/>.
/// </summary>
public sealed class RecordProtection : IDisposable
{
    private readonly Tls13Aead _aead;
    private readonly byte[] _iv;
    private bool _disposed;

    /// <summary>With an explicit key and IV (tests; <see cref="FromTrafficSecret"/> is the normal way in).</summary>
    public RecordProtection(Tls13CipherSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length != suite.KeyLength || iv.Length != suite.IvLength)
        {
            throw new ArgumentException($"{suite.Name} takes a {suite.KeyLength}-byte key and a {suite.IvLength}-byte IV");
        }

        Suite = suite;
        _iv = iv.ToArray();
        _aead = suite.CreateAead(key);
    }

    public Tls13CipherSuite Suite { get; }

    /// <summary>The sequence number of the next record (RFC 8446 §5.3): records sealed or opened so far under this key.</summary>
    public ulong SequenceNumber { get; private set; }

    /// <summary>
    /// True once this key has protected as many records as the suite's AEAD should (RFC 8446
    /// §5.5): a writer must send a KeyUpdate now; a reader may treat a peer that goes on as
    /// misbehaving. Far below the hard stop where the sequence number would wrap.
    /// </summary>
    public bool KeyUpdateNeeded => SequenceNumber >= Suite.ConfidentialityLimit;

    /// <summary>[sender]_write_key and _iv from <paramref name="trafficSecret"/> (RFC 8446 §7.3); the derived key is wiped once the AEAD holds it.</summary>
    public static RecordProtection FromTrafficSecret(Tls13CipherSuite suite, ReadOnlySpan<byte> trafficSecret)
    {
        Span<byte> key = stackalloc byte[suite.KeyLength];
        Span<byte> iv = stackalloc byte[suite.IvLength];
        try
        {
            Tls13KeyDerivation.DeriveTrafficKeys(suite, trafficSecret, key, iv);
            return new RecordProtection(suite, key, iv);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(iv);
        }
    }

    /// <summary>The bytes <see cref="Seal"/> writes for <paramref name="contentLength"/> bytes of content and <paramref name="paddingLength"/> zeros.</summary>
    public int GetSealedLength(int contentLength, int paddingLength = 0) =>
        RecordLimits.HeaderLength + contentLength + 1 + paddingLength + Suite.TagLength;

    /// <summary>
    /// Seals TLSInnerPlaintext = content || type || zeros[padding] into one TLSCiphertext
    /// (opaque_type application_data, legacy_record_version 0x0303) at the start of
    /// <paramref name="destination"/> and returns its length. <paramref name="content"/> may already
    /// sit at <c>destination[5..]</c> (sealing in place); it is at most 2^14 bytes with the padding
    /// within 2^14 + 1 (§5.4) — longer content is split by the caller.
    /// </summary>
    public int Seal(ContentType type, ReadOnlySpan<byte> content, Span<byte> destination, int paddingLength = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (type is not (ContentType.Handshake or ContentType.Alert or ContentType.ApplicationData))
        {
            // A type of 0 would be read back as padding; change_cipher_spec is never protected (§5).
            throw new ArgumentException($"{type} records are not protected in TLS 1.3", nameof(type));
        }

        if (paddingLength < 0 || content.Length + 1 + paddingLength > RecordLimits.MaxInnerPlaintextLength)
        {
            throw new ArgumentException("content and padding exceed 2^14 + 1 bytes (RFC 8446 §5.4)", nameof(content));
        }

        int innerLength = content.Length + 1 + paddingLength;
        int recordLength = GetSealedLength(content.Length, paddingLength);
        if (destination.Length < recordLength)
        {
            throw new ArgumentException($"the record needs {recordLength} bytes", nameof(destination));
        }

        ulong sequence = TakeSequenceNumber();
        Span<byte> header = destination[..RecordLimits.HeaderLength];
        WriteHeader(header, recordLength - RecordLimits.HeaderLength);
        Span<byte> inner = destination.Slice(RecordLimits.HeaderLength, innerLength);
        content.CopyTo(inner); // memmove: correct when content already sits there
        inner[content.Length] = (byte)type;
        inner[(content.Length + 1)..].Clear();

        Span<byte> nonce = stackalloc byte[Tls13Aead.NonceLength];
        ComputeNonce(_iv, sequence, nonce);
        Span<byte> aad = stackalloc byte[RecordLimits.HeaderLength];
        header.CopyTo(aad);
        // additional_data = the record header (§5.2); the AEAD encrypts the inner plaintext in place.
        _aead.Seal(nonce, inner, aad, inner, destination.Slice(RecordLimits.HeaderLength + innerLength, Suite.TagLength));
        return recordLength;
    }

    /// <summary>
    /// Opens one whole TLSCiphertext (header included, as <see cref="RecordSplitter"/> yields it),
    /// decrypting in place: the content is <c>record.Slice(5, returned length)</c>. Returns the
    /// content length and its real type (§5.4).
    /// </summary>
    public int Open(Span<byte> record, out ContentType type) =>
        Open(record, record[Math.Min(RecordLimits.HeaderLength, record.Length)..], out type);

    /// <summary>
    /// Opens one whole TLSCiphertext into <paramref name="destination"/> (at least the ciphertext
    /// length minus the tag; either <c>record[5..]</c> itself or memory that does not overlap it).
    /// </summary>
    /// <exception cref="TlsProtocolException">
    /// unexpected_message for a record that is not application_data, an inner plaintext of zeros
    /// only, an inner type that may not be protected, or an empty handshake or alert;
    /// record_overflow for a ciphertext over 2^14 + 256 or an inner plaintext over 2^14 + 1;
    /// bad_record_mac when authentication fails.
    /// </exception>
    public int Open(ReadOnlySpan<byte> record, Span<byte> destination, out ContentType type)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (record.Length < RecordLimits.HeaderLength
            || BinaryPrimitives.ReadUInt16BigEndian(record[3..]) != record.Length - RecordLimits.HeaderLength)
        {
            throw new ArgumentException("pass exactly one whole record, header included", nameof(record));
        }

        if ((ContentType)record[0] != ContentType.ApplicationData)
        {
            // Once keys are in use every record but change_cipher_spec is opaque_type 23 (§5.2);
            // the caller hands change_cipher_spec to PlaintextRecords instead.
            throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"a protected record must have type application_data, not {record[0]}");
        }

        int ciphertextLength = record.Length - RecordLimits.HeaderLength;
        if (ciphertextLength > RecordLimits.MaxCiphertextLength)
        {
            throw new TlsProtocolException(AlertDescription.RecordOverflow, $"a {ciphertextLength}-byte ciphertext exceeds 2^14 + 256 (RFC 8446 §5.2)");
        }

        if (ciphertextLength < Suite.TagLength)
        {
            // Too short to carry a tag: it cannot authenticate, the same as a wrong tag (§5.2).
            throw new TlsProtocolException(AlertDescription.BadRecordMac, "a protected record shorter than the AEAD tag");
        }

        int innerLength = ciphertextLength - Suite.TagLength;
        if (destination.Length < innerLength)
        {
            throw new ArgumentException($"the plaintext needs {innerLength} bytes", nameof(destination));
        }

        Span<byte> aad = stackalloc byte[RecordLimits.HeaderLength];
        record[..RecordLimits.HeaderLength].CopyTo(aad);
        Span<byte> nonce = stackalloc byte[Tls13Aead.NonceLength];
        ComputeNonce(_iv, SequenceNumber, nonce);
        Span<byte> inner = destination[..innerLength];
        ReadOnlySpan<byte> ciphertext = record.Slice(RecordLimits.HeaderLength, innerLength);
        ReadOnlySpan<byte> tag = record.Slice(RecordLimits.HeaderLength + innerLength, Suite.TagLength);
        if (!_aead.Open(nonce, ciphertext, tag, aad, inner))
        {
            throw new TlsProtocolException(AlertDescription.BadRecordMac, $"record {SequenceNumber} failed authentication (RFC 8446 §5.2)");
        }

        TakeSequenceNumber();
        if (innerLength > RecordLimits.MaxInnerPlaintextLength)
        {
            throw new TlsProtocolException(AlertDescription.RecordOverflow, $"a {innerLength}-byte inner plaintext exceeds 2^14 + 1 (RFC 8446 §5.4)");
        }

        // The real type is the last non-zero byte; everything after it is padding (§5.4).
        int typeAt = inner.LastIndexOfAnyExcept((byte)0);
        if (typeAt < 0)
        {
            throw new TlsProtocolException(AlertDescription.UnexpectedMessage, "a protected record with no non-zero octet (RFC 8446 §5.4)");
        }

        type = (ContentType)inner[typeAt];
        if (type is not (ContentType.Handshake or ContentType.Alert or ContentType.ApplicationData))
        {
            // Unknown types and a protected change_cipher_spec are both unexpected_message (§5).
            throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"content type {(byte)type} inside a protected record");
        }

        if (typeAt == 0 && type != ContentType.ApplicationData)
        {
            // Zero-length application data is allowed (§5.1); empty handshake and alert records are not (§5.4).
            throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"an empty protected {type} record (RFC 8446 §5.4)");
        }

        inner[typeAt..].Clear();
        return typeAt;
    }

    /// <summary>
    /// The per-record nonce (RFC 8446 §5.3): the 64-bit sequence number in network byte order,
    /// left-padded with zeros to the IV's length, XORed with the IV.
    /// </summary>
    public static void ComputeNonce(ReadOnlySpan<byte> iv, ulong sequenceNumber, Span<byte> nonce)
    {
        iv.CopyTo(nonce);
        Span<byte> tail = nonce.Slice(iv.Length - sizeof(ulong), sizeof(ulong));
        BinaryPrimitives.WriteUInt64BigEndian(tail, BinaryPrimitives.ReadUInt64BigEndian(tail) ^ sequenceNumber);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _aead.Dispose();
            CryptographicOperations.ZeroMemory(_iv);
            _disposed = true;
        }
    }

    private static void WriteHeader(Span<byte> header, int length)
    {
        header[0] = (byte)ContentType.ApplicationData;
        BinaryPrimitives.WriteUInt16BigEndian(header[1..], RecordLimits.LegacyRecordVersion);
        BinaryPrimitives.WriteUInt16BigEndian(header[3..], (ushort)length);
    }

    private ulong TakeSequenceNumber()
    {
        if (SequenceNumber == ulong.MaxValue)
        {
            // §5.3: a sequence number must never wrap; the connection rekeys long before
            // (KeyUpdateNeeded) or, having failed to, ends here.
            throw new TlsProtocolException(AlertDescription.InternalError, "the record sequence number would wrap (RFC 8446 §5.3)");
        }

        return SequenceNumber++;
    }
}
