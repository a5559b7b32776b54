namespace TlsGateway.Config;

/// <summary>
/// A configuration that cannot be used. The message always says where: file, line and the key
/// path (e.g. "tlsgw.yaml:12: edge.listeners[0].filter_chains[1].upstream.endpoints[0]: ...").
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
