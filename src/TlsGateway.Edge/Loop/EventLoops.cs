namespace TlsGateway.Edge.Loop;

/// <summary>
/// The process's event loops: one per processor the process may run on (taskset and cgroup
/// limits count), started on first use and running until the process ends. Every listener
/// registers with all of them, and a connection stays on the loop that accepted it.
/// </summary>
internal static class EventLoops
{
    private static readonly Lazy<EventLoop[]> s_loops = new(() =>
        Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(i => new EventLoop(i)).ToArray());

    public static IReadOnlyList<EventLoop> All => s_loops.Value;
}
