using Microsoft.Data.Sqlite;
using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Storage.Tests;

/// <summary>The store contract on a SQLite file in a fresh temp directory, plus what only SQLite has.</summary>
public sealed class SqliteCaStoreTests : CaStoreContract
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.PathOf(SqliteCaStore.DefaultFileName);

    protected override ICaStore OpenStore() => CaStore.Open("sqlite:" + DatabasePath);

    protected override async Task ExecuteSqlAsync(string sql)
    {
        await using SqliteConnection connection = Connect();
        await using SqliteCommand command = new(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task<long> QueryScalarAsync(string sql)
    {
        await using SqliteConnection connection = Connect();
        await using SqliteCommand command = new(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task The_database_file_and_its_write_ahead_log_are_created_readable_by_the_owner_only()
    {
        ICaStore store = Open();
        await store.AppendAuditAsync(TestData.Entry(AuditKinds.Init, "ca"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath + "-wal"));
    }

    [Fact]
    public async Task An_issuance_whose_caller_gave_up_while_another_process_held_the_database_is_not_recorded()
    {
        ICaStore store = Open();
        await store.AppendAuditAsync(TestData.Entry(AuditKinds.Init, "ca"));
        IssuedCertificate certificate = TestData.Certificate();

        // Another process holds the write lock; the caller's deadline passes while the store waits for it.
        await using (SqliteConnection other = Connect())
        {
            await using (SqliteCommand begin = new("BEGIN EXCLUSIVE", other))
            {
                await begin.ExecuteNonQueryAsync();
            }

            // SQLite's busy wait blocks the writing thread: run the write on its own, as a CA request would be.
            // The deadline passes before the lock is released, whatever the load: a timer-driven
            // cancellation (CancelAfter) can run late on a starved thread pool, after the commit.
            using var deadline = new CancellationTokenSource();
            Task recording = Task.Run(() => store.RecordIssuanceAsync(certificate, TestData.Issue(certificate), deadline.Token));
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            deadline.Cancel();
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            await using (SqliteCommand commit = new("COMMIT", other))
            {
                await commit.ExecuteNonQueryAsync();
            }

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => recording);
        }

        Assert.Null(await store.FindCertificateAsync(certificate.Serial));
        AuditVerification audit = await AuditChain.VerifyAsync(store.ReadAuditAsync());
        Assert.True(audit.Ok);
        Assert.Equal(1, audit.Count); // the init entry only: no issue event for the abandoned row
    }

    [Fact]
    public async Task A_directory_location_holds_tlsgw_db_and_the_description_names_the_file()
    {
        await using ICaStore store = CaStore.Open(_directory.Path);

        Assert.IsType<SqliteCaStore>(store);
        Assert.Equal("sqlite:" + DatabasePath, store.Description);
        Assert.True(File.Exists(DatabasePath));
    }

    [Fact]
    public async Task The_file_is_in_write_ahead_log_mode()
    {
        Open();

        await using SqliteConnection connection = Connect();
        await using SqliteCommand command = new("PRAGMA journal_mode", connection);
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public void A_location_that_cannot_be_created_throws_a_store_exception_naming_the_store()
    {
        File.WriteAllText(_directory.PathOf("not-a-directory"), "");
        string path = _directory.PathOf("not-a-directory/ca/tlsgw.db");

        var error = Assert.Throws<StoreException>(() => CaStore.Open(path));

        Assert.StartsWith($"cannot open CA store sqlite:{path}: ", error.Message);
    }

    [Fact]
    public async Task In_memory_stores_are_private_to_each_instance_and_run_the_same_schema()
    {
        await using ICaStore first = CaStore.Open("sqlite::memory:");
        await using ICaStore second = SqliteCaStore.OpenInMemory();
        IssuedCertificate certificate = TestData.Certificate();

        await first.RecordIssuanceAsync(certificate, TestData.Issue(certificate));

        Assert.Equal("sqlite::memory:", first.Description);
        Assert.NotNull(await first.FindCertificateAsync(certificate.Serial));
        Assert.Null(await second.FindCertificateAsync(certificate.Serial));
        Assert.True((await AuditChain.VerifyAsync(first.ReadAuditAsync())).Ok);
    }

    [Fact]
    public async Task A_store_used_after_dispose_throws_object_disposed()
    {
        ICaStore store = OpenStore();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.NextCrlNumberAsync());
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return connection;
    }
}
