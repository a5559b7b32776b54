namespace TlsGateway.Tls.ShangMi;

/// <summary>One state of the server handshake (see <see cref="HandshakeState"/>); every Handle returns a server state.</summary>
internal abstract class ServerState : RoleState<ServerHandshakeContext>
{
    protected static TlsProtocolException Unexpected(HandshakeType type, string state) =>
        new(AlertDescription.UnexpectedMessage, $"{type} while the server expects {state}");
}
