using System.Data.Common;
using System.Runtime.CompilerServices;

namespace TlsGateway.Storage;

/// <summary>
/// Copies everything one CA store holds into another, empty one, in either direction between
/// the dialects (moving a CA from SQLite to PostgreSQL is what it is for): generations, the
/// certificate ledger, bootstrap tokens, the CRL number and the audit log, verbatim.
/// </summary>
/// <remarks>
/// One piece of logic for every direction; each dialect supplies only a read snapshot and a raw
/// import (<see cref="ICopyableStore"/>). The order of work is what keeps a failure harmless:
/// <list type="number">
/// <item>Begin the destination's one write transaction (its write lock) and refuse unless it is empty.</item>
/// <item>Open one read transaction on the source; stream every table through, verifying the source's
/// audit chain on the way. The source is only read (PostgreSQL: a READ ONLY transaction).</item>
/// <item>Before committing, check the destination holds what the snapshot held (row counts, CRL
/// number, last audit sequence and hash) and that its whole audit chain verifies as stored.</item>
/// <item>Check the source still holds what the snapshot held: the copy cannot stop other writers,
/// but every CA write appends an audit event or advances the CRL number, so a write made during the
/// copy (which the snapshot cannot contain) shows, and the copy fails rather than lose it.</item>
/// <item>Append one <see cref="AuditKinds.StoreCopy"/> event after the copied chain, and commit.</item>
/// </list>
/// Any failure before the commit rolls the destination back to empty. Rows stream table by table,
/// so memory does not grow with the ledger. Non-goal: copying into a store that holds anything,
/// merging, or resuming a partial copy; a copy is all or nothing.
/// </remarks>
public static class CaStoreCopy
{
    /// <summary>Table names as reported to the progress callback, in the order they are copied.</summary>
    public static readonly IReadOnlyList<string> Tables = ["generations", "certificates", "bootstrap_tokens", "audit"];

