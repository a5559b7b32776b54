using TlsGateway.Interop;

namespace TlsGateway.Tls.Tests.Infrastructure;

/// <summary>
/// Two <see cref="TlsConnection"/>s wired back to back in memory: whatever ciphertext one side
/// produces is fed to the other on its next <see cref="TlsConnection.Process"/>. Both ends are
/// real OpenSSL; only the socket is missing. Not thread-safe: one test drives it.
/// </summary>
internal sealed class InMemoryPipe : IDisposable
{
    // Large enough for any handshake flight here; bigger outputs go through DrainOutput.
    private const int DefaultBufferSize = 64 * 1024;

    private readonly byte[] _output;
    private readonly byte[] _plaintext;
    private readonly Side _client;
    private readonly Side _server;

    /// <param name="bufferSize">Size of the output and plaintext buffers handed to the engine; small sizes exercise draining.</param>
    public InMemoryPipe(TlsConnection client, TlsConnection server, int bufferSize = DefaultBufferSize)
    {
        _client = new Side(client);
        _server = new Side(server);
        _output = new byte[bufferSize];
        _plaintext = new byte[bufferSize];
    }

    public TlsConnection Client => _client.Connection;

    public TlsConnection Server => _server.Connection;

    /// <summary>
    /// Alternates client and server until both finished the handshake, or one failed, and no
    /// bytes are left in flight (so an alert reaches the peer). True when both finished cleanly.
    /// </summary>
    public bool Handshake(int maxRounds = 50)
    {
        for (int round = 0; round < maxRounds; round++)
        {
            Step(_client, _server);
            Step(_server, _client);
            bool quiet = _client.Inbound.Length == 0 && _server.Inbound.Length == 0;
            bool bothDone = Client.IsHandshakeComplete && Server.IsHandshakeComplete;
            bool failed = Client.Failure is not null || Server.Failure is not null;
            if (quiet && (bothDone || failed))
            {
                return bothDone && !failed;
            }
        }

        throw new InvalidOperationException($"the handshake neither finished nor failed within {maxRounds} rounds");
    }

    /// <summary>Encrypts <paramref name="data"/> on the client, delivers it, and returns what the server decrypted.</summary>
    public byte[] ClientToServer(ReadOnlySpan<byte> data) => Transfer(_client, _server, data);

    /// <summary>Encrypts <paramref name="data"/> on the server, delivers it, and returns what the client decrypted.</summary>
    public byte[] ServerToClient(ReadOnlySpan<byte> data) => Transfer(_server, _client, data);

    private byte[] Transfer(Side from, Side to, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            TlsStepResult step = from.Connection.Write(data, _output);
            if (step.Status == NativeStatus.Error)
            {
                throw new InvalidOperationException($"write failed: {from.Connection.Failure}");
            }

            Collect(from, to, step.OutputLength, step.OutputPending);
            data = data[step.Consumed..];
        }

        Step(to, from);
        return to.TakeReceived();
    }

    // One Process call on `side` with everything in flight to it, then again while OpenSSL says
    // decrypted bytes are still waiting (they did not fit the plaintext buffer).
    private void Step(Side side, Side peer)
    {
        if (side.Connection.Failure is not null)
        {
            side.Inbound = [];
            return;
        }

        byte[] input = side.Inbound;
        side.Inbound = [];
        while (true)
        {
            TlsStepResult step = side.Connection.Process(input, _plaintext, _output);
            side.Received.Write(_plaintext, 0, step.PlaintextLength);
            Collect(side, peer, step.OutputLength, step.OutputPending);
            if (step.Status == NativeStatus.Error || !step.PlaintextPending)
            {
                return;
            }

            input = [];
        }
    }

    private void Collect(Side from, Side to, int length, bool pending)
    {
        var sent = new MemoryStream();
        sent.Write(to.Inbound);
        sent.Write(_output, 0, length);
        while (pending)
        {
            int more = from.Connection.DrainOutput(_output, out pending);
            sent.Write(_output, 0, more);
        }

        to.Inbound = sent.ToArray();
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }

    private sealed class Side(TlsConnection connection)
    {
        public TlsConnection Connection { get; } = connection;

        /// <summary>Ciphertext sent by the peer, not yet processed.</summary>
        public byte[] Inbound { get; set; } = [];

        /// <summary>Plaintext decrypted so far and not yet taken.</summary>
        public MemoryStream Received { get; } = new();

        public byte[] TakeReceived()
        {
            byte[] bytes = Received.ToArray();
            Received.SetLength(0);
            return bytes;
        }
    }
}
