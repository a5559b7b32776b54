using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, written through one connection.
/// </summary>
/// <remarks>
/// Every call takes <see cref="_gate"/>, so this process has one writer and the prepared commands
/// are never shared between threads. Each write runs in <c>BEGIN IMMEDIATE</c>, which takes
/// SQLite's write lock before the audit head is read, so the head read and the append cannot
/// interleave with another writer (another process on the same file included).
/// <c>synchronous=NORMAL</c> in WAL mode can lose the last commits on power loss but never
/// corrupts the file or the chain; that is the trade for issuing thousands of leaves a second.
/// Non-goal: concurrent readers inside one process; the CA's reads are rare and short.
/// </remarks>
public sealed partial class SqliteCaStore : ICaStore
{
    /// <summary>The file name used when the location given is a directory.</summary>
    public const string DefaultFileName = "tlsgw.db";

    private const int AuditPageSize = 512;
    private const int BusyTimeoutMilliseconds = 10_000;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IssuanceQueue _issuances = new();
    private readonly TimeProvider _timeProvider;
    private readonly SqliteStatements _statements;
    private bool _disposed;

    private SqliteCaStore(SqliteConnection connection, string description, TimeProvider timeProvider)
    {
        _connection = connection;
        _timeProvider = timeProvider;
        _statements = new SqliteStatements(connection);
        Description = description;
    }

    public string Description { get; }

