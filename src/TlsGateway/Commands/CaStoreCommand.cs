using System.CommandLine;
using TlsGateway.Ca;
using TlsGateway.Host.Admin;
using TlsGateway.Storage;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw ca store copy`: moves a CA to another store (SQLite to PostgreSQL when one CA becomes
/// several replicas) without losing its ledger, tokens or audit history. The copy itself is
/// <see cref="CaStoreCopy"/>; this command picks the stores, reports, and with --switch records
/// the new store in DIR/ca/ca.json.
/// </summary>
/// <remarks>
/// Non-goal: stopping the CA processes that write to the source. A CLI cannot stop them; the
/// copy detects a source that changed while it ran and fails instead.
/// </remarks>
internal static class CaStoreCommand
{
    public static Command Create(CaContext.Options options) => new("store", "Move the CA to another store (e.g. from SQLite to PostgreSQL)")
    {
        Copy(options),
    };

    private static Command Copy(CaContext.Options options)
    {
        var to = new Option<string>("--to")
        {
            Description = "Destination store, which must be empty: postgres://user@host:port/db (password from PGPASSWORD or ~/.pgpass), an Npgsql connection string, or a SQLite path",
            Required = true,
        };
        var switchStore = new Option<bool>("--switch") { Description = "After the copy, record the destination as the CA's store in DIR/ca/ca.json" };
        var command = new Command("copy", """
            Copy everything the CA's store holds into a new, empty store: generations, the certificate ledger, the CRL number, bootstrap tokens, and the audit log verbatim (same sequence numbers, times and hashes), then one store-copy audit event.
            Stop every CA process that writes to the store first (ca serve, up, serve, other replicas): this command cannot stop them. The source is read in one snapshot and never written; the destination is written in one transaction and checked (row counts, CRL number, audit chain) before it commits. If anything fails, or the source changed during the copy, nothing is committed.
            Exit codes: 0 copied; 1 refused or failed (destination not empty, source changed, a row rejected); 2 bad input or setup.
            Examples:
              PGPASSWORD=... tlsgw ca store copy --data ./data --to postgres://ca@db:5432/tlsgw --switch
              tlsgw audit verify --data ./data && tlsgw cert list --all --data ./data
            """)
        {
            to, switchStore,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            CaLayout layout = options.Layout(result);
            CaSettings settings = CaSettings.Load(layout);
            string source = options.StoreLocation(result, layout, settings);
            string destination = result.GetValue(to)!;
            bool switching = result.GetValue(switchStore);
            CheckLocations(source, destination, switching, layout);

            await using ICaStore from = CaStore.Open(source);
            await using ICaStore into = CaStore.Open(destination);
            bool json = result.GetValue(options.Json);
            StoreCopyResult copied;
            try
            {
                copied = await CaStoreCopy.RunAsync(from, into, CaCaller.CurrentOperator.Name, json ? null : ReportTableAsync, cancellationToken);
            }
            catch (StoreCopyException e)
            {
                Console.Error.WriteLine($"tlsgw: {EffectiveConfig.RedactUrlPassword(e.Message)}");
                return CaContext.ExitCodes.Refused;
            }

            string? recorded = null;
            if (switching)
            {
                // A SQLite destination is recorded as its absolute path, so the CA finds it from any working directory.
                recorded = CaStore.IsPostgres(destination) ? destination : into.Description;
                try
                {
                    (settings with { Store = recorded }).Save(layout);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"tlsgw: copied to {into.Description}, but {layout.Settings} could not be rewritten ({e.Message}); the CA still uses {from.Description}");
                    return CaContext.ExitCodes.Refused;
                }
            }

            Report(copied, json, layout.Settings, switched: recorded is not null);
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Refuses, before any store is opened, what would leak a password or open something unintended.</summary>
    private static void CheckLocations(string source, string destination, bool switching, CaLayout layout)
    {
        // A mistyped scheme ("postgress://") would otherwise become a SQLite file named after the
        // URL, password and all; the message does not repeat the location for the same reason.
        if (destination.Contains("://", StringComparison.Ordinal) && !CaStore.IsPostgres(destination))
        {
            throw new FormatException("--to: only postgres:// and postgresql:// URLs name stores; give a SQLite store as a path or sqlite:PATH");
        }

        if (switching && CaStore.HasPassword(destination))
        {
            throw new FormatException(
                $"--to carries a password, and --switch would write it into {layout.Settings}: leave it out of the location and give it through PGPASSWORD or ~/.pgpass");
        }

        if (!CaStore.IsPostgres(source))
        {
            string path = source.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) ? source["sqlite:".Length..] : source;
            path = Directory.Exists(path) ? Path.Combine(path, SqliteCaStore.DefaultFileName) : path;
            if (!File.Exists(path))
            {
                // Opening a missing SQLite store would create an empty one and copy nothing.
                throw new CaException($"no CA store at {path}; pass --store with the store the CA uses");
            }
        }
    }

    private static Task ReportTableAsync(string table, long rows)
    {
        // Progress on stderr: a large ledger takes a while, and stdout stays the summary.
        Console.Error.WriteLine($"{table}: {rows} rows");
        return Task.CompletedTask;
    }

    private static void Report(StoreCopyResult copied, bool json, string settings, bool switched)
    {
        StoreContents c = copied.Copied;
        if (json)
        {
            TableWriter.WriteJson(Console.Out, new
            {
                source = copied.Source, destination = copied.Destination, generations = c.Generations, certificates = c.Certificates,
                bootstrap_tokens = c.BootstrapTokens, audit_events = c.AuditEvents, crl_number = c.CrlNumber,
                last_audit_hash = Convert.ToHexStringLower(c.LastAuditHash), copy_event = copied.Recorded.Sequence, switched,
            });
            return;
        }

        Console.WriteLine($"copied {copied.Source} to {copied.Destination}:");
        TableWriter.Write(Console.Out, ["WHAT", "COUNT"],
        [
            ["generations", Count(c.Generations)], ["certificates", Count(c.Certificates)], ["bootstrap tokens", Count(c.BootstrapTokens)],
            ["audit events", Count(c.AuditEvents)], ["CRL number", Count(c.CrlNumber)],
        ]);
        Console.WriteLine($"the audit chain verifies on the destination; event {copied.Recorded.Sequence} records the copy.");
        Console.WriteLine(switched
            ? $"{settings} now names {copied.Destination}: restart the CA processes so they open it. {copied.Source} is left as it was; keep it, unused, until you have checked the copy."
            : $"the CA still uses {copied.Source}; to move to the copy, set \"store\" in {settings}, or pass --store to each command.");
    }

    private static string Count(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
