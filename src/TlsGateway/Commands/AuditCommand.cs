using System.CommandLine;
using System.Text.Json;
using TlsGateway.Storage;

namespace TlsGateway.Host.Commands;

/// <summary>`tlsgw audit verify|export`: check and read the CA's hash-chained audit log.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var options = new CaContext.Options();
        return new Command("audit", "Verify and export the CA's tamper-evident audit log") { Verify(options), Export(options) };
    }

    private static Command Verify(CaContext.Options options)
    {
        var command = new Command("verify", """
            Recompute every link of the audit hash chain; exit 1 and name the first broken link if any event was altered, removed or reordered.
            Example: tlsgw audit verify --data ./data
            """);
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using ICaStore store = OpenStore(options, result);
            AuditVerification verification = await AuditChain.VerifyAsync(store.ReadAuditAsync(1, cancellationToken), cancellationToken, wholeLog: true);
            if (result.GetValue(options.Json))
            {
                TableWriter.WriteJson(Console.Out, new
                {
                    ok = verification.Ok, events = verification.Count,
                    first_break = verification.FirstBreak is { } b ? new { sequence = b.Sequence, kind = b.Kind, message = b.Message } : null,
                });
            }
            else if (verification.FirstBreak is { } broken)
            {
                Console.WriteLine($"audit chain BROKEN at event {broken.Sequence} ({broken.Kind}): {broken.Message}");
            }
            else
            {
                Console.WriteLine($"audit chain intact: {verification.Count} events");
            }

            return verification.Ok ? CaContext.ExitCodes.Ok : CaContext.ExitCodes.Refused;
        });
        return command;
    }

    private static Command Export(CaContext.Options options)
    {
        var from = new Option<long>("--from") { Description = "First sequence number to export", DefaultValueFactory = _ => 1 };
        var command = new Command("export", """
            Write audit events as JSON lines (sequence, time, kind, actor, subject, detail, prev_hash, hash), oldest first.
            Example: tlsgw audit export --from 1000 > audit.jsonl
            """)
        {
            from,
        };
        options.AddTo(command, json: false);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using ICaStore store = OpenStore(options, result);
            await foreach (AuditEvent e in store.ReadAuditAsync(result.GetValue(from), cancellationToken))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    sequence = e.Sequence, time = e.Time, kind = e.Kind, actor = e.Actor, subject = e.Subject, detail = e.Detail,
                    prev_hash = Convert.ToHexStringLower(e.PreviousHash), hash = Convert.ToHexStringLower(e.Hash),
                }));
            }

            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    // The audit log needs no CA keys: open only the store, so verification works even when the
    // key passphrase is not at hand (an auditor's machine).
    private static ICaStore OpenStore(CaContext.Options options, ParseResult result)
    {
        Ca.CaLayout layout = options.Layout(result);
        Ca.CaSettings? settings = File.Exists(layout.Settings) ? Ca.CaSettings.Load(layout) : null;
        string location = options.StoreLocation(result, layout, settings);
        if (settings is null && result.GetValue(options.Store) is null && !File.Exists(location))
        {
            throw new Ca.CaException($"no CA store in {layout.DataDirectory}; pass --data DIR or --store");
        }

        return CaStore.Open(location);
    }
}