    /// <summary>
    /// Opens (creating and migrating as needed) the store at <paramref name="path"/>: a file, or a
    /// directory to hold <see cref="DefaultFileName"/>. A new file is created with mode 0600.
    /// </summary>
    /// <exception cref="StoreException">The file cannot be created, opened or migrated.</exception>
    public static SqliteCaStore Open(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath) || path.EndsWith('/'))
        {
            fullPath = Path.Combine(fullPath, DefaultFileName);
        }

        string description = "sqlite:" + fullPath;
        SqliteConnection? connection = null;
        try
        {
            CreatePrivateFile(fullPath);
            var builder = new SqliteConnectionStringBuilder
            {
                DataSource = fullPath,
                Mode = SqliteOpenMode.ReadWrite,
                Pooling = false,
                // Microsoft.Data.Sqlite retries a busy database on its own until the command
                // timeout (30 s by default), on top of busy_timeout: keep both at the one documented wait.
                DefaultTimeout = BusyTimeoutMilliseconds / 1000,
            };
            connection = new SqliteConnection(builder.ConnectionString);
            connection.Open();
            Pragma(connection, "journal_mode=WAL");
            Pragma(connection, "synchronous=NORMAL");
            Pragma(connection, $"busy_timeout={BusyTimeoutMilliseconds}");
            SqliteMigrations.Apply(connection);
            return new SqliteCaStore(connection, description, timeProvider ?? TimeProvider.System);
        }
        catch (Exception exception) when (exception is SqliteException or IOException or UnauthorizedAccessException or StoreException)
        {
            connection?.Dispose();
            throw new StoreException($"cannot open CA store {description}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// A private store in memory, gone on dispose: the test fake for everything built on the
    /// store, running the very SQL the file store runs.
    /// </summary>
    public static SqliteCaStore OpenInMemory(TimeProvider? timeProvider = null)
    {
        var connection = new SqliteConnection("Data Source=:memory:;Pooling=False");
        connection.Open();
        SqliteMigrations.Apply(connection);
        return new SqliteCaStore(connection, "sqlite::memory:", timeProvider ?? TimeProvider.System);
    }

    public async Task RecordIssuanceAsync(IssuedCertificate certificate, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.Check(certificate);
        StoreArguments.Check(audit);
        IssuanceQueue.Pending pending = _issuances.Enqueue(certificate, audit, cancellationToken);
        try
        {
            await EnterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!pending.TryCancel())
        {
            // Another caller's commit already took this row; its outcome is this call's outcome.
            await pending.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            // A previous holder of the gate may have committed this row already; otherwise keep
            // committing batches until this row's has gone (more than one batch may be queued
            // ahead of it, and their callers may have left).
            while (!pending.Task.IsCompleted)
            {
                CommitQueuedIssuances();
            }
        }
        finally
        {
            _gate.Release();
        }

        await pending.Task.ConfigureAwait(false);
    }

    /// <summary>Commits every queued issuance in one <c>BEGIN IMMEDIATE</c> transaction (see <see cref="IssuanceQueue"/>).</summary>
    private void CommitQueuedIssuances()
    {
        List<IssuanceQueue.Pending> batch = _issuances.TakeBatch();
        var committed = new List<IssuanceQueue.Pending>(batch.Count);
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            foreach (IssuanceQueue.Pending pending in batch)
            {
                // BEGIN IMMEDIATE may have waited out another process's lock (up to the busy
                // timeout): a caller whose deadline passed meanwhile gets no certificate, so none
                // is recorded as issued to it.
                if (pending.Cancellation.IsCancellationRequested)
                {
                    pending.Fail(new OperationCanceledException("the caller gave up before the ledger could be written", pending.Cancellation));
                    continue;
                }

                // ON CONFLICT DO NOTHING: a duplicate writes nothing and leaves the transaction usable.
                if (_statements.InsertCertificate(transaction, pending.Certificate))
                {
                    AppendAudit(transaction, pending.Audit);
                    committed.Add(pending);
                }
                else
                {
                    pending.Fail(new DuplicateSerialException(pending.Certificate.Serial));
                }
            }

            transaction.Commit();
        }
        catch (Exception e)
        {
            // Disposing the transaction rolled it back: nothing of the batch remains, so every
            // row taken fails (those already failed as duplicates keep that outcome).
            Exception failure = e is SqliteException sqlite ? Failed(sqlite) : e;
            batch.ForEach(p => p.Fail(failure));
            return;
        }

        committed.ForEach(p => p.Succeed());
    }

    public async Task<IssuedCertificate?> FindCertificateAsync(string serial, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(serial);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _statements.FindCertificate(serial);
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<LiveCertificates> CountLiveCertificatesAsync(int generation, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*), MAX(not_after) FROM certificates WHERE generation = @generation AND not_after > @now";
            command.Parameters.AddWithValue("@generation", generation);
            command.Parameters.AddWithValue("@now", now.ToUnixTimeMilliseconds());
            using SqliteDataReader reader = command.ExecuteReader();
            reader.Read();
            int count = reader.GetInt32(0);
            return new LiveCertificates(count, count == 0 ? null : StoreTime.FromUnixMilliseconds(reader.GetInt64(1)));
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<IssuedCertificate>> ListCertificatesAsync(CertificateQuery query, CancellationToken cancellationToken = default)
    {
        StoreArguments.Check(query);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _connection.CreateCommand();
            (string where, List<KeyValuePair<string, object>> parameters) =
                CertificateQuerySql.Build(query, status => (int)status, time => time.ToUnixTimeMilliseconds());
            foreach ((string name, object value) in parameters)
            {
                command.Parameters.AddWithValue("@" + name, value);
            }

            command.CommandText = $"SELECT {SqliteRows.CertificateColumns} FROM certificates{where} ORDER BY not_after, serial LIMIT @limit";
            command.Parameters.AddWithValue("@limit", query.Limit);
            var certificates = new List<IssuedCertificate>();
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                certificates.Add(SqliteRows.ReadCertificate(reader));
            }

            return certificates;
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<string>> RevokeAsync(IReadOnlyList<string> serials, RevocationReason reason, DateTimeOffset revokedAt, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        string[] distinct = StoreArguments.Distinct(serials);
        StoreArguments.Check(audit);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            var changed = new List<string>();
            foreach (string serial in distinct)
            {
                if (_statements.Revoke(transaction, serial, reason, StoreTime.Truncate(revokedAt)))
                {
                    changed.Add(serial);
                }
            }

            // The request is audited even when nothing changed: a repeated revocation is still an act.
            AppendAudit(transaction, audit);
            transaction.Commit();
            return changed;
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<CaGeneration>> ListGenerationsAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _statements.ListGenerations(null);
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<CaGeneration> SaveGenerationAsync(CaGeneration generation, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.Check(generation);
        StoreArguments.Check(audit);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            int id = _statements.SaveGeneration(transaction, generation);
            AppendAudit(transaction, audit);
            CaGeneration stored = _statements.ListGenerations(transaction).Single(g => g.Id == id);
            transaction.Commit();
            return stored;
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<long> NextCrlNumberAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _statements.NextCrlNumber();
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<AuditEvent> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        StoreArguments.Check(entry);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            AuditEvent appended = AppendAudit(transaction, entry);
            transaction.Commit();
            return appended;
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async IAsyncEnumerable<AuditEvent> ReadAuditAsync(long fromSequence = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Page by page, releasing the gate between pages, so a caller that writes to the store
        // while iterating cannot deadlock against its own read. The log is append-only, so pages
        // read at different moments still join into one consistent prefix.
        long next = fromSequence;
        while (true)
        {
            IReadOnlyList<AuditEvent> page;
            await EnterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                page = _statements.ReadAudit(next, AuditPageSize);
            }
            catch (SqliteException e)
            {
                throw Failed(e);
            }
            finally
            {
                _gate.Release();
            }

            foreach (AuditEvent auditEvent in page)
            {
                yield return auditEvent;
            }

            if (page.Count < AuditPageSize)
            {
                yield break;
            }

            next = page[^1].Sequence + 1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _statements.Dispose();
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private AuditEvent AppendAudit(SqliteTransaction transaction, AuditEntry entry)
    {
        (long sequence, byte[] previousHash) = _statements.ReadAuditHead(transaction);
        DateTimeOffset time = StoreTime.Now(_timeProvider);
        byte[] hash = AuditChain.ComputeHash(previousHash, sequence, time, entry.Kind, entry.Actor, entry.Subject, entry.Detail);
        var appended = new AuditEvent(sequence, time, entry.Kind, entry.Actor, entry.Subject, entry.Detail, previousHash, hash);
        _statements.InsertAudit(transaction, appended);
        return appended;
    }

    /// <summary>
    /// A failure of the database under a running CA ("database is locked" once busy_timeout has
    /// passed, "database or disk is full", an I/O error), named with the store, as every caller
    /// expects of a store: the CA counts it, the CA API answers UNAVAILABLE, an agent retries.
    /// </summary>
    private StoreException Failed(SqliteException e) => new($"CA store {Description} failed: {e.Message}", e);

    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_disposed)
        {
            _gate.Release();
            throw new ObjectDisposedException(Description);
        }
    }

    /// <summary>
    /// Creates the file with mode 0600 before SQLite sees it, because SQLite would create it with
    /// the process umask; SQLite gives the -wal and -shm files the database file's mode.
    /// </summary>
    private static void CreatePrivateFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        string? directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using FileStream stream = new(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first; that process set the mode.
        }
    }

    private static void Pragma(SqliteConnection connection, string pragma)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + pragma;
        command.ExecuteNonQuery();
    }
}
