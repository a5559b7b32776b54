using System.Globalization;
using TlsGateway.Grpc;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// Maps the peer credentials of a Unix-socket caller to an identity: the first rule that
/// matches wins; no match means no identity (the caller is refused, fail closed).
/// </summary>
public sealed class WorkloadPolicy
{
    private static readonly TimeSpan s_userNameLifetime = TimeSpan.FromMinutes(1);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<uint, (string? Name, long ReadAt)> s_userNames = new();

    private readonly IReadOnlyList<WorkloadRule> _rules;
    private readonly IReadOnlyList<IReadOnlySet<string>> _resources;

    public WorkloadPolicy(IReadOnlyList<WorkloadRule> rules)
    {
        foreach (WorkloadRule rule in rules)
        {
            if (rule.Uid is null && rule.Gid is null && rule.User is null && rule.Executable is null)
            {
                throw new FormatException($"the SDS policy rule for {rule.Identity} matches no field (give uid, gid, user or executable)");
            }

            string sample = Expand(rule.Identity, "user", 0);
            if (!SpiffeId.TryParse(sample, out SpiffeId? id, out string? error) || !id.IsWorkload)
            {
                throw new FormatException($"the SDS policy identity '{SafeText.Of(rule.Identity)}' is not a workload SPIFFE ID: {error ?? "it has no path"}");
            }
        }

        _rules = rules;
        _resources = rules.Select(r => (IReadOnlySet<string>)r.Resources.ToHashSet(StringComparer.Ordinal)).ToList();
    }

    /// <summary>`tlsgw up`: the user who started the process gets spiffe://TD/ns/default/sa/USER and the ticket keys.</summary>
    public static WorkloadPolicy ForCurrentUser(string trustDomain, IReadOnlyList<string> extraResources) =>
        new([new WorkloadRule(CurrentUid(), null, null, null, $"{SpiffeId.Scheme}{trustDomain}/ns/default/sa/{{user}}", extraResources)]);

    public SdsCaller? Resolve(PeerCredentials peer)
    {
        string? user = null;
        string? executable = null;
        for (int i = 0; i < _rules.Count; i++)
        {
            WorkloadRule rule = _rules[i];
            if (rule.Uid is uint uid && uid != peer.Uid || rule.Gid is uint gid && gid != peer.Gid)
            {
                continue;
            }

            user ??= CachedUserName(peer.Uid);
            if (rule.User is not null && rule.User != user)
            {
                continue;
            }

            if (rule.Executable is not null && rule.Executable != (executable ??= peer.ReadExecutable()))
            {
                continue; // also when the process is gone or its pid now names another process
            }

            if (!SpiffeId.TryParse(Expand(rule.Identity, user ?? peer.Uid.ToString(CultureInfo.InvariantCulture), peer.Uid), out SpiffeId? id, out _))
            {
                continue; // a user name that cannot be a path segment gets no identity
            }

            return new SdsCaller(id, _resources[i], peer.ToString());
        }

        return null;
    }

    private static string Expand(string template, string user, uint uid) =>
        template.Replace("{user}", user, StringComparison.Ordinal).Replace("{uid}", uid.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The uid of this process, from /proc (no P/Invoke outside Interop).</summary>
    public static uint CurrentUid() => UidOf("/proc/self/status");

    private static uint UidOf(string statusPath)
    {
        foreach (string line in File.ReadLines(statusPath))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        throw new IOException($"{statusPath} has no Uid line");
    }

    /// <summary>
    /// <see cref="UserName"/>, remembered for a minute: every new stream is authenticated, and a
    /// fleet of sidecars opening streams should not re-read /etc/passwd for each one.
    /// </summary>
    private static string? CachedUserName(uint uid)
    {
        long now = Environment.TickCount64;
        if (s_userNames.TryGetValue(uid, out (string? Name, long ReadAt) cached) && now - cached.ReadAt < s_userNameLifetime.TotalMilliseconds)
        {
            return cached.Name;
        }

        string? name = UserName(uid);
        s_userNames[uid] = (name, now);
        return name;
    }

    /// <summary>The user name of a uid from /etc/passwd; null when it has none.</summary>
    public static string? UserName(uint uid)
    {
        string wanted = uid.ToString(CultureInfo.InvariantCulture);
        try
        {
            foreach (string line in File.ReadLines("/etc/passwd"))
            {
                string[] fields = line.Split(':');
                if (fields.Length > 2 && fields[2] == wanted)
                {
                    return fields[0];
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
