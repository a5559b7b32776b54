using System.Net.Sockets;
using TlsGateway.Grpc;

namespace TlsGateway.Sds.Tests.Sds;

public sealed class WorkloadPolicyTests
{
    private static PeerCredentials Self()
    {
        // A real Unix socket pair inside this process: SO_PEERCRED names this very process.
        using var directory = new TempDirectory();
        string path = directory.PathOf("p.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        using Socket accepted = listener.Accept();
        return PeerCredentials.Read(accepted)!;
    }

    [Fact]
    public void Peer_credentials_of_a_Unix_socket_name_the_connecting_process()
    {
        PeerCredentials peer = Self();

        Assert.Equal(Environment.ProcessId, peer.Pid);
        Assert.Equal(WorkloadPolicy.CurrentUid(), peer.Uid);
        Assert.True(peer.IsSameProcess());
        Assert.Equal(Environment.ProcessPath, peer.ReadExecutable());
    }

    [Fact]
    public void A_pid_whose_start_time_changed_is_not_the_same_process()
    {
        PeerCredentials reused = Self() with { StartTime = 1 };

        Assert.False(reused.IsSameProcess());
        Assert.Null(reused.ReadExecutable());
    }

    [Fact]
    public void The_user_placeholder_becomes_the_callers_user_name()
    {
        var policy = WorkloadPolicy.ForCurrentUser("example.org", []);

        SdsCaller caller = policy.Resolve(Self())!;

        Assert.Equal($"spiffe://example.org/ns/default/sa/{WorkloadPolicy.UserName(WorkloadPolicy.CurrentUid())}", caller.Identity.ToString());
    }

    [Fact]
    public void An_executable_rule_matches_only_that_program()
    {
        PeerCredentials peer = Self();
        var policy = new WorkloadPolicy(
        [
            new WorkloadRule(null, null, null, "/usr/bin/not-this-one", "spiffe://example.org/ns/a/sa/wrong", []),
            new WorkloadRule(null, null, null, Environment.ProcessPath, "spiffe://example.org/ns/a/sa/right", []),
        ]);

        Assert.Equal("spiffe://example.org/ns/a/sa/right", policy.Resolve(peer)!.Identity.ToString());
        Assert.Null(policy.Resolve(peer with { StartTime = 1 })); // the pid now names another process
    }

    [Fact]
    public void No_matching_rule_means_no_identity()
    {
        var policy = new WorkloadPolicy([new WorkloadRule(WorkloadPolicy.CurrentUid() + 1, null, null, null, "spiffe://example.org/ns/a/sa/b", [])]);

        Assert.Null(policy.Resolve(Self()));
    }

    [Fact]
    public void A_rule_that_matches_nothing_or_grants_no_workload_ID_is_refused_at_load()
    {
        FormatException empty = Assert.Throws<FormatException>(() => new WorkloadPolicy([new WorkloadRule(null, null, null, null, "spiffe://example.org/ns/a/sa/b", [])]));
        FormatException bad = Assert.Throws<FormatException>(() => new WorkloadPolicy([new WorkloadRule(0, null, null, null, "spiffe://example.org", [])]));

        Assert.Contains("matches no field", empty.Message);
        Assert.Contains("not a workload SPIFFE ID", bad.Message);
    }
}
