using System.Security.Cryptography;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>Stateless ticket resumption with s_client -sess_out/-sess_in, across key rotation, replacement and a fleet.</summary>
public sealed class ResumptionTests
{
    public static TheoryData<string> Versions => new() { "-tls1_3", "-tls1_2" };

    private static async Task<SClientResult> ConnectAsync(EchoServer server, string version, string sessionFile, bool resume)
    {
        string[] session = resume ? ["-sess_in", sessionFile] : ["-sess_out", sessionFile];
        return await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: [version, .. session]);
    }

    private static string SessionFile() => Path.Combine(TestPki.Instance.Directory, "session-" + Guid.NewGuid().ToString("N") + ".pem");

    /// <summary>A server whose tickets are protected by <paramref name="ring"/>, and the session file of its first client.</summary>
    private static async Task<(EchoServer Server, TlsServerContext Context, string SessionFile)> StartWithFirstSessionAsync(TicketKeyRing ring, string version)
    {
        TlsServerContext context = ServerFactory.Single("ecdsa", tickets: ring);
        var server = new EchoServer(context);
        string file = SessionFile();
        SClientResult first = await ConnectAsync(server, version, file, resume: false);
        Assert.False(first.Reused, first.Output);
        if (version == "-tls1_3")
        {
            // 0-RTT stays off: tickets never allow early data (RFC 8446 section 8 replay risk).
            Assert.Contains("Max Early Data: 0", first.Output);
        }

        return (server, context, file);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_ticket_resumes_the_session_and_skips_the_full_handshake(string version)
    {
        using TicketKeyRing ring = TicketKeyRing.CreateRandom();
        (EchoServer server, TlsServerContext context, string file) = await StartWithFirstSessionAsync(ring, version);
        await using (server)
        using (context)
        {
            SClientResult second = await ConnectAsync(server, version, file, resume: true);

            Assert.True(second.Reused, second.Output);
            Assert.True(second.Echoed("ping"), second.Output);
            await Eventually.EqualAsync(1L, () => server.Stats.Resumed);
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_ticket_still_resumes_after_rotation_while_its_key_is_kept_for_decryption(string version)
    {
        using TicketKeyRing ring = TicketKeyRing.CreateRandom();
        string before = ring.KeyNames[0];
        (EchoServer server, TlsServerContext context, string file) = await StartWithFirstSessionAsync(ring, version);
        await using (server)
        using (context)
        {
            ring.Rotate(keep: 2);
            SClientResult resumed = await ConnectAsync(server, version, file, resume: true);

            Assert.Equal(before, ring.KeyNames[1]);
            Assert.True(resumed.Reused, resumed.Output);
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_ticket_is_refused_once_its_key_has_left_the_ring(string version)
    {
        using TicketKeyRing ring = TicketKeyRing.CreateRandom();
        (EchoServer server, TlsServerContext context, string file) = await StartWithFirstSessionAsync(ring, version);
        await using (server)
        using (context)
        {
            ring.SetKeys([RandomNumberGenerator.GetBytes(TicketKeyRing.KeyLength)]);
            SClientResult full = await ConnectAsync(server, version, file, resume: true);

            Assert.False(full.Reused, full.Output);
            Assert.True(full.Echoed("ping"), "an unknown ticket falls back to a full handshake, not a failure");
        }
    }

    [Fact]
    public async Task Two_edges_sharing_ticket_keys_resume_each_others_sessions()
    {
        byte[] shared = RandomNumberGenerator.GetBytes(TicketKeyRing.KeyLength);
        using var ringA = new TicketKeyRing();
        using var ringB = new TicketKeyRing();
        ringA.SetKeys([shared]);
        ringB.SetKeys([shared]);
        using TlsServerContext contextA = ServerFactory.Single("ecdsa", tickets: ringA);
        using TlsServerContext contextB = ServerFactory.Single("ecdsa", tickets: ringB);
        await using var edgeA = new EchoServer(contextA);
        await using var edgeB = new EchoServer(contextB);
        string file = SessionFile();

        await ConnectAsync(edgeA, "-tls1_3", file, resume: false);
        SClientResult onB = await ConnectAsync(edgeB, "-tls1_3", file, resume: true);

        Assert.True(onB.Reused, onB.Output);
    }
}
