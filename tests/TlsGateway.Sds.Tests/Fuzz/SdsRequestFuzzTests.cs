using Google.Protobuf;
using Grpc.Core;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Sds.Tests.Sds;
using Xunit.Abstractions;
using RpcStatus = TlsGateway.Grpc.Rpc.Status;

namespace TlsGateway.Sds.Tests.Fuzz;

/// <summary>
/// The agent's SDS request handling under mutated requests (<see cref="Fuzzer"/>), driven through
/// the real server: Kestrel and Grpc.AspNetCore on a Unix socket (<see cref="SdsHarness"/>), the
/// caller identified by this process's peer credentials. Each input is a few raw request messages
/// (protobuf bytes, mutated as bytes, so undecodable ones arrive too) sent on a StreamSecrets,
/// DeltaSecrets or FetchSecrets call. When every message decodes, the call must end with a status
/// the service documents — OK, INVALID_ARGUMENT (wrong type_url, nothing named) or PERMISSION_DENIED
/// (a name the caller may not read) — within its deadline; UNKNOWN there is an exception our
/// handler let escape, a finding. Bytes that are not a request are Grpc.AspNetCore's to refuse
/// (it answers UNKNOWN or INTERNAL before or instead of our handler). Every response must decode,
/// and the agent must still serve a good request afterwards.
/// </summary>
public sealed class SdsRequestFuzzTests(ITestOutputHelper output)
{
    private const string Service = "envoy.service.secret.v3.SecretDiscoveryService";
    private static readonly Marshaller<byte[]> s_raw = Marshallers.Create(b => b, b => b);
    private static readonly Method<byte[], byte[]> s_stream = new(MethodType.DuplexStreaming, Service, "StreamSecrets", s_raw, s_raw);
    private static readonly Method<byte[], byte[]> s_delta = new(MethodType.DuplexStreaming, Service, "DeltaSecrets", s_raw, s_raw);
    private static readonly Method<byte[], byte[]> s_fetch = new(MethodType.Unary, Service, "FetchSecrets", s_raw, s_raw);

    private static readonly StatusCode[] s_documented = [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.PermissionDenied];
    private static readonly StatusCode[] s_undecodable = [.. s_documented, StatusCode.Unknown, StatusCode.Internal];

