using System.Security.Cryptography.X509Certificates;
using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>
/// One TLS connection, sans I/O: the caller feeds ciphertext and sends what comes out; OpenSSL
/// does the protocol. Every call is one native call (plus, on failure, an error-queue drain on
/// the same thread). Calls are serialised by a lock, because an SSL object must not be used by
/// two threads at once and a proxy reads and writes concurrently.
/// </summary>
public sealed class TlsConnection : INativeConnectionCallbacks, IDisposable
{
    private readonly object _gate = new();
    private readonly SafeSslHandle _ssl;
    private readonly TlsServerContext? _server;
    private readonly IPeerAuthorizer? _clientAuthorizer;
    private ServerContextEntry? _entry;
    private string? _denial;
    private bool _unrecognizedName;

    private TlsConnection(SafeSslContextHandle ctx, bool isServer, TlsServerContext? server, ServerContextEntry? entry, IPeerAuthorizer? clientAuthorizer)
    {
        IsServer = isServer;
        _server = server;
        _entry = entry;
        _clientAuthorizer = clientAuthorizer;
        _ssl = NativeConnection.Create(ctx, isServer, this);
    }

    public bool IsServer { get; }

    /// <summary>Set once the handshake completes: version, cipher, ALPN, SNI, resumption.</summary>
    public HandshakeFacts? Facts { get; private set; }

    /// <summary>The verified peer identity, when the peer presented a certificate that was checked.</summary>
    public PeerIdentity? Peer { get; private set; }

    /// <summary>
    /// The DER of the peer's leaf, set together with <see cref="Peer"/> (after a full verification or
    /// on resumption): for callers that need the certificate itself, e.g. to look its serial up in a ledger.
    /// Shared with <see cref="PeerIdentityCache"/> and other connections: read it, never write to it.
    /// </summary>
    public byte[]? PeerCertificate { get; private set; }

    /// <summary>Server side: the entry SNI selected.</summary>
    public ServerNameEntry? ServerEntry => _entry?.Config;

    /// <summary>Set when a call failed; the connection is then unusable.</summary>
    public TlsFailure? Failure { get; private set; }

    public bool IsHandshakeComplete => Facts is not null;

    internal static TlsConnection CreateServer(TlsServerContext server, ServerContextEntry initial) =>
        new(initial.Handle, isServer: true, server, initial, clientAuthorizer: null);

