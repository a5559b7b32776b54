namespace TlsGateway.Interop;

/// <summary>
/// The one exception type for failures that come out of OpenSSL. It carries every error the
/// queue held, so callers can classify by reason code and operators read OpenSSL's own words.
/// </summary>
public sealed class OpenSslException : Exception
{
    public OpenSslException(string operation, IReadOnlyList<OpenSslError> errors)
        : base(FormatMessage(operation, errors))
    {
        Operation = operation;
        Errors = errors;
    }

    /// <summary>What we asked OpenSSL to do, in our words ("load private key").</summary>
    public string Operation { get; }

    public IReadOnlyList<OpenSslError> Errors { get; }

    /// <summary>Drains this thread's error queue into an exception for <paramref name="operation"/>.</summary>
    public static OpenSslException FromErrorQueue(string operation) => new(operation, OpenSslErrorQueue.Drain());

    private static string FormatMessage(string operation, IReadOnlyList<OpenSslError> errors) => errors.Count == 0
        ? $"{operation} failed"
        : $"{operation} failed: {string.Join("; ", errors.Select(e => e.Text))}";
}
