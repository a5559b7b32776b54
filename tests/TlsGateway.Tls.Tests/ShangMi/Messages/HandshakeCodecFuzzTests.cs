using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Messages.HandshakeSamples;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>
/// The handshake codec and the sniffer under mutated input (<see cref="Fuzzer"/>): the codec may
/// only refuse with a TlsProtocolException, the sniffer may not throw at all. An
/// IndexOutOfRange, an ArgumentException or an overflow escaping is a finding.
/// </summary>
public sealed class HandshakeCodecFuzzTests
{
    private static byte[][] ClientHelloBodies =>
    [
        Body(Rfc8448ClientHello).ToArray(),
        Body(ShangMiClientHello(TwoPsks()).ToMessage()).ToArray(),
        Body(ShangMiClientHello().ToMessage()).ToArray(),
    ];

    [Fact]
    public void Client_hello_parsing_only_accepts_or_refuses_with_a_protocol_alert()
    {
        int runs = Fuzzer.Run(ClientHelloBodies, input =>
        {
            ClientHello hello = ClientHello.Parse(input);

            // Whatever parses writes back to exactly what was read (a legacy hello without an
            // extensions block gains an empty one).
            byte[] written = Body(hello.ToMessage()).ToArray();
            Assert.True(written.AsSpan().SequenceEqual(input) || (hello.Extensions.Count == 0 && written.AsSpan(0, written.Length - 2).SequenceEqual(input)));
        }, e => e is TlsProtocolException);

        Assert.True(runs > 1_000, $"only {runs} inputs ran");
    }

    [Fact]
    public void The_sniffer_never_throws_on_mutated_record_streams()
    {
        byte[][] seeds =
        [
            InRecords(Rfc8448ClientHello),
            InRecords(ShangMiClientHello(TwoPsks()).ToMessage(), 100),
            InRecords(ShangMiClientHello().ToMessage()),
            "GET / HTTP/1.1\r\n\r\n"u8.ToArray(),
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            ClientHelloSniffResult result = ClientHelloSniffer.Sniff(input);
            Assert.Equal(result.Status == ClientHelloSniffStatus.ClientHello, result.Summary is not null);
        }, _ => false);

        Assert.True(runs > 1_000, $"only {runs} inputs ran");
    }

    [Fact]
    public void Server_message_parsing_only_accepts_or_refuses_with_a_protocol_alert()
    {
        byte[][] seeds =
        [
            Body(Rfc8448ServerHello).ToArray(),
            Body(Rfc8448EncryptedExtensions).ToArray(),
            Body(ServerHello.CreateHelloRetryRequest(Filled(32, 1), CipherSuiteId.TlsSm4GcmSm3, NamedGroup.CurveSm2, Filled(9, 2)).ToMessage()).ToArray(),
            Body(new Certificate(ReadOnlyMemory<byte>.Empty, [new CertificateEntry(Filled(40, 2))]).ToMessage()).ToArray(),
            Body(new NewSessionTicket(60, 1, Filled(4, 1), Filled(10, 2), [ExtensionCodec.EncodeMaxEarlyDataSize(1)]).ToMessage()).ToArray(),
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            // Each parser sees every input: most mutants are some other message's garbage.
            Try(() => ServerHello.Parse(input));
            Try(() => EncryptedExtensions.Parse(input));
            Try(() => Certificate.Parse(input));
            Try(() => CertificateRequest.Parse(input));
            Try(() => NewSessionTicket.Parse(input));
            Try(() => CertificateVerify.Parse(input));
        }, e => e is TlsProtocolException);

        Assert.True(runs > 500, $"only {runs} inputs ran");
    }

    private static void Try(Action parse)
    {
        try
        {
            parse();
        }
        catch (TlsProtocolException)
        {
        }
    }
}
