namespace TlsGateway.Crypto;

/// <summary>Key or certificate material that cannot be used, with a message naming the file and the problem.</summary>
public sealed class CryptoConfigurationException : Exception
{
    public CryptoConfigurationException(string message)
        : base(message)
    {
    }

    public CryptoConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
