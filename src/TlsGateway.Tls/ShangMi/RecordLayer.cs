using System.Buffers;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The outbound half of one connection's record layer and the keys of both directions, sans-I/O:
/// handshake messages, alerts and application data become records appended to
/// <see cref="Output"/>, for the caller to send. Keys change only through
/// <see cref="SetReadProtection"/> and <see cref="SetWriteProtection"/>, which dispose the keys they
/// replace (RFC 8446 §5.3: each key change restarts the sequence number; old keys are wiped).
/// </summary>
internal sealed class RecordLayer : IDisposable
{
    private static readonly byte[] s_changeCipherSpec = [0x01];

    private readonly ArrayBufferWriter<byte> _output = new();

    public RecordProtection? ReadProtection { get; private set; }

    public RecordProtection? WriteProtection { get; private set; }

    /// <summary>True once close_notify was sent: nothing more may be written (RFC 8446 §6.1), even while reading goes on.</summary>
    public bool SendingClosed { get; set; }

    /// <summary>Bytes produced and not yet taken by the caller.</summary>
    public ArrayBufferWriter<byte> Output => _output;

    /// <summary>Handshake bytes received but not yet a whole message; must be empty at a key change (§5.1).</summary>
    public ArrayBufferWriter<byte> InboundHandshake { get; } = new();

    public bool ChangeCipherSpecSent { get; private set; }

    public void SetReadProtection(RecordProtection protection)
    {
        if (InboundHandshake.WrittenCount != 0)
        {
            // §5.1: "Handshake messages MUST NOT span key changes ... If they do, the receiver
            // MUST terminate the connection with an unexpected_message alert."
            protection.Dispose();
            throw new TlsProtocolException(AlertDescription.UnexpectedMessage, "a handshake message spans a key change (RFC 8446 §5.1)");
        }

        ReadProtection?.Dispose();
        ReadProtection = protection;
    }

    public void SetWriteProtection(RecordProtection protection)
    {
        WriteProtection?.Dispose();
        WriteProtection = protection;
    }

    public void SendPlaintextHandshake(byte[] message)
    {
        Span<byte> space = _output.GetSpan(PlaintextRecords.GetWrittenLength(message.Length));
        _output.Advance(PlaintextRecords.Write(ContentType.Handshake, message, space));
    }

    /// <summary>The compatibility change_cipher_spec (RFC 8446 §D.4), at most once per connection.</summary>
    public void SendChangeCipherSpecOnce()
    {
        if (!ChangeCipherSpecSent)
        {
            Span<byte> space = _output.GetSpan(PlaintextRecords.GetWrittenLength(1));
            _output.Advance(PlaintextRecords.Write(ContentType.ChangeCipherSpec, s_changeCipherSpec, space));
            ChangeCipherSpecSent = true;
        }
    }

    /// <summary>Seals <paramref name="content"/> under the current write key, split into records of at most 2^14 bytes (§5.1).</summary>
    public void SendProtected(ContentType type, ReadOnlySpan<byte> content)
    {
        RecordProtection protection = WriteProtection ?? throw new InvalidOperationException("no write key yet");
        do
        {
            int length = Math.Min(content.Length, RecordLimits.MaxPlaintextLength);
            Span<byte> space = _output.GetSpan(protection.GetSealedLength(length));
            _output.Advance(protection.Seal(type, content[..length], space));
            content = content[length..];
        }
        while (!content.IsEmpty);
    }

    /// <summary>An alert, protected once a write key exists and in the clear before (RFC 8446 §6).</summary>
    public void SendAlert(AlertDescription description)
    {
        // §6: in TLS 1.3 the level is implicit; close_notify and user_canceled are sent as warning(1),
        // everything else as fatal(2).
        byte level = description is AlertDescription.CloseNotify or AlertDescription.UserCanceled ? (byte)1 : (byte)2;
        byte[] alert = [level, (byte)description];
        if (WriteProtection is null)
        {
            Span<byte> space = _output.GetSpan(PlaintextRecords.GetWrittenLength(alert.Length));
            _output.Advance(PlaintextRecords.Write(ContentType.Alert, alert, space));
        }
        else
        {
            SendProtected(ContentType.Alert, alert);
        }
    }

    public void Dispose()
    {
        ReadProtection?.Dispose();
        WriteProtection?.Dispose();
        ReadProtection = null;
        WriteProtection = null;
    }
}
