// gcheap PID [--collect]: prints one line of the target's System.Runtime counters, as
// "gc_heap_mb=… gc_committed_mb=… gen2_mb=… loh_mb=… fragmentation_pct=… working_set_mb=…",
// read over EventPipe for about three seconds. With --collect it first has the runtime run a
// full blocking collection (the GCHeapCollect keyword, as dotnet-gcdump does) so the figures
// are what is still reachable. Exit 1 when the target cannot be reached or sends no counters.
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

if (args.Length < 1 || !int.TryParse(args[0], out int pid))
{
    Console.Error.WriteLine("usage: gcheap PID [--collect]");
    return 2;
}

var client = new DiagnosticsClient(pid);
try
{
    if (args.Contains("--collect"))
    {
        // Keywords GC (0x1) | GCHeapCollect (0x800000): the runtime induces a blocking gen-2 GC when the session starts.
        using EventPipeSession collect = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, 0x1 | 0x800000)], requestRundown: false);
        var drain = Task.Run(() => collect.EventStream.CopyTo(Stream.Null));
        await Task.Delay(2000);
        collect.Stop();
        await drain.WaitAsync(TimeSpan.FromSeconds(10));
    }

    var figures = new Dictionary<string, double>(StringComparer.Ordinal);
    var arguments = new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" };
    using EventPipeSession session = client.StartEventPipeSession(
        [new EventPipeProvider("System.Runtime", EventLevel.Informational, -1, arguments)], requestRundown: false);
    var source = new EventPipeEventSource(session.EventStream);
    source.Dynamic.All += e =>
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
            || outer["Payload"] is not IDictionary<string, object> payload)
        {
            return;
        }

        string name = (string)payload["Name"];
        object value = payload.TryGetValue("Mean", out object? mean) ? mean : payload["Increment"];
        figures[name] = Convert.ToDouble(value, CultureInfo.InvariantCulture);
    };
    var reading = Task.Run(source.Process);
    await Task.Delay(3500);
    session.Stop();
    await reading.WaitAsync(TimeSpan.FromSeconds(10));

    string Figure(string name, double scale = 1) =>
        figures.TryGetValue(name, out double v) ? (v / scale).ToString("0.0", CultureInfo.InvariantCulture) : "-";
    if (!figures.ContainsKey("gc-heap-size"))
    {
        Console.Error.WriteLine("gcheap: no System.Runtime counters arrived");
        return 1;
    }

    Console.WriteLine($"gc_heap_mb={Figure("gc-heap-size")} gc_committed_mb={Figure("gc-committed")} gen2_mb={Figure("gen-2-size", 1e6)} " +
        $"loh_mb={Figure("loh-size", 1e6)} fragmentation_pct={Figure("gc-fragmentation")} working_set_mb={Figure("working-set")}");
    return 0;
}
catch (Exception e) when (e is ServerNotAvailableException or TimeoutException or UnsupportedCommandException)
{
    Console.Error.WriteLine($"gcheap: {e.Message}");
    return 1;
}