    internal static TlsConnection CreateClient(SafeSslContextHandle ctx, IPeerAuthorizer? authorizer, string? serverName, byte[]? alpnWire)
    {
        var connection = new TlsConnection(ctx, isServer: false, server: null, entry: null, authorizer);
        try
        {
            NativeConnection.SetClientOptions(connection._ssl, serverName, serverName, alpnWire);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Feeds ciphertext, advances the handshake, decrypts into <paramref name="plaintext"/> and fills <paramref name="output"/> with what must be sent.</summary>
    public TlsStepResult Process(ReadOnlySpan<byte> input, Span<byte> plaintext, Span<byte> output)
    {
        lock (_gate)
        {
            NativeStatus status = NativeConnection.Process(_ssl, input, plaintext, out int plaintextLength, output, out int outputLength, out NativeFlags flags);
            if ((flags & NativeFlags.HandshakeDone) != 0)
            {
                Facts = NativeConnection.GetHandshakeFacts(_ssl);
                if (Facts is { SessionReused: true, PeerPresentedCertificate: true } && Peer is null && !AuthorizeResumedPeer())
                {
                    // Fail closed: drop what OpenSSL queued (its Finished or our data) and end the connection.
                    Failure ??= new TlsFailure(TlsFailureReason.AuthorizationDenied, _denial ?? "resumed peer not authorized");
                    return new TlsStepResult(NativeStatus.Error, 0, 0, 0, flags & ~NativeFlags.HandshakeDone);
                }
            }

            if (status == NativeStatus.Error)
            {
                RecordFailure();
            }

            return new TlsStepResult(status, plaintextLength, outputLength, 0, flags);
        }
    }

    /// <summary>Encrypts as much of <paramref name="plaintext"/> as fits into <paramref name="output"/> (records of up to 16 KiB).</summary>
    public TlsStepResult Write(ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        lock (_gate)
        {
            NativeStatus status = NativeConnection.Write(_ssl, plaintext, out int consumed, output, out int outputLength, out NativeFlags flags);
            if (status == NativeStatus.Error)
            {
                RecordFailure();
            }

            return new TlsStepResult(status, 0, outputLength, consumed, flags);
        }
    }

    /// <summary>Ciphertext left over from an earlier call whose output buffer was full.</summary>
    public int DrainOutput(Span<byte> output, out bool more)
    {
        lock (_gate)
        {
            more = (NativeConnection.DrainOutput(_ssl, output, out int length) & NativeFlags.OutputPending) != 0;
            return length;
        }
    }

    /// <summary>
    /// True when received bytes wait inside the connection, decrypted or not yet: e.g. a request that
    /// came in the same packet as the client's Finished.
    /// </summary>
    public bool HasBufferedInput
    {
        get
        {
            lock (_gate)
            {
                return NativeConnection.HasBufferedInput(_ssl);
            }
        }
    }

    /// <summary>Queues close_notify (RFC 8446 section 6.1) into <paramref name="output"/>.</summary>
    public int Shutdown(Span<byte> output)
    {
        lock (_gate)
        {
            if (NativeConnection.Shutdown(_ssl, output, out int length) == NativeStatus.Error)
            {
                OpenSslErrorQueue.Clear();
            }

            return length;
        }
    }

    /// <summary>Records a failure found outside OpenSSL (timeout, early close).</summary>
    public void Fail(TlsFailure failure)
    {
        lock (_gate)
        {
            Failure ??= failure;
        }
    }

    SafeSslContextHandle? INativeConnectionCallbacks.SelectContext(string? serverName, ReadOnlySpan<byte> alpnOffer)
    {
        ServerContextEntry? entry = _server?.Resolve(serverName, alpnOffer);
        if (entry is null)
        {
            _unrecognizedName = true;
            return null;
        }

        _entry = entry;
        return entry.Handle;
    }

    bool INativeConnectionCallbacks.AuthorizePeer(ReadOnlySpan<byte> chain, ReadOnlySpan<int> lengths)
    {
        (PeerIdentity peer, byte[] leaf) = PeerIdentityCache.Get(chain[..lengths[0]]);
        IPeerAuthorizer? authorizer = IsServer ? _entry?.Config.ClientAuth.Authorizer : _clientAuthorizer;
        AuthorizationDecision decision = authorizer?.Authorize(peer) ?? AuthorizationDecision.Allow;
        if (!decision.Allowed)
        {
            _denial = decision.Reason;
            return false;
        }

        PeerCertificate = leaf;
        Peer = peer;
        return true;
    }

    // A resumed session skips certificate verification, so the verify callback (and with it the
    // authorizer) never ran on this connection. The session carries the peer's leaf: run the
    // current policy on it, so a policy tightened since the ticket was issued still applies.
    private bool AuthorizeResumedPeer()
    {
        byte[]? der = NativeConnection.GetPeerCertificate(_ssl);
        if (der is null)
        {
            _denial = "resumed session without its peer certificate";
            return false;
        }

        return ((INativeConnectionCallbacks)this).AuthorizePeer(der, [der.Length]);
    }

    private void RecordFailure()
    {
        IReadOnlyList<OpenSslError> errors = OpenSslErrorQueue.Drain();
        Failure ??= TlsFailure.Classify(errors, NativeConnection.GetVerifyResult(_ssl), _denial, _unrecognizedName);
    }

    public void Dispose() => _ssl.Dispose();
}
