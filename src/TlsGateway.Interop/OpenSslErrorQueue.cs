namespace TlsGateway.Interop;

/// <summary>
/// OpenSSL keeps errors per thread. Every failing boundary call is followed, on the same thread
/// and before any await, by a drain; every native call clears the queue first. So an error never
/// outlives the call that caused it or surfaces on another connection.
/// </summary>
public static class OpenSslErrorQueue
{
    private const int TextCapacity = 512;

    public static IReadOnlyList<OpenSslError> Drain()
    {
        List<OpenSslError>? errors = null;
        Span<byte> text = stackalloc byte[TextCapacity];
        while (TlsGwNative.ErrGetNext(out int library, out int reason, text, TextCapacity) != 0)
        {
            int length = text.IndexOf((byte)0);
            string message = System.Text.Encoding.UTF8.GetString(length < 0 ? text : text[..length]);
            (errors ??= new List<OpenSslError>()).Add(new OpenSslError(library, reason, message));
        }

        return errors ?? (IReadOnlyList<OpenSslError>)Array.Empty<OpenSslError>();
    }

    public static void Clear() => TlsGwNative.ErrClear();
}
