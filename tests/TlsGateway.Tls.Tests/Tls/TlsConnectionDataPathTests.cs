using TlsGateway.Crypto;
using TlsGateway.Interop;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// The data-path promises of the engine: once connected, moving records allocates nothing on the
/// managed heap, and one call encrypts a whole batch of records. Counts, not timings.
/// </summary>
public sealed class TlsConnectionDataPathTests : IClassFixture<TestPki>, IDisposable
{
    private const int Chunk = 48 * 1024;
    private readonly TestPki _pki;
    private readonly CertificateKeyPair _serverCertificate;

    public TlsConnectionDataPathTests(TestPki pki)
    {
        _pki = pki;
        _serverCertificate = pki.LoadServer();
    }

    public void Dispose() => _serverCertificate.Dispose();

    [Theory]
    [InlineData(TlsVersion.Tls13)]
    [InlineData(TlsVersion.Tls12)]
    public void Steady_state_encrypt_and_decrypt_allocate_nothing_per_record(TlsVersion version)
    {
        using TlsServerContext server = Server(Entry(_serverCertificate, profile: TlsProfile.Default with { MaxVersion = version }));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);
        Assert.True(pipe.Handshake());
        byte[] plaintext = new byte[Chunk];
        byte[] ciphertext = new byte[Chunk + (4 * 1024)];
        byte[] received = new byte[Chunk];
        byte[] scratch = new byte[16 * 1024];

        // Warm up once (OpenSSL allocates its record buffers lazily; the runtime its marshalling stubs).
        Move(pipe, plaintext, ciphertext, received, scratch);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long moved = 0;
        for (int i = 0; i < 100; i++)
        {
            moved += Move(pipe, plaintext, ciphertext, received, scratch);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(100L * Chunk, moved);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void One_write_call_turns_a_48_KiB_batch_into_three_full_records()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);
        Assert.True(pipe.Handshake());
        byte[] ciphertext = new byte[Chunk + (4 * 1024)];

        TlsStepResult step = pipe.Client.Write(new byte[Chunk], ciphertext);

        Assert.Equal(NativeStatus.Ok, step.Status);
        Assert.Equal(Chunk, step.Consumed);
        // TLS 1.3 record: 5-byte header, 16 KiB of data, 1 content-type byte, 16-byte tag (RFC 8446 section 5.2).
        Assert.Equal(3 * (5 + (16 * 1024) + 1 + 16), step.OutputLength);
        Assert.False(step.OutputPending);
    }

    private static long Move(InMemoryPipe pipe, byte[] plaintext, byte[] ciphertext, byte[] received, byte[] scratch)
    {
        TlsStepResult written = pipe.Client.Write(plaintext, ciphertext);
        TlsStepResult read = pipe.Server.Process(ciphertext.AsSpan(0, written.OutputLength), received, scratch);
        long total = read.PlaintextLength;
        while (read.PlaintextPending)
        {
            read = pipe.Server.Process(ReadOnlySpan<byte>.Empty, received, scratch);
            total += read.PlaintextLength;
        }

        return total;
    }
}
