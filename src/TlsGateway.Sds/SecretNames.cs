namespace TlsGateway.Sds;

/// <summary>SDS resource names (Istio's convention) and the one resource type SDS serves.</summary>
public static class SecretNames
{
    /// <summary>The caller's own certificate chain and private key.</summary>
    public const string Default = "default";

    /// <summary>A validation context with every currently trusted root.</summary>
    public const string RootCa = "ROOTCA";

    /// <summary>Session-ticket keys shared by an edge fleet.</summary>
    public const string SessionTicketKeys = "session-ticket-keys";

    public const string SecretTypeUrl = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
}
