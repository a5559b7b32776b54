using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage.Tests.Infrastructure;

/// <summary>
/// Fresh, empty stores of either dialect for one test ("sqlite": a file in a temp directory;
/// "postgres": a new database of the shared throwaway cluster, its URI carrying
/// <see cref="PostgresServer.Password"/>), closed and deleted on dispose.
/// </summary>
public sealed class ScratchStores(PostgresServer server) : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private readonly TempDirectory _directory = new("tlsgw-copy-");
    private readonly List<ICaStore> _opened = [];
    private int _files;

    /// <summary>A new, empty store and the location that opens it again.</summary>
    public async Task<(ICaStore Store, string Location)> CreateAsync(string kind)
    {
        string location = kind switch
        {
            Sqlite => "sqlite:" + _directory.PathOf($"store-{Interlocked.Increment(ref _files)}.db"),
            Postgres => await server.CreateDatabaseAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "sqlite or postgres"),
        };
        return (Open(location), location);
    }

    /// <summary>Another store object on the same database: another connection, as another process would have.</summary>
    public ICaStore Open(string location)
    {
        ICaStore store = CaStore.Open(location);
        _opened.Add(store);
        return store;
    }

    /// <summary>Runs SQL directly against the database, behind the store's back.</summary>
    public static async Task ExecuteAsync(string location, string sql)
    {
        if (location.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            await using var connection = new SqliteConnection($"Data Source={location["sqlite:".Length..]};Pooling=False");
            await connection.OpenAsync();
            await using var command = new SqliteCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
            return;
        }

        await PostgresServer.ExecuteAsync(location, sql);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ICaStore store in _opened)
        {
            await store.DisposeAsync();
        }

        _directory.Dispose();
    }
}
