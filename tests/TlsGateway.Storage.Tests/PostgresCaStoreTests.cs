using System.Net;
using System.Net.Sockets;
using Npgsql;
using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Storage.Tests;

/// <summary>The store contract on a fresh database of the shared throwaway PostgreSQL cluster.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCaStoreTests(PostgresServer server) : CaStoreContract
{
    private string _uri = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _uri = await server.CreateDatabaseAsync();
    }

    protected override ICaStore OpenStore() => CaStore.Open(_uri);

    protected override Task ExecuteSqlAsync(string sql) => PostgresServer.ExecuteAsync(_uri, sql);

    protected override async Task<long> QueryScalarAsync(string sql)
    {
        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(PostgresConnectionString.Parse(_uri));
        await using NpgsqlCommand command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void The_description_names_user_host_port_and_database_but_never_the_password()
    {
        ICaStore store = Open();

        Assert.IsType<PostgresCaStore>(store);
        Assert.Matches($"^postgres://{PostgresServer.User}@127\\.0\\.0\\.1:{server.Port}/store_\\d+$", store.Description);
        Assert.DoesNotContain(PostgresServer.Password, store.Description);
    }

    [Fact]
    public async Task A_plain_npgsql_connection_string_opens_the_same_database()
    {
        ICaStore viaUri = Open();
        await viaUri.AppendAuditAsync(TestData.Entry(AuditKinds.Init, "ca"));
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(_uri);

        await using ICaStore viaConnectionString = CaStore.Open(builder.ConnectionString);

        Assert.Equal(viaUri.Description, viaConnectionString.Description);
        Assert.Single(await ReadAllAuditAsync(viaConnectionString));
    }

    [Fact]
    public void An_unreachable_database_throws_a_store_exception_naming_it_without_the_password()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var error = Assert.Throws<StoreException>(() => CaStore.Open($"postgresql://ca:{PostgresServer.Password}@127.0.0.1:{closedPort}/ca?connect_timeout=3"));

        Assert.StartsWith($"cannot open CA store postgres://ca@127.0.0.1:{closedPort}/ca: ", error.Message);
        Assert.DoesNotContain(PostgresServer.Password, error.Message);
    }
}
