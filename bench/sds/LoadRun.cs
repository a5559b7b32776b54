using Grpc.Core;
using Grpc.Net.Client;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Grpc.Envoy.Secret;

namespace TlsGateway.Bench.Sds;

/// <summary>
/// One benchmark run: open every stream (subscribe to `default`, wait for its first response),
/// then wait until every stream has seen the next version (the agent's renewal), then close.
/// Every stream ACKs every response with its version and nonce, as Envoy does.
/// </summary>
internal sealed class LoadRun(LoadOptions options)
{
    private const string SecretTypeUrl = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    private static readonly TimeSpan s_progressEvery = TimeSpan.FromSeconds(5);

    private readonly StreamTable _table = new(options.Streams);
    private readonly SemaphoreSlim? _opening = options.OpenConcurrency > 0 ? new SemaphoreSlim(options.OpenConcurrency) : null;
    private int _responseBytes;

    public StreamTable Table => _table;

    public double StartedMs { get; private set; }

    /// <summary>Size of the first response any stream got, serialized (what every push repeats per stream).</summary>
    public int ResponseBytes => Volatile.Read(ref _responseBytes);

    public bool AllOpen { get; private set; }

    public bool AllRotated { get; private set; }

    public async Task RunAsync()
    {
        using var deadline = new CancellationTokenSource(options.Timeout);
        using var closing = new CancellationTokenSource(); // half-closes every stream, as a client shutting down cleanly does
        using var stop = new CancellationTokenSource(); // resets what is left after that
        GrpcChannel[] channels = [.. Enumerable.Range(0, options.Connections).Select(_ => UnixChannels.Create(options.Socket))];
        var clients = channels.Select(c => new SecretDiscoveryService.SecretDiscoveryServiceClient(c)).ToArray();
        var streams = new List<Task>(options.Streams);
        try
        {
            Mark("pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            StartedMs = _table.NowMs();
            for (int i = 0; i < options.Streams; i++)
            {
                try
                {
                    if (_opening is not null)
                    {
                        await _opening.WaitAsync(deadline.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                streams.Add(StreamAsync(i, clients[i % clients.Length], closing.Token, stop.Token));
            }

            await WaitUntilAsync("open", () => _table.Opened, () => _table.Opened + _table.Failed >= options.Streams, deadline.Token)
                .ConfigureAwait(false);
            AllOpen = _table.Opened == options.Streams;
            if (AllOpen)
            {
                Mark("open");
            }

            if (AllOpen && options.WaitForRenewal)
            {
                await WaitUntilAsync("renewed", () => _table.Rotated, () => _table.Rotated + _table.Failed >= options.Streams, deadline.Token)
                    .ConfigureAwait(false);
                AllRotated = _table.Rotated == options.Streams;
                if (AllRotated)
                {
                    Mark("rotated");
                }

                if (options.MarkDir is string dir)
                {
                    // Hold the streams open while the script reads the agent's RSS and CPU.
                    string close = Path.Combine(dir, "close");
                    await WaitUntilAsync(null, () => 0, () => File.Exists(close), deadline.Token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // End the streams the way Envoy does when it drops a subscription cleanly (END_STREAM
            // on the requests, the agent returns, trailers); reset whatever has not ended in 10 s.
            await closing.CancelAsync().ConfigureAwait(false);
            Task all = Task.WhenAll(streams); // each stream catches its own errors
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false) != all)
            {
                Console.Error.WriteLine("sds-load: streams still open 10 s after half-closing them; resetting them");
                await stop.CancelAsync().ConfigureAwait(false);
                await all.ConfigureAwait(false);
            }

            foreach (GrpcChannel channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private async Task StreamAsync(int index, SecretDiscoveryService.SecretDiscoveryServiceClient client, CancellationToken closing, CancellationToken stop)
    {
        await Task.Yield(); // the opening loop goes on while this stream connects
        bool holdsOpeningSlot = _opening is not null;
        try
        {
            using AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> call = client.StreamSecrets(cancellationToken: stop);
            await call.RequestStream.WriteAsync(Request(version: "", nonce: ""), stop).ConfigureAwait(false);
            using CancellationTokenRegistration halfClose = closing.Register(() => _ = HalfCloseAsync(call));
            while (await call.ResponseStream.MoveNext(stop).ConfigureAwait(false))
            {
                double at = _table.NowMs();
                DiscoveryResponse response = call.ResponseStream.Current;
                if (_responseBytes == 0)
                {
                    Interlocked.CompareExchange(ref _responseBytes, response.CalculateSize(), 0);
                }

                if (_table.Received(index, response.VersionInfo, at) && holdsOpeningSlot)
                {
                    holdsOpeningSlot = false;
                    _opening!.Release();
                }

                await call.RequestStream.WriteAsync(Request(response.VersionInfo, response.Nonce), stop).ConfigureAwait(false);
            }

            if (!closing.IsCancellationRequested)
            {
                _table.Fail("the agent ended the stream");
            }
        }
        catch (Exception) when (closing.IsCancellationRequested)
        {
            // closed by this client at the end of the run, after the measurements
        }
        catch (Exception e)
        {
            _table.Fail(e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (holdsOpeningSlot)
            {
                _opening!.Release();
            }
        }
    }

    private static async Task HalfCloseAsync(AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> call)
    {
        // gRPC refuses to complete a request stream while a write is pending: that is an ACK
        // on its way out, done within milliseconds, so try again shortly.
        for (int attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                return; // the call has ended already
            }
        }
    }

    private static DiscoveryRequest Request(string version, string nonce) =>
        new() { TypeUrl = SecretTypeUrl, VersionInfo = version, ResponseNonce = nonce, ResourceNames = { "default" } };

    private async Task WaitUntilAsync(string? what, Func<int> count, Func<bool> done, CancellationToken deadline)
    {
        DateTime nextProgress = DateTime.UtcNow + s_progressEvery;
        while (!done())
        {
            try
            {
                await Task.Delay(20, deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"sds-load: timed out after {options.Timeout.TotalSeconds:0} s waiting for streams to be {what ?? "closed"}");
                return;
            }

            if (what is not null && DateTime.UtcNow >= nextProgress)
            {
                nextProgress += s_progressEvery;
                Console.Error.WriteLine($"sds-load: {count()}/{options.Streams} streams {what}, {_table.Failed} failed, {(_table.NowMs() - StartedMs) / 1000:0.0} s in");
            }
        }
    }

    private void Mark(string name, string content = "")
    {
        if (options.MarkDir is string dir)
        {
            File.WriteAllText(Path.Combine(dir, name), content);
        }
    }
}
