using Google.Protobuf.WellKnownTypes;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds;

/// <summary>
/// One version of one SDS secret, packed once and shared by every stream that sends it (the
/// packed form is immutable, so 10,000 subscribers cost one copy).
/// </summary>
public sealed class SecretResource
{
    public SecretResource(EnvoySecret secret, string version)
    {
        Name = secret.Name;
        Version = version;
        Packed = Any.Pack(secret);
    }

    public string Name { get; }

    public string Version { get; }

    public Any Packed { get; }
}
