namespace TlsGateway.Tls;

/// <summary>A TLS setting that cannot be used, with a message naming the setting and the problem.</summary>
public sealed class TlsConfigurationException : Exception
{
    public TlsConfigurationException(string message)
        : base(message)
    {
    }

    public TlsConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
