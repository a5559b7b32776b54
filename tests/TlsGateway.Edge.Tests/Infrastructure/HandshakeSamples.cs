using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Tests.Infrastructure;

/// <summary>What a finished handshake reports, as plain records: the PROXY header tests need no TLS connection.</summary>
public static class HandshakeSamples
{
    public static HandshakeFacts Facts(string? alpn = "h2", string? serverName = "api.test", bool reused = false, int verifyResult = 0, bool clientCertificate = true) =>
        new(Version: 0x0304, CipherName: "TLS_AES_128_GCM_SHA256", ApplicationProtocol: alpn, ServerName: serverName,
            GroupName: "X25519", SessionReused: reused, PeerPresentedCertificate: clientCertificate, VerifyResult: verifyResult);

    /// <summary>A verified client; without a SPIFFE ID it has a DNS name instead, as a plain web client certificate would.</summary>
    public static PeerIdentity Peer(string? spiffeId = "spiffe://td/ns/a/sa/b") =>
        new(spiffeId, spiffeId is null ? ["b.example.org"] : [], spiffeId is null ? [] : [spiffeId], "CN=b", DateTimeOffset.UtcNow);
}
