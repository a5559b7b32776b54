using System.CommandLine;
using TlsGateway.Ca;
using TlsGateway.Identity;
using TlsGateway.Sds;
using TlsGateway.Storage;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw ca token create|list`: one-time bootstrap tokens a workload or node agent presents
/// (<c>authorization: Bearer</c>) to the Istio CA API for its first certificate. The token is
/// printed once by `create`; the store keeps only its SHA-256.
/// </summary>
internal static class CaTokenCommand
{
    public static Command Create(CaContext.Options options) => new("token", "Create and list one-time bootstrap (enrolment) tokens for the Istio CA API")
    {
        CreateToken(options), List(options),
    };

    private static Command CreateToken(CaContext.Options options)
    {
        var identity = new Option<string>("--identity") { Description = "SPIFFE ID the token enrols, e.g. spiffe://example.org/ns/shop/sa/web", Required = true };
        var ttl = new Option<string>("--ttl") { Description = "How long the token may be used", DefaultValueFactory = _ => "1h" };
        var command = new Command("create", """
            Create a one-time bootstrap token for an identity and print it (the only time it is shown).
            Example: TOKEN=$(tlsgw ca token create --identity spiffe://example.org/agent/node-1 --ttl 15m)
            """)
        {
            identity, ttl,
        };
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            if (!SpiffeId.TryParse(result.GetValue(identity), out SpiffeId? id, out string? error))
            {
                throw new FormatException($"--identity: {error}");
            }

            TimeSpan lifetime = DurationText.Parse(result.GetValue(ttl)!, "--ttl");
            if (lifetime <= TimeSpan.Zero)
            {
                throw new FormatException("--ttl must be positive");
            }

            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, openKeys: false);
            if (id.TrustDomain != ca.Settings.TrustDomain || !id.IsWorkload)
            {
                throw new FormatException($"--identity: {id} is not a workload ID of trust domain {ca.Settings.TrustDomain}");
            }

            (string token, BootstrapToken stored) = await BootstrapTokens.CreateAsync(ca.Authority, id, lifetime, CaCaller.CurrentOperator,
                cancellationToken: cancellationToken);
            if (result.GetValue(options.Json))
            {
                TableWriter.WriteJson(Console.Out, new { token, id = stored.Id, spiffe_id = stored.SpiffeId, expires_at = stored.ExpiresAt });
                return CaContext.ExitCodes.Ok;
            }

            // The token alone on stdout, for $(…); the explanation on stderr.
            Console.WriteLine(token);
            Console.Error.WriteLine($"bootstrap token {stored.Id} enrols {stored.SpiffeId} once, until {TableWriter.Time(stored.ExpiresAt)}; it is not shown again.");
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CaContext.Options options)
    {
        var command = new Command("list", "List bootstrap tokens (never the tokens themselves): id, identity, expiry, and who used them when");
        options.AddTo(command);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, openKeys: false);
            IReadOnlyList<BootstrapToken> tokens = await ca.Store.ListBootstrapTokensAsync(cancellationToken);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            string State(BootstrapToken t) => t.UsedAt is not null ? "used" : t.ExpiresAt <= now ? "expired" : "unused";
            if (result.GetValue(options.Json))
            {
                TableWriter.WriteJson(Console.Out, tokens.Select(t => new
                {
                    id = t.Id, spiffe_id = t.SpiffeId, state = State(t), created_at = t.CreatedAt, expires_at = t.ExpiresAt,
                    created_by = t.CreatedBy, used_at = t.UsedAt, used_by = t.UsedBy,
                }));
                return CaContext.ExitCodes.Ok;
            }

            TableWriter.Write(Console.Out, ["ID", "IDENTITY", "STATE", "EXPIRES", "USED"],
                tokens.Select(t => (IReadOnlyList<string>)
                [
                    t.Id, t.SpiffeId, State(t), TableWriter.Time(t.ExpiresAt), t.UsedAt is { } at ? $"{TableWriter.Time(at)} by {t.UsedBy}" : "-",
                ]));
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }
}
