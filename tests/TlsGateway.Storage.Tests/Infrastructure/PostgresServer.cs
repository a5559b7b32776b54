using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace TlsGateway.Storage.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for the test run: initdb into a temp directory, a server on
/// a free loopback port with its socket in that directory, a fresh database per test, and a
/// fast shutdown at the end. Durability is switched off because the cluster is thrown away.
/// PostgreSQL refuses to run as root, so as root the cluster belongs to the "postgres" user.
/// Missing binaries fail the tests (never skip them): install them with
/// <c>scripts/install-deps.sh test</c>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string User = "tlsgw";

    /// <summary>Sent in every URI so tests can check it never leaks; the cluster trusts loopback.</summary>
    public const string Password = "pw-must-not-leak";

    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory = new("tlsgw-pg-");
    private readonly StringBuilder _serverLog = new();
    private Process? _server;
    private int _databaseCount;

    public int Port { get; private set; }

    private string DataDirectory => _directory.PathOf("data");

    private static bool RunAsPostgresUser => Environment.IsPrivilegedProcess;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "postgres")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 server binaries are missing ({BinDirectory}/postgres); the PostgreSQL store tests need them. Run scripts/install-deps.sh test.");
        }

        if (RunAsPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", _directory.Path]);
        }

        await RunToolAsync("initdb", ["-D", DataDirectory, "-U", User, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        Port = FreeLoopbackPort();
        _server = StartServer();
        await WaitUntilReadyAsync();
    }

    /// <summary>
    /// Stops the server with <c>pg_ctl stop -m MODE</c> — "fast" (what a service restart does) rolls
    /// back open transactions and disconnects every client; "immediate" is a crash, and with this
    /// cluster's synchronous_commit=off it may lose the last acknowledged commits — and after
    /// <paramref name="downFor"/> starts it again on the same port and data.
    /// </summary>
    public async Task RestartAsync(TimeSpan downFor, string mode = "fast")
    {
        await RunToolAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", mode, "-w"]);
        await _server!.WaitForExitAsync();
        _server.Dispose();
        await Task.Delay(downFor);
        _server = StartServer();
        await WaitUntilReadyAsync();
    }

    private Process StartServer() => Start(
        Tool("postgres"),
        [
            "-D", DataDirectory, "-k", _directory.Path, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ]);

    /// <summary>Creates an empty database and returns a URI for it, password included.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = "store_" + Interlocked.Increment(ref _databaseCount);
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"postgres://{User}:{Password}@127.0.0.1:{Port}/{name}?sslmode=disable";
    }

    /// <summary>Runs SQL directly against a database, behind the store's back.</summary>
    public static async Task ExecuteAsync(string uri, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgresConnectionString.Parse(uri));
        await using NpgsqlCommand command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            try
            {
                await RunToolAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w"]);
            }
            catch (InvalidOperationException)
            {
                // pg_ctl failed; stop our own server process directly instead.
                _server.Kill(entireProcessTree: true);
            }

            await _server.WaitForExitAsync();
            _server.Dispose();
        }

        _directory.Dispose();
    }

    private string AdminConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username={User};Database=postgres;Pooling=false;Timeout=5";

    private async Task WaitUntilReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_server!.HasExited)
            {
                throw new InvalidOperationException($"postgres exited with code {_server.ExitCode} while starting:\n{ServerLog()}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or SocketException)
            {
                if (clock.Elapsed > s_startTimeout)
                {
                    throw new InvalidOperationException($"postgres did not accept connections within {s_startTimeout}:\n{ServerLog()}", exception);
                }
            }

            await Task.Delay(100);
        }
    }

    private string ServerLog()
    {
        lock (_serverLog)
        {
            return _serverLog.ToString();
        }
    }

    private static string Tool(string name) => Path.Combine(BinDirectory, name);

    private static Task RunToolAsync(string name, string[] arguments) => RunAsync(Tool(name), arguments, RunAsPostgresUser);

    private static async Task RunAsync(string fileName, string[] arguments, bool asPostgresUser = false)
    {
        using Process process = Process.Start(StartInfo(fileName, arguments, asPostgresUser))!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with code {process.ExitCode}:\n{await output}{await error}");
        }
    }

    private Process Start(string fileName, string[] arguments)
    {
        Process process = Process.Start(StartInfo(fileName, arguments, RunAsPostgresUser))!;
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void AppendLog(string? line)
    {
        if (line is not null)
        {
            lock (_serverLog)
            {
                _serverLog.AppendLine(line);
            }
        }
    }

    private static ProcessStartInfo StartInfo(string fileName, string[] arguments, bool asPostgresUser)
    {
        var info = new ProcessStartInfo
        {
            FileName = asPostgresUser ? "runuser" : fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgresUser)
        {
            foreach (string argument in new[] { "-u", "postgres", "--", fileName })
            {
                info.ArgumentList.Add(argument);
            }
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
