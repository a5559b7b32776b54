namespace TlsGateway.Tls.ShangMi;

/// <summary>One state of the client handshake (see <see cref="HandshakeState"/>); every Handle returns a client state.</summary>
internal abstract class ClientState : RoleState<ClientHandshakeContext>
{
    protected static TlsProtocolException Unexpected(HandshakeType type, string state) =>
        new(AlertDescription.UnexpectedMessage, $"{type} while the client expects {state}");
}
