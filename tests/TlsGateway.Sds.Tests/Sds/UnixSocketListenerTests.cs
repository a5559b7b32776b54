using System.Net.Sockets;
using TlsGateway.Grpc;

namespace TlsGateway.Sds.Tests.Sds;

public sealed class UnixSocketListenerTests
{
    private const UnixFileMode OwnerAndGroup = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    [Fact]
    public void The_socket_has_the_asked_mode_from_the_start()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("sds.sock");

        using Socket socket = UnixSocketListener.Bind(path, OwnerAndGroup);

        Assert.Equal(OwnerAndGroup, File.GetUnixFileMode(path));
    }

    [Fact]
    public void The_path_appears_already_listening_and_nothing_else_is_left_beside_it()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("sds.sock");

        using Socket socket = UnixSocketListener.Bind(path, OwnerAndGroup);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path)); // throws "connection refused" if bound but not listening

        Assert.Equal(["sds.sock"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_socket_left_by_a_dead_process_is_replaced()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("sds.sock");
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            stale.Bind(new UnixDomainSocketEndPoint(path)); // bound, never listening: what a crash leaves
        }

        using Socket socket = UnixSocketListener.Bind(path, OwnerAndGroup);

        Assert.True(socket.IsBound);
    }

    [Fact]
    public void A_socket_another_live_process_serves_is_not_taken_over()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("sds.sock");
        using Socket first = UnixSocketListener.Bind(path, OwnerAndGroup);

        IOException refused = Assert.Throws<IOException>(() => UnixSocketListener.Bind(path, OwnerAndGroup));

        Assert.Contains("in use", refused.Message);
    }
}
