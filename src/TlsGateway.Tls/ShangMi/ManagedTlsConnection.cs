using System.Buffers;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One connection of the managed TLS 1.3 engine, either role, sans-I/O: the caller feeds bytes read from
/// the peer to <see cref="Feed"/>, sends whatever <see cref="TakePendingOutput"/> returns, reads
/// decrypted data from <see cref="TakeReceivedPlaintext"/>, and writes with <see cref="Write"/>.
/// There are no sockets, threads or timers inside. A protocol error never escapes as an exception:
/// the connection ends, the alert to send is in the pending output, and <see cref="Failure"/> says
/// why (for logs, never for the peer). Not thread-safe: one connection belongs to one pump.
/// </summary>
/// <remarks>
/// The record layer, alerts and the dispatch of handshake messages are this one class for both
/// roles; what differs is the first state (<see cref="ExpectClientHello"/> for a server,
/// <see cref="ExpectServerHello"/> after the ClientHello for a client) and the context the states
/// see (<see cref="ServerHandshakeContext"/>, <see cref="ClientHandshakeContext"/>).
/// </remarks>
public sealed class ManagedTlsConnection : IDisposable
{
    private const int MaxHandshakeMessageLength = 1 << 17;

    private readonly RecordLayer _records;
    private readonly RecordSplitter _inbound = new();
    private readonly ArrayBufferWriter<byte> _received = new();
    private int _receivedRead; // how much of _received ReadReceivedPlaintext has handed out
    private readonly HandshakeContext _context;
    private HandshakeState _state;
    private bool _ended;
    private bool _writeClosed;

    private ManagedTlsConnection(RecordLayer records, HandshakeContext context, HandshakeState first)
    {
        _records = records;
        _context = context;
        _state = first;
    }

    public static ManagedTlsConnection CreateServer(ManagedServerOptions options)
    {
        var records = new RecordLayer();
        return new ManagedTlsConnection(records, new ServerHandshakeContext(options, records), new ExpectClientHello());
    }

    /// <summary>
    /// A client connection: the ClientHello is pending output at once. Options that cannot work
    /// (no trust anchors, no suite or group this engine implements) are an <see cref="ArgumentException"/>.
    /// </summary>
    public static ManagedTlsConnection CreateClient(ManagedClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var records = new RecordLayer();
        var context = new ClientHandshakeContext(options, records);
        return new ManagedTlsConnection(records, context, ClientHelloFlight.Start(context));
    }

    public bool IsClient => _context is ClientHandshakeContext;

    public bool IsHandshakeComplete { get; private set; }

    /// <summary>True once nothing more is read: closed by us, by the peer's close_notify, or by an error.</summary>
    public bool IsEnded => _ended;

    /// <summary>True once nothing more can be written: after <see cref="Close"/> or an error.</summary>
    public bool IsWriteClosed => _writeClosed;

    /// <summary>The peer sent close_notify (RFC 8446 §6.1).</summary>
    public bool PeerClosed { get; private set; }

    /// <summary>The error that ended the connection, with the alert sent for it; null otherwise.</summary>
    public TlsProtocolException? Failure { get; private set; }

    /// <summary>A fatal alert the peer sent, if that is how the connection ended.</summary>
    public AlertDescription? ReceivedAlert { get; private set; }

    public Tls13CipherSuite? CipherSuite => _context.Suite;

    public NamedGroup? Group => _context.Group;

    public bool HelloRetried => _context.HelloRetried;

    public string? ApplicationProtocol => _context.ApplicationProtocol;

    public string? ServerName => _context.ServerName;

    /// <summary>True when a resumption PSK authenticated the handshake (RFC 8446 §2.2): no certificates were exchanged.</summary>
    public bool Resumed => _context.Resumed;

    /// <summary>
    /// Client only: the sessions the server's NewSessionTickets made resumable so far (RFC 8446 §4.6.1),
    /// oldest first; the connection disposes the ones not taken.
    /// </summary>
    public IReadOnlyList<ManagedClientSession> ResumableSessions =>
        _context is ClientHandshakeContext client ? client.Sessions : [];

    /// <summary>Client only: removes the newest resumable session and hands it (and its PSK) to the caller, who disposes it.</summary>
    public ManagedClientSession? TakeSession() => (_context as ClientHandshakeContext)?.TakeNewestSession();

