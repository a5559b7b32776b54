using Grpc.Core;
using Microsoft.Extensions.Logging;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>What state-of-the-world, delta and fetch requests have in common: type checks, access checks and versions.</summary>
internal static class SubscriptionRules
{
    private static readonly Task Never = new TaskCompletionSource().Task;

    public static void CheckTypeUrl(string typeUrl)
    {
        // Envoy sets the type on every request; an empty one on a later request means "same as before".
        if (typeUrl.Length > 0 && typeUrl != SecretNames.SecretTypeUrl)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"this is the Secret Discovery Service: type_url must be {SecretNames.SecretTypeUrl}, not '{SafeText.Of(typeUrl)}'"));
        }
    }

    public static SecretCell Resolve(SecretCatalog catalog, SdsCaller caller, string name, ILogger logger)
    {
        (SecretCell? cell, string? refusal) = catalog.Resolve(caller, name);
        if (cell is not null)
        {
            return cell;
        }

        catalog.Stats.Denied();
        SdsLog.Denied(logger, $"{caller}: {refusal}");
        // One answer for "no such secret" and "not yours", so a caller cannot map what exists.
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"this caller may not read '{SafeText.Of(name)}'"));
    }

    /// <summary>Every cell's current secret, or null while one is not there yet; throws when one was withdrawn.</summary>
    public static IReadOnlyList<SecretResource>? Snapshot(IEnumerable<SecretCell> cells)
    {
        var resources = new List<SecretResource>();
        foreach (SecretCell cell in cells)
        {
            if (cell.Error is string error)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"{cell.Name}: {error}"));
            }

            if (cell.Current is not SecretResource current)
            {
                return null;
            }

            resources.Add(current);
        }

        return resources;
    }

    /// <summary>A response's version: the resource's own, or name=version pairs for several.</summary>
    public static string VersionOf(IReadOnlyList<SecretResource> resources) =>
        resources.Count == 1 ? resources[0].Version : string.Join(';', resources.Select(r => $"{r.Name}={r.Version}"));

    /// <summary>Completes when any of the cells publishes; never when there are none.</summary>
    public static Task AnyChanged(IReadOnlyCollection<SecretCell> cells) =>
        cells.Count switch
        {
            0 => Never,
            1 => cells.First().Changed,
            _ => Task.WhenAny(cells.Select(c => c.Changed)),
        };
}
