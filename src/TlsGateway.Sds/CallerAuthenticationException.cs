namespace TlsGateway.Sds;

/// <summary>
/// The caller did not prove an identity. The message says which credential failed and why
/// ("bootstrap token already used") and is safe to return to the caller: it never holds the
/// token, a hash of it, or key material.
/// </summary>
public sealed class CallerAuthenticationException(string message) : Exception(message);