    /// <summary>
    /// The peer's chain (DER, leaf first), empty if it sent none. Resumed, a client has none; a server
    /// has the client's leaf that its ticket carried.
    /// </summary>
    public IReadOnlyList<byte[]> PeerCertificates => _context.PeerCertificates;

    public X509Certificate2? PeerCertificate => _context.PeerCertificate;

    public SignatureScheme? PeerSignatureScheme => _context.PeerSignatureScheme;

    public int PendingOutputLength => _records.Output.WrittenCount;

    public int ReceivedPlaintextLength => _received.WrittenCount - _receivedRead;

    /// <summary>Received bytes not yet read: decrypted plaintext, or part of a record still being assembled.</summary>
    public bool HasBufferedInput => ReceivedPlaintextLength > 0 || _inbound.BufferedLength > 0;

    /// <summary>Feeds bytes received from the peer; any answer is in the pending output afterwards.</summary>
    public void Feed(ReadOnlySpan<byte> fromPeer)
    {
        if (_ended)
        {
            return; // §6: nothing is read after close or a fatal alert.
        }

        try
        {
            while (!fromPeer.IsEmpty && !_ended)
            {
                int taken = _inbound.Append(fromPeer);
                fromPeer = fromPeer[taken..];
                while (!_ended && _inbound.TryRead(out InboundRecord record))
                {
                    ProcessRecord(record);
                }
            }
        }
        catch (TlsProtocolException e)
        {
            Fail(e);
        }
    }

    /// <summary>The bytes to send to the peer now (records, alerts); empty when there are none.</summary>
    public byte[] TakePendingOutput()
    {
        byte[] output = _records.Output.WrittenSpan.ToArray();
        _records.Output.ResetWrittenCount();
        return output;
    }

    /// <summary>Application data received and decrypted so far.</summary>
    public byte[] TakeReceivedPlaintext()
    {
        byte[] data = _received.WrittenSpan[_receivedRead..].ToArray();
        _received.ResetWrittenCount();
        _receivedRead = 0;
        return data;
    }

    /// <summary>
    /// Copies decrypted data into <paramref name="destination"/> and returns how much: the copy-once
    /// path for a proxy, which would otherwise allocate an array per record with <see cref="TakeReceivedPlaintext"/>.
    /// </summary>
    public int ReadReceivedPlaintext(Span<byte> destination)
    {
        ReadOnlySpan<byte> available = _received.WrittenSpan[_receivedRead..];
        int count = Math.Min(available.Length, destination.Length);
        available[..count].CopyTo(destination);
        _receivedRead += count;
        if (_receivedRead == _received.WrittenCount)
        {
            _received.ResetWrittenCount();
            _receivedRead = 0;
        }

        return count;
    }

    /// <summary>Protects <paramref name="plaintext"/> as application data; the records are pending output.</summary>
    public void Write(ReadOnlySpan<byte> plaintext)
    {
        if (_writeClosed || _state.Traffic is not { } traffic)
        {
            throw new InvalidOperationException(_writeClosed ? "the connection is closed for writing" : "the handshake is not complete");
        }

        if (_records.WriteProtection!.KeyUpdateNeeded)
        {
            // §5.5: rekey before the suite's confidentiality limit.
            traffic.UpdateSendingKey(_records, KeyUpdateRequest.UpdateNotRequested);
        }

        _records.SendProtected(ContentType.ApplicationData, plaintext);
    }

    /// <summary>Sends a KeyUpdate (§4.6.3); with <paramref name="requestPeerUpdate"/> the peer must update too.</summary>
    public void UpdateKeys(bool requestPeerUpdate)
    {
        // The peer having closed its side does not stop ours: it still reads until we close (§6.1).
        if (_writeClosed || _state.Traffic is not { } traffic)
        {
            throw new InvalidOperationException("KeyUpdate needs a completed connection that is open for writing");
        }

        traffic.UpdateSendingKey(_records, requestPeerUpdate ? KeyUpdateRequest.UpdateRequested : KeyUpdateRequest.UpdateNotRequested);
    }

    /// <summary>
    /// Sends close_notify (RFC 8446 §6.1) and closes the connection for writing. Reading goes on
    /// until the peer's own close_notify (a half-close: §6.1 closes one "write side"), so a proxy can
    /// pass the end of one direction on while the other still flows. Before the handshake completed,
    /// or once the peer has closed too, it ends the connection.
    /// </summary>
    public void Close()
    {
        if (_writeClosed)
        {
            return;
        }

        _records.SendAlert(AlertDescription.CloseNotify);
        if (PeerClosed || !IsHandshakeComplete)
        {
            End();
        }
        else
        {
            _writeClosed = true;
            _records.SendingClosed = true;
        }
    }

