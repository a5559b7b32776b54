namespace TlsGateway.Host.Admin;

/// <summary>
/// What /readyz answers: each role registers a check that returns null when it is ready or a
/// sentence saying why not ("listener 'public' is not accepting", "store unreachable: ...").
/// Ready means every check passes and no drain has started: a load balancer should send this
/// process new connections. /healthz, by contrast, only says the process is alive.
/// </summary>
internal sealed class Readiness
{
    // A check that hangs (a store that does not answer) must not hang the probe.
    private static readonly TimeSpan s_checkTimeout = TimeSpan.FromSeconds(2);

    private static readonly Func<CancellationToken, Task<string?>> s_starting = _ => Task.FromResult<string?>("starting");

    private readonly List<(string Name, Func<CancellationToken, Task<string?>> Check)> _checks = [];
    private volatile bool _draining;

    public bool Draining => _draining;

    /// <summary>Adds a role's check; it replaces the placeholder <see cref="Expect"/> left under the same name.</summary>
    public void Add(string name, Func<CancellationToken, Task<string?>> check)
    {
        lock (_checks)
        {
            int expected = _checks.FindIndex(c => c.Name == name && c.Check == s_starting);
            if (expected >= 0)
            {
                _checks[expected] = (name, check);
            }
            else
            {
                _checks.Add((name, check));
            }
        }
    }

    /// <summary>
    /// Announces a role that registers its check only once it runs (the edge, after its listeners
    /// are bound): until then /readyz fails with "starting" instead of answering ready for a
    /// process that serves nothing yet. Call it before the admin port opens.
    /// </summary>
    public void Expect(string name) => Add(name, s_starting);

    public void Add(string name, Func<string?> check) => Add(name, _ => Task.FromResult(check()));

    public void MarkDraining() => _draining = true;

    /// <summary>Runs every check (concurrently, each bounded); returns whether all passed and one line per check.</summary>
    public async Task<(bool Ready, IReadOnlyList<string> Lines)> CheckAsync(CancellationToken cancellationToken)
    {
        (string Name, Func<CancellationToken, Task<string?>> Check)[] checks;
        lock (_checks)
        {
            checks = _checks.ToArray();
        }

        string?[] problems = await Task.WhenAll(checks.Select(c => RunAsync(c.Check, cancellationToken)));
        var lines = new List<string>(checks.Length + 1);
        bool ready = !_draining;
        if (_draining)
        {
            lines.Add("drain: draining, not taking new connections");
        }

        for (int i = 0; i < checks.Length; i++)
        {
            lines.Add(problems[i] is { } problem ? $"{checks[i].Name}: {problem}" : $"{checks[i].Name}: ok");
            ready &= problems[i] is null;
        }

        return (ready, lines);
    }

    private static async Task<string?> RunAsync(Func<CancellationToken, Task<string?>> check, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_checkTimeout);
        try
        {
            return await check(timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return $"no answer within {s_checkTimeout.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A check that throws is a failed check, not a crashed probe.
            return e.Message;
        }
    }
}