    /// <summary>Copies <paramref name="source"/> into the empty <paramref name="destination"/> and returns what was copied.</summary>
    /// <param name="actor">Who asked, for the <see cref="AuditKinds.StoreCopy"/> event ("operator:&lt;user&gt;").</param>
    /// <param name="tableCopied">Called after each table with its name and row count, inside the copy (before the commit).</param>
    /// <exception cref="StoreCopyException">Refused or failed; the destination was left as it was.</exception>
    public static async Task<StoreCopyResult> RunAsync(ICaStore source, ICaStore destination, string actor,
        Func<string, long, Task>? tableCopied = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(actor);
        ICopyableStore from = Copyable(source);
        ICopyableStore to = Copyable(destination);
        // Two in-memory stores share a description but are private to each instance: different stores.
        if (ReferenceEquals(source, destination)
            || (source.Description == destination.Description && !source.Description.EndsWith(":memory:", StringComparison.Ordinal)))
        {
            throw new StoreCopyException($"the source and the destination are the same store ({source.Description})");
        }

        string step = "opening the destination's write transaction";
        try
        {
            await using IStoreImport import = await to.BeginImportAsync(cancellationToken).ConfigureAwait(false);
            if (!import.Contents.IsEmpty)
            {
                throw new StoreCopyException(
                    $"{destination.Description} is not empty (it holds {import.Contents.Describe()}): a copy goes only into a new, empty store; nothing was written");
            }

            StoreContents copied;
            var sourceChain = new AuditChainVerifier(wholeLog: true);
            step = "opening the source's read snapshot";
            await using (IStoreSnapshot snapshot = await from.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false))
            {
                copied = snapshot.Contents;
                if (copied.SchemaVersion != import.Contents.SchemaVersion)
                {
                    throw new StoreCopyException(
                        $"{source.Description} is at schema version {copied.SchemaVersion} and {destination.Description} at {import.Contents.SchemaVersion}: " +
                        "open both with the same tlsgw build first; nothing was written");
                }

                async Task TableAsync(string table, string what, Func<Task<long>> write)
                {
                    step = "copying " + what;
                    long rows = await write().ConfigureAwait(false);
                    if (tableCopied is not null)
                    {
                        await tableCopied(table, rows).ConfigureAwait(false);
                    }
                }

                await TableAsync("generations", "generations",
                    () => import.WriteGenerationsAsync(snapshot.ReadGenerationsAsync(cancellationToken), cancellationToken)).ConfigureAwait(false);
                await TableAsync("certificates", "certificates",
                    () => import.WriteCertificatesAsync(snapshot.ReadCertificatesAsync(cancellationToken), cancellationToken)).ConfigureAwait(false);
                await TableAsync("bootstrap_tokens", "bootstrap tokens",
                    () => import.WriteBootstrapTokensAsync(snapshot.ReadBootstrapTokensAsync(cancellationToken), cancellationToken)).ConfigureAwait(false);
                await TableAsync("audit", "the audit log",
                    () => import.WriteAuditAsync(Verified(snapshot.ReadAuditAsync(cancellationToken), sourceChain, cancellationToken), cancellationToken))
                    .ConfigureAwait(false);
                step = "copying the CRL number";
                await import.SetCrlNumberAsync(copied.CrlNumber, cancellationToken).ConfigureAwait(false);
            }

            if (copied.AuditEvents > 0 && sourceChain.Result.FirstBreak is { } sourceBreak)
            {
                // Copied verbatim, a broken chain would fail `audit verify` on the destination too, and
                // the copy would bury where it broke under a move; the operator should see it first.
                throw new StoreCopyException(
                    $"the audit chain of {source.Description} is broken at event {sourceBreak.Sequence} ({sourceBreak.Message}); " +
                    "run `tlsgw audit verify` on it and investigate before moving it; nothing was written");
            }

            step = "verifying the destination";
            await VerifyDestinationAsync(import, copied, destination.Description, cancellationToken).ConfigureAwait(false);

            step = "checking the source did not change";
            StoreContents now = await from.ReadContentsAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> moved = copied.Differences(now, "when the copy began", "now");
            if (moved.Count > 0)
            {
                throw new StoreCopyException(
                    $"{source.Description} changed during the copy ({string.Join("; ", moved)}): stop every CA process that writes to it " +
                    "(tlsgw ca serve, up, serve, other replicas) and copy again; nothing was written");
            }

            step = "recording the copy in the destination's audit log";
            AuditEvent recorded = await import.AppendAuditAsync(
                new AuditEntry(AuditKinds.StoreCopy, actor, destination.Description,
                    $"copied from {source.Description}: {copied.Describe()}; audit events 1-{copied.LastAuditSequence} are the source's, verbatim"),
                cancellationToken).ConfigureAwait(false);
            step = "committing";
            await import.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new StoreCopyResult(source.Description, destination.Description, copied, recorded);
        }
        catch (Exception e) when (e is DbException or StoreException or InvalidOperationException or TimeoutException or IOException)
        {
            throw new StoreCopyException(
                $"copying {source.Description} to {destination.Description} failed while {step}: {e.Message}; nothing was committed, the destination is as it was", e);
        }
    }

    private static ICopyableStore Copyable(ICaStore store) =>
        store as ICopyableStore ?? throw new ArgumentException($"{store.GetType().Name} cannot be copied: it is neither a SQLite nor a PostgreSQL store", nameof(store));

    /// <summary>Passes the events through unchanged, checking each link of the source's chain on the way.</summary>
    private static async IAsyncEnumerable<AuditEvent> Verified(IAsyncEnumerable<AuditEvent> events, AuditChainVerifier verifier,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (AuditEvent auditEvent in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            verifier.Add(auditEvent);
            yield return auditEvent;
        }
    }

    /// <summary>
    /// Reads back, inside the import's transaction, what the destination now holds. The chain is
    /// recomputed from the rows as stored, which also catches a field the destination stored
    /// differently from how the source hashed it (a time or text that did not survive the trip).
    /// </summary>
    private static async Task VerifyDestinationAsync(IStoreImport import, StoreContents copied, string destination, CancellationToken cancellationToken)
    {
        StoreContents written = await import.ReadContentsAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> differences = copied.Differences(written, "in the source", "in the destination");
        if (differences.Count > 0)
        {
            throw new StoreCopyException($"{destination} does not hold what was copied ({string.Join("; ", differences)}); nothing was committed");
        }

        if (copied.AuditEvents == 0)
        {
            return;
        }

        AuditVerification chain = await AuditChain.VerifyAsync(import.ReadAuditAsync(cancellationToken), cancellationToken, wholeLog: true).ConfigureAwait(false);
        if (chain.FirstBreak is { } broken)
        {
            throw new StoreCopyException(
                $"the copied audit chain does not verify on {destination} at event {broken.Sequence} ({broken.Message}); nothing was committed");
        }
    }
}
