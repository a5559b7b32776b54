using Grpc.Core;

namespace TlsGateway.Sds;

/// <summary>
/// The loop both xDS stream kinds run: send what changed, then wait for whichever comes first —
/// the client's next request or a change to a subscribed secret. The change signal is taken
/// before the secrets are read, so a publish in between is never missed.
/// </summary>
internal static class StreamPump
{
    /// <param name="changed">The signal for the current subscription (taken fresh each round).</param>
    /// <param name="send">Sends whatever the client lacks (may send nothing).</param>
    /// <param name="handle">Applies one request (ACK, NACK, subscription change).</param>
    public static async Task RunAsync<TRequest>(IAsyncStreamReader<TRequest> requests, Func<Task> changed, Func<Task> send, Action<TRequest> handle,
        CancellationToken cancellationToken)
    {
        Task<bool> next = requests.MoveNext(cancellationToken);
        while (true)
        {
            Task change = changed();
            await send().ConfigureAwait(false);
            if (await Task.WhenAny(next, change).ConfigureAwait(false) == next)
            {
                if (!await next.ConfigureAwait(false))
                {
                    return;
                }

                handle(requests.Current);
                next = requests.MoveNext(cancellationToken);
            }
        }
    }
}
