using TlsGateway.Crypto;
using TlsGateway.Interop;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// <see cref="TlsConnection.HasBufferedInput"/>: a request that arrives in the same read as the
/// client's Finished stays inside the connection when the handshake completes (the handshake step
/// reads no plaintext). The edge asks this before deciding that a client which has reset is gone,
/// so such a request is still forwarded.
/// </summary>
public sealed class TlsConnectionBufferedInputTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly CertificateKeyPair _serverCertificate;

    public TlsConnectionBufferedInputTests(TestPki pki)
    {
        _pki = pki;
        _serverCertificate = pki.LoadServer();
    }

    public void Dispose() => _serverCertificate.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_request_behind_the_clients_Finished_is_buffered_input_after_the_handshake(bool withRequest)
    {
        using TlsServerContext serverContext = Server(Entry(_serverCertificate));
        using TlsClientContext clientContext = Client(_pki.RootPem);
        using TlsConnection server = serverContext.CreateConnection();
        using TlsConnection client = clientContext.CreateConnection("localhost");
        byte[] output = new byte[64 * 1024];
        byte[] plaintext = new byte[4096];

        byte[] clientHello = Produce(client.Process([], plaintext, output), output);
        byte[] serverFlight = Produce(server.Process(clientHello, [], output), output);
        byte[] clientFinished = Produce(client.Process(serverFlight, plaintext, output), output);
        Assert.True(client.IsHandshakeComplete);
        byte[] request = withRequest ? Produce(client.Write("GET / HTTP/1.1\r\n\r\n"u8, output), output) : [];

        // As TlsSession's handshake does: one step with everything received, no plaintext read.
        TlsStepResult last = server.Process([.. clientFinished, .. request], [], output);

        Assert.NotEqual(NativeStatus.Error, last.Status);
        Assert.True(server.IsHandshakeComplete);
        Assert.Equal(withRequest, server.HasBufferedInput);
    }

    private static byte[] Produce(TlsStepResult step, byte[] output)
    {
        Assert.NotEqual(NativeStatus.Error, step.Status);
        Assert.False(step.OutputPending);
        return output.AsSpan(0, step.OutputLength).ToArray();
    }
}