    [Fact]
    public async Task Mutated_sds_requests_end_in_a_documented_status_and_the_agent_keeps_serving()
    {
        await using SdsHarness harness = await SdsHarness.StartAsync();
        CallInvoker invoker = harness.Channel.CreateCallInvoker();
        DiscoveryRequest subscribe = SdsHarness.Request(SecretNames.Default, SecretNames.RootCa, SecretNames.SessionTicketKeys);
        subscribe.Node = new TlsGateway.Grpc.Envoy.Core.Node { Id = "sidecar~10.0.0.1~web.shop~shop.svc.cluster.local", Cluster = "web" };
        DiscoveryRequest ack = SdsHarness.Request(SecretNames.Default, SecretNames.RootCa, SecretNames.SessionTicketKeys);
        ack.ResponseNonce = "1";
        ack.VersionInfo = "v";
        DiscoveryRequest nack = ack.Clone();
        nack.ErrorDetail = new RpcStatus { Code = 3, Message = "refused by the fuzzer" };
        var delta = new DeltaDiscoveryRequest { TypeUrl = SecretNames.SecretTypeUrl, ResponseNonce = "" };
        delta.ResourceNamesSubscribe.AddRange([SecretNames.Default, SecretNames.RootCa]);
        delta.InitialResourceVersions.Add(SecretNames.RootCa, "0123");
        var deltaAck = new DeltaDiscoveryRequest { ResponseNonce = "1" };
        deltaAck.ResourceNamesUnsubscribe.Add(SecretNames.RootCa);
        byte[][] seeds =
        [
            Messages(0, subscribe, ack, nack),
            Messages(1, delta, deltaAck),
            Messages(2, SdsHarness.Request(SecretNames.RootCa, SecretNames.Default)),
            Messages(0, SdsHarness.Request("not-mine")),
        ];
        var seen = new SortedDictionary<StatusCode, int>();
        // The first call pays for the connection and the first issuance of `default`: not on the fuzzer's clock.
        await CallAsync(invoker, seeds[2]);

        int runs = Fuzzer.Run(seeds, input =>
        {
            (StatusCode status, string detail) = Task.Run(() => CallAsync(invoker, input)).GetAwaiter().GetResult();
            seen[status] = seen.GetValueOrDefault(status) + 1;
            Assert.True((Decodable(input) ? s_documented : s_undecodable).Contains(status), $"the call ended in {status}: {detail}");
        }, _ => false);

        output.WriteLine($"{runs} calls in {Fuzzer.Budget.TotalSeconds} s; statuses: {string.Join(", ", seen.Select(s => $"{s.Key} {s.Value}"))}");
        Assert.True(runs > seeds.Length, $"only {runs} inputs ran"); // each is a real call: few on a loaded machine
        DiscoveryResponse after = await harness.Client.FetchSecretsAsync(SdsHarness.Request(SecretNames.RootCa), deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Single(after.Resources);
    }

    /// <summary>Runs one call: the first byte picks the method, then 2-byte big-endian lengths frame up to four request messages.</summary>
    private static async Task<(StatusCode, string)> CallAsync(CallInvoker invoker, byte[] input)
    {
        List<byte[]> messages = Split(input);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10));
        try
        {
            switch (input.Length == 0 ? 0 : input[0] % 3)
            {
                case 2:
                    byte[] answer = await invoker.AsyncUnaryCall(s_fetch, null, options, messages.FirstOrDefault() ?? []);
                    DiscoveryResponse.Parser.ParseFrom(answer);
                    return (StatusCode.OK, "");
                case 1:
                    return (await DuplexAsync(invoker.AsyncDuplexStreamingCall(s_delta, null, options), messages, b => DeltaDiscoveryResponse.Parser.ParseFrom(b)), "");
                default:
                    return (await DuplexAsync(invoker.AsyncDuplexStreamingCall(s_stream, null, options), messages, b => DiscoveryResponse.Parser.ParseFrom(b)), "");
            }
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private static async Task<StatusCode> DuplexAsync(AsyncDuplexStreamingCall<byte[], byte[]> call, List<byte[]> messages, Action<byte[]> decode)
    {
        using (call)
        {
            Task reading = Task.Run(async () =>
            {
                await foreach (byte[] response in call.ResponseStream.ReadAllAsync())
                {
                    decode(response);
                }
            });
            try
            {
                foreach (byte[] message in messages)
                {
                    await call.RequestStream.WriteAsync(message);
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException)
            {
                // The server ended the call first (a refusal); its status is read below.
            }

            await reading;
            return StatusCode.OK;
        }
    }

    private static bool Decodable(byte[] input)
    {
        MessageParser parser = input.Length > 0 && input[0] % 3 == 1 ? DeltaDiscoveryRequest.Parser : DiscoveryRequest.Parser;
        try
        {
            List<byte[]> messages = Split(input);
            foreach (byte[] message in input.Length > 0 && input[0] % 3 == 2 ? messages.Take(1) : messages)
            {
                parser.ParseFrom(message);
            }

            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static List<byte[]> Split(byte[] input)
    {
        var messages = new List<byte[]>();
        int at = 1;
        while (at + 2 <= input.Length && messages.Count < 4)
        {
            int length = Math.Min((input[at] << 8) | input[at + 1], input.Length - at - 2);
            messages.Add(input.AsSpan(at + 2, length).ToArray());
            at += 2 + length;
        }

        return messages;
    }

    private static byte[] Messages(byte method, params IMessage[] messages)
    {
        var bytes = new List<byte> { method };
        foreach (IMessage message in messages)
        {
            byte[] body = message.ToByteArray();
            bytes.Add((byte)(body.Length >> 8));
            bytes.Add((byte)body.Length);
            bytes.AddRange(body);
        }

        return [.. bytes];
    }
}
