namespace TlsGateway.Sds;

/// <summary>An SDS secret this process needs cannot be had: the agent refused it, or it did not arrive in time.</summary>
public sealed class SdsSecretUnavailableException(string message) : Exception(message);
