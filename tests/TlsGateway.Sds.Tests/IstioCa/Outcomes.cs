using Grpc.Core;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>Assertions on how the client reports a CA's refusal.</summary>
public static class Outcomes
{
    /// <summary>Awaits a refusal and checks its gRPC status, retryability and that its message contains <paramref name="reason"/>.</summary>
    public static async Task<IdentityIssuerException> RefusedAsync(Task call, StatusCode status, string reason)
    {
        var error = await Assert.ThrowsAsync<IdentityIssuerException>(() => call);
        var rpc = Assert.IsType<RpcException>(error.InnerException);
        Assert.Equal(status, rpc.StatusCode);
        Assert.Contains(reason, error.Message);
        Assert.Equal(IstioCaClient.IsRetryable(status), error.Retryable);
        return error;
    }
}
