using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

// The task-based path of a listener: connections whose binding the event loops cannot run
// (ShangMi chains, upstreams by host name, or `event_loops: false`) as a .NET Socket, the handshake
// in ClientHandshake and the forwarding in the binding's handler.
public sealed partial class TlsListener
{
    private void RunOnTasks(int fd, ListenerBinding binding)
    {
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        Socket client;
        try
        {
            client = new Socket(handle);
        }
        catch (SocketException)
        {
            handle.Dispose(); // reset before it could be looked at: nobody to serve
            Ended(binding);
            return;
        }

        Task connection = HandleAsync(client, binding);
        lock (_connections)
        {
            _connections.Add(connection);
        }

        // Inline on the thread that ended the connection: a continuation queued to the thread
        // pool woke a worker per connection, which then waited for the edge's one core.
        _ = connection.ContinueWith(t =>
        {
            lock (_connections)
            {
                _connections.Remove(t);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // The task-based path (ShangMi listeners, host-named upstreams): no hop to the thread pool before the
    // handshake. It runs on the event loop that accepted the connection until its first wait for
    // the client, as a loop connection's first step would; a hop woke a second thread per connection.
    private async Task HandleAsync(Socket client, ListenerBinding binding)
    {
        long startedAt = Stopwatch.GetTimestamp();
        EndPoint? remote = client.RemoteEndPoint;
        ClientSession? session = null;
        try
        {
            var handshake = new ClientHandshake(binding);
            try
            {
                session = await handshake.RunAsync(client, _stopping.Token).ConfigureAwait(false);
            }
            catch (TlsException e)
            {
                RecordHandshakeFailure(e.Failure, handshake.Engine, startedAt, null, remote);
                return;
            }

            RecordHandshakeCompleted(session.Facts, session.Peer, session.Engine, startedAt, null, remote);

            if (!session.PeerGone)
            {
                await binding.Handler(session, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is TlsException or SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            EdgeLog.ConnectionError(_logger, remote, e.Message);
        }
        catch (Exception e)
        {
            RecordCrash(remote, e);
        }
        finally
        {
            if (session is not null)
            {
                await session.Link.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                client.Dispose();
            }

            Ended(binding);
        }
    }
}
