namespace TlsGateway.Sds;

/// <summary>
/// The current version of one secret and a signal for the next: streams read
/// <see cref="Current"/> and await <see cref="Changed"/>, which completes (and is replaced) on
/// every publish. One cell serves every subscriber of the secret.
/// </summary>
public sealed class SecretCell
{
    private Snapshot _snapshot = new(null, null);

    public SecretCell(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>The secret to serve, or null while there is none yet (first issuance pending) or it is withdrawn.</summary>
    public SecretResource? Current => Volatile.Read(ref _snapshot).Resource;

    /// <summary>Why there is nothing to serve, when that is a failure rather than "not yet".</summary>
    public string? Error => Volatile.Read(ref _snapshot).Error;

    /// <summary>Completes on the next <see cref="Publish"/> or <see cref="Fail"/>.</summary>
    public Task Changed => Volatile.Read(ref _snapshot).Next.Task;

    public void Publish(SecretResource resource) => Swap(new Snapshot(resource, null));

    /// <summary>Withdraws the secret (it must not be served any more) and says why.</summary>
    public void Fail(string error) => Swap(new Snapshot(null, error));

    private void Swap(Snapshot next)
    {
        // Continuations run on the thread pool, so one publish fans out to every stream in parallel.
        Interlocked.Exchange(ref _snapshot, next).Next.TrySetResult();
    }

    private sealed record Snapshot(SecretResource? Resource, string? Error)
    {
        public TaskCompletionSource Next { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
