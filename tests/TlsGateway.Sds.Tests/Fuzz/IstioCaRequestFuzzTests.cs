using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Grpc.Istio;
using TlsGateway.Sds.Tests.IstioCa;
using Xunit.Abstractions;

namespace TlsGateway.Sds.Tests.Fuzz;

/// <summary>
/// The Istio CA API's request handling (<see cref="IstioCaService.CreateCertificate"/>: ClusterID
/// header, CSR, validity, the ImpersonatedIdentity metadata of a node agent) under mutated
/// IstioCertificateRequest messages (<see cref="Fuzzer"/>), through the real server: Kestrel over
/// OpenSSL TLS on loopback (<see cref="IstioCaTestServer"/>), the caller a node agent with an mTLS
/// client certificate. Bytes that do not decode as a request never reach our code (protobuf
/// refuses them in the client here, as Grpc.AspNetCore would on the server); a request that
/// decodes is answered with a chain or refused with INVALID_ARGUMENT or PERMISSION_DENIED within
/// its deadline. UNKNOWN is an exception our handler let escape: a finding.
/// </summary>
public sealed class IstioCaRequestFuzzTests(ITestOutputHelper output)
{
    private static readonly StatusCode[] s_documented = [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.PermissionDenied];

    [Fact]
    public async Task Mutated_certificate_requests_are_answered_or_refused_with_a_documented_status()
    {
        await using IstioCaTestServer server = await IstioCaTestServer.StartAsync();
        (string certificate, string key, _) = await server.WriteClientCredentialsAsync(Workloads.Agent, "agent");
        using IstioCaChannel channel = IstioCaChannel.Create(server.ClientOptions(credentials: (certificate, key)));
        byte[][] seeds =
        [
            Request(Workloads.Agent, null, 3600).ToByteArray(),
            Request(Workloads.Web, Value.ForString(Workloads.Web.ToString()), 0).ToByteArray(),
            Request(Workloads.Web, Value.ForString($"spiffe://other.example/ns/shop/sa/web"), 60).ToByteArray(),
            Request(Workloads.Web, Value.ForNumber(7), -1).ToByteArray(),
        ];
        var seen = new SortedDictionary<StatusCode, int>();
        // The first call pays for the TLS handshake and the CA's first issuance: not on the fuzzer's clock.
        await CallAsync(channel, IstioCertificateRequest.Parser.ParseFrom(seeds[0]), 0);

        int runs = Fuzzer.Run(seeds, input =>
        {
            IstioCertificateRequest request = IstioCertificateRequest.Parser.ParseFrom(input);
            (StatusCode status, string detail) = Task.Run(() => CallAsync(channel, request, input.Length % 4)).GetAwaiter().GetResult();
            seen[status] = seen.GetValueOrDefault(status) + 1;
            Assert.True(s_documented.Contains(status), $"the call ended in {status}: {detail}");
        }, e => e is InvalidProtocolBufferException);

        output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s; statuses: {string.Join(", ", seen.Select(s => $"{s.Key} {s.Value}"))}");
        Assert.True(runs > seeds.Length, $"only {runs} inputs ran"); // each that decodes is a real call: few on a loaded machine
    }

    private static async Task<(StatusCode, string)> CallAsync(IstioCaChannel channel, IstioCertificateRequest request, int clusterChoice)
    {
        // The ClusterID header: absent, this CA's, another cluster's, or one that differs only in case.
        var headers = new Metadata();
        string? cluster = clusterChoice switch { 1 => "Kubernetes", 2 => "other-cluster", 3 => "kubernetes", _ => null };
        if (cluster is not null)
        {
            headers.Add(IstioCaService.ClusterIdHeader, cluster);
        }

        try
        {
            IstioCertificateResponse response = await channel.Client.CreateCertificateAsync(request, headers, DateTime.UtcNow.AddSeconds(20));
            Assert.True(response.CertChain.Count >= 2, "an answer holds the leaf and the root at least");
            using X509Certificate2 leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private static IstioCertificateRequest Request(TlsGateway.Identity.SpiffeId identity, Value? impersonated, long validity)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new IstioCertificateRequest
        {
            Csr = PemEncoding.WriteString("CERTIFICATE REQUEST", TestCsr.Create(key, identity.ToString())),
            ValidityDuration = validity,
        };
        if (impersonated is not null)
        {
            request.Metadata = new Struct { Fields = { [IstioCaService.ImpersonatedIdentityField] = impersonated } };
        }

        return request;
    }
}
