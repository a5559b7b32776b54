namespace TlsGateway.Edge;

/// <summary>Which engine a client gets.</summary>
public enum EngineChoice
{
    OpenSsl,
    ShangMi,

    /// <summary>An `sm: require` chain and a client without the RFC 8998 suites: handshake_failure, no crypto.</summary>
    Refuse,
}
