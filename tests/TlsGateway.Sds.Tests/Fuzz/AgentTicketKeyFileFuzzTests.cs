using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace TlsGateway.Sds.Tests.Fuzz;

/// <summary>
/// The agent's session-ticket key ring file (JSON, kept across restarts) under mutated content
/// (<see cref="Fuzzer"/>): the agent starts with the ring it holds, or refuses the file with an
/// IOException naming it — never with another exception — and what it serves is keys of 80 bytes.
/// </summary>
public sealed class AgentTicketKeyFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Mutated_ticket_key_ring_files_load_or_are_refused_with_an_io_error()
    {
        string path = _directory.PathOf("ticket-keys.json");
        await using (var keys = new SessionTicketKeys(path, AgentOptions.Default, NullLogger.Instance))
        {
            keys.Rotate();
        }

        byte[][] seeds = [File.ReadAllBytes(path), "{\"version\":3,\"rotated_at\":\"2026-11-24T00:00:00+00:00\",\"keys\":[]}"u8.ToArray()];

        int runs = Fuzzer.Run(seeds, input =>
        {
            File.WriteAllBytes(path, input);
            var keys = new SessionTicketKeys(path, AgentOptions.Default, NullLogger.Instance);
            try
            {
                Assert.InRange(keys.Keys.Count, 2, AgentOptions.Default.TicketKeysKept);
                Assert.All(keys.Keys, k => Assert.Equal(SessionTicketKeys.KeyLength, k.Length));
            }
            finally
            {
                keys.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }, e => e is IOException);

        output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }
}
