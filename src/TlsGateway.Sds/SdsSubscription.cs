using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using TlsGateway.Grpc;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Grpc.Envoy.Secret;
using TlsGateway.Identity;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;
using RpcStatus = TlsGateway.Grpc.Rpc.Status;

namespace TlsGateway.Sds;

/// <summary>
/// The client side of one SDS resource, as a sidecar holds it: a StreamSecrets stream on a
/// Unix socket, subscribed to one name (as Envoy does), each response handed to
/// <c>apply</c> and answered with an ACK, or with a NACK carrying apply's error (the previous
/// secret stays in use). A broken stream is reopened with capped backoff.
/// </summary>
public sealed class SdsSubscription : IAsyncDisposable
{
    private static readonly TimeSpan s_retryInitial = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_retryCap = TimeSpan.FromSeconds(30);

    private readonly string _socket;
    private readonly Func<EnvoySecret, string?> _apply;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstApplied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;

    /// <param name="apply">Installs a secret; returns null when it did, or why it refused it (sent as the NACK's error_detail).</param>
    public SdsSubscription(string socket, string name, Func<EnvoySecret, string?> apply, ILogger logger)
    {
        _socket = socket;
        Name = name;
        _apply = apply;
        _logger = logger;
        _loop = RunAsync(_stop.Token);
    }

    public string Name { get; }

    /// <summary>Completes once a version has been applied (and ACKed).</summary>
    public Task FirstApplied => _firstApplied.Task;

    /// <summary>The version last applied; null before the first.</summary>
    public string? Version { get; private set; }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        TimeSpan retry = s_retryInitial;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using GrpcChannel channel = UnixSocketChannel.Create(_socket);
                var client = new SecretDiscoveryService.SecretDiscoveryServiceClient(channel);
                using AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> call = client.StreamSecrets(cancellationToken: cancellationToken);
                await call.RequestStream.WriteAsync(Request(Version ?? "", ""), cancellationToken).ConfigureAwait(false);
                await foreach (DiscoveryResponse response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    retry = s_retryInitial;
                    await AnswerAsync(call.RequestStream, response, cancellationToken).ConfigureAwait(false);
                }

                _logger.LogWarning("SDS stream for {Name} on {Socket} ended; reopening", Name, _socket);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return; // stopping: gRPC reports the cancelled call as an RpcException(Cancelled)
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException)
            {
                if (e is RpcException { StatusCode: StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.InvalidArgument } refused)
                {
                    // Asking again will not help until the agent's policy changes: whoever waits for the first version hears it now.
                    _firstApplied.TrySetException(new SdsSecretUnavailableException(
                        $"the agent at unix:{_socket} refused '{Name}': {refused.StatusCode}: {SafeText.Of(refused.Status.Detail)}"));
                }

                _logger.LogWarning("SDS stream for {Name} on {Socket} failed: {Reason}; retrying in {Retry}", Name, _socket,
                    e is RpcException rpc ? $"{rpc.StatusCode}: {SafeText.Of(rpc.Status.Detail)}" : e.Message, retry);
            }
            catch (Exception e)
            {
                // Whatever went wrong, the secret must keep being followed: log it and reopen.
                _logger.LogError(e, "SDS stream for {Name} on {Socket} failed unexpectedly; retrying in {Retry}", Name, _socket, retry);
            }

            try
            {
                await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, s_retryCap.Ticks));
        }
    }

    private async Task AnswerAsync(IClientStreamWriter<DiscoveryRequest> requests, DiscoveryResponse response, CancellationToken cancellationToken)
    {
        string? error = Accept(response, Name, _apply);
        if (error is null)
        {
            Version = response.VersionInfo;
            await requests.WriteAsync(Request(response.VersionInfo, response.Nonce), cancellationToken).ConfigureAwait(false);
            _firstApplied.TrySetResult();
            return;
        }

        _logger.LogError("Refused SDS secret {Name} version {Version}: {Reason}; keeping the previous one", Name, response.VersionInfo, error);
        DiscoveryRequest nack = Request(Version ?? "", response.Nonce);
        nack.ErrorDetail = new RpcStatus { Code = (int)StatusCode.InvalidArgument, Message = error };
        await requests.WriteAsync(nack, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What one response means for secret <paramref name="name"/>: null when <paramref name="apply"/>
    /// installed it (ACK), or why it was refused (the NACK's error_detail). Everything in the
    /// response is the agent's to choose, so nothing in it may make this throw.
    /// </summary>
    internal static string? Accept(DiscoveryResponse response, string name, Func<EnvoySecret, string?> apply)
    {
        EnvoySecret? secret;
        try
        {
            secret = response.Resources.Where(r => r.TypeUrl == SecretNames.SecretTypeUrl).Select(r => r.Unpack<EnvoySecret>())
                .FirstOrDefault(s => s.Name == name);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            return $"the secret cannot be decoded: {e.Message}";
        }

        if (secret is null)
        {
            return $"the response holds no secret named '{name}'";
        }

        try
        {
            return apply(secret);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return e.Message;
        }
    }

    private DiscoveryRequest Request(string version, string nonce)
    {
        var request = new DiscoveryRequest { TypeUrl = SecretNames.SecretTypeUrl, VersionInfo = version, ResponseNonce = nonce };
        request.ResourceNames.Add(Name);
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
