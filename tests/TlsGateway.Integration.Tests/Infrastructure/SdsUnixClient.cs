using Grpc.Net.Client;
using TlsGateway.Grpc;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Grpc.Envoy.Secret;
using TlsGateway.Sds;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>A Grpc.Net.Client SDS caller on a Unix socket: this test process, identified by its own peer credentials.</summary>
public sealed class SdsUnixClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public SdsUnixClient(string socketPath)
    {
        _channel = UnixSocketChannel.Create(socketPath);
        Client = new SecretDiscoveryService.SecretDiscoveryServiceClient(_channel);
    }

    public SecretDiscoveryService.SecretDiscoveryServiceClient Client { get; }

    /// <summary>FetchSecrets for NAMES, unpacked by name.</summary>
    public async Task<Dictionary<string, EnvoySecret>> FetchAsync(TimeSpan within, params string[] names)
    {
        var request = new DiscoveryRequest { TypeUrl = SecretNames.SecretTypeUrl };
        request.ResourceNames.AddRange(names);
        DiscoveryResponse response = await Client.FetchSecretsAsync(request, deadline: DateTime.UtcNow + within);
        return response.Resources.Select(r => r.Unpack<EnvoySecret>()).ToDictionary(s => s.Name);
    }

    public void Dispose() => _channel.Dispose();
}
