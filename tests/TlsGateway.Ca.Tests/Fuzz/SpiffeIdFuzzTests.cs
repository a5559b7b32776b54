using System.Text;
using TlsGateway.Identity;
using Xunit.Abstractions;

namespace TlsGateway.Ca.Tests.Fuzz;

/// <summary>
/// The SPIFFE ID parser (<see cref="SpiffeId.TryParse"/>) under mutated text (<see cref="Fuzzer"/>):
/// it reads what callers send (the CA API's ImpersonatedIdentity, URI SANs of peer certificates,
/// config). It answers yes with an ID or no with a reason and never throws; an ID it accepts is
/// within the SPIFFE limits and reads back as itself.
/// </summary>
public sealed class SpiffeIdFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_spiffe_ids_parse_or_are_refused_with_a_reason_and_accepted_ones_round_trip()
    {
        byte[][] seeds =
        [
            "spiffe://example.org/ns/shop/sa/web"u8.ToArray(),
            "spiffe://td.example/agent/node-1"u8.ToArray(),
            "spiffe://example.org"u8.ToArray(),
            "SPIFFE://Example.ORG/a/b/../c?x#y"u8.ToArray(),
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            string text = Encoding.UTF8.GetString(input);
            if (SpiffeId.TryParse(text, out SpiffeId? id, out string? error))
            {
                Assert.InRange(Encoding.UTF8.GetByteCount(id.ToString()), 1, SpiffeId.MaxIdBytes);
                Assert.Equal(id, SpiffeId.Parse(id.ToString()));
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error));
            }
        }, _ => false);

        output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(runs > 1_000, $"only {runs} inputs ran");
    }
}
