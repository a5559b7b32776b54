using TlsGateway.Host.Admin;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// What /readyz is built from: a role announced before the admin port opens keeps the process
/// unready until it registers its own check. (The edge binds its listeners after the admin port is
/// up; until it has, a probe must not send it traffic.)
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task An_expected_role_is_not_ready_until_it_registers_and_then_its_own_check_decides()
    {
        var readiness = new Readiness();
        readiness.Add("agent", () => null);
        readiness.Expect("edge");

        (bool ready, IReadOnlyList<string> lines) = await readiness.CheckAsync(CancellationToken.None);
        Assert.False(ready);
        Assert.Contains("edge: starting", lines);
        Assert.Contains("agent: ok", lines);

        string? edgeProblem = "listener 'edge' is not accepting";
        readiness.Add("edge", () => edgeProblem);
        (ready, lines) = await readiness.CheckAsync(CancellationToken.None);
        Assert.False(ready);
        Assert.Equal(["agent: ok", "edge: listener 'edge' is not accepting"], lines);

        edgeProblem = null;
        (ready, lines) = await readiness.CheckAsync(CancellationToken.None);
        Assert.True(ready);
        Assert.Equal(["agent: ok", "edge: ok"], lines);
    }

    [Fact]
    public async Task With_nothing_expected_a_role_added_twice_keeps_both_checks()
    {
        var readiness = new Readiness();
        readiness.Add("ca", () => null);
        readiness.Add("ca", () => "store unreachable");

        (bool ready, IReadOnlyList<string> lines) = await readiness.CheckAsync(CancellationToken.None);

        Assert.False(ready);
        Assert.Equal(["ca: ok", "ca: store unreachable"], lines);
    }
}
