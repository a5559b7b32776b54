using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>Moves pending output between two sans-I/O connections until neither has anything to send.</summary>
public static class InMemoryPump
{
    public static void Run(ManagedTlsConnection client, ManagedTlsConnection server)
    {
        for (int round = 0; round < 64; round++)
        {
            byte[] toServer = client.TakePendingOutput();
            byte[] toClient = server.TakePendingOutput();
            if (toServer.Length == 0 && toClient.Length == 0)
            {
                return;
            }

            server.Feed(toServer);
            client.Feed(toClient);
        }

        Assert.Fail("the connections kept talking for 64 rounds");
    }
}