    public void Dispose()
    {
        End();
        _records.Dispose();
        _inbound.Dispose();
        _context.PeerCertificate?.Dispose();
        (_context as ClientHandshakeContext)?.DisposeSessions();
    }

    private void ProcessRecord(InboundRecord record)
    {
        switch (record.Type)
        {
            case ContentType.ChangeCipherSpec:
                PlaintextRecords.Read(record); // checks it is the single byte 0x01
                if (!_state.AcceptsChangeCipherSpec)
                {
                    throw new TlsProtocolException(AlertDescription.UnexpectedMessage, "change_cipher_spec outside the handshake (RFC 8446 §5)");
                }

                return;
            case ContentType.ApplicationData when _records.ReadProtection is not null:
                int length = _records.ReadProtection.Open(record.Bytes, out ContentType type);
                HandleContent(type, record.Bytes.Slice(RecordLimits.HeaderLength, length));
                return;
            case ContentType.Handshake when _records.ReadProtection is not null:
                // §5: once keys are in use a plaintext handshake record is an error.
                throw new TlsProtocolException(AlertDescription.UnexpectedMessage, "a plaintext handshake record after keys were established");
            default:
                // Before keys; and a plaintext alert is accepted at any time, since a peer that
                // failed before it had the handshake keys can only send its alert in the clear.
                HandleContent(record.Type, PlaintextRecords.Read(record));
                return;
        }
    }

    private void HandleContent(ContentType type, ReadOnlySpan<byte> content)
    {
        switch (type)
        {
            case ContentType.Handshake:
                _records.InboundHandshake.Write(content);
                DispatchHandshakeMessages();
                break;
            case ContentType.Alert:
                HandleAlert(content);
                break;
            case ContentType.ApplicationData when _state.IsTraffic && _records.InboundHandshake.WrittenCount == 0:
                _received.Write(content);
                break;
            default:
                // §5.1: application data may not interleave with a fragmented handshake message,
                // and there is none before the handshake completes (no 0-RTT here).
                throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"{type} before the handshake completed");
        }
    }

    private void DispatchHandshakeMessages()
    {
        ArrayBufferWriter<byte> buffer = _records.InboundHandshake;
        while (!_ended && HandshakeMessage.TryReadHeader(buffer.WrittenSpan, out HandshakeType type, out int bodyLength))
        {
            if (bodyLength > MaxHandshakeMessageLength)
            {
                throw new TlsProtocolException(AlertDescription.DecodeError, $"a {bodyLength}-byte {type} message is larger than this engine accepts");
            }

            int total = HandshakeMessage.HeaderLength + bodyLength;
            if (buffer.WrittenCount < total)
            {
                return;
            }

            byte[] message = buffer.WrittenSpan[..total].ToArray();
            byte[] rest = buffer.WrittenSpan[total..].ToArray();
            buffer.Clear();
            buffer.Write(rest);

            // Ownership of the state's secrets moves into the next state on success; on an error the
            // current state is disposed by End().
            _state = _state.Advance(_context, type, message);
            IsHandshakeComplete |= _state.IsTraffic;
        }
    }

    private void HandleAlert(ReadOnlySpan<byte> content)
    {
        if (content.Length != 2)
        {
            throw new TlsProtocolException(AlertDescription.DecodeError, $"an alert of {content.Length} bytes");
        }

        var description = (AlertDescription)content[1];
        if (description == AlertDescription.CloseNotify)
        {
            // §6.1: the peer will send no more; we may still write until we close (half-close).
            PeerClosed = true;
            _ended = true;
            if (_writeClosed)
            {
                End(); // both directions are closed: the state's secrets go now
            }

            return;
        }

        if (description == AlertDescription.UserCanceled)
        {
            return; // §6.1: user_canceled is followed by close_notify; nothing to do yet.
        }

        ReceivedAlert = description;
        End();
    }

    private void Fail(TlsProtocolException error)
    {
        Failure = error;
        if (!_writeClosed)
        {
            _records.SendAlert(error.Alert);
        }

        End();
    }

    private void End()
    {
        _ended = true;
        _writeClosed = true;
        _state.Dispose();
        _state = ExpectNothing.Instance;
        _inbound.ReleaseIfEmpty();
    }
}
