using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace TlsGateway.Sds;

/// <summary>
/// What the OpenSSL handshake established, as the connection features Kestrel and ASP.NET Core
/// read: the client certificate OpenSSL verified (<c>HttpContext.Connection.ClientCertificate</c>,
/// which <see cref="CaCallerAuthenticator"/> judges) and the ALPN protocol (Kestrel serves an
/// HTTP/2-only endpoint over TLS only when it is "h2").
/// </summary>
internal sealed class CaTlsFeature(X509Certificate2? clientCertificate, string? applicationProtocol)
    : ITlsConnectionFeature, ITlsApplicationProtocolFeature
{
    /// <summary>Set from the verified chain's leaf; nothing asks for a certificate after the handshake (no renegotiation).</summary>
    public X509Certificate2? ClientCertificate
    {
        get => clientCertificate;
        set => throw new NotSupportedException("the client certificate is the one OpenSSL verified during the handshake");
    }

    public ReadOnlyMemory<byte> ApplicationProtocol { get; } = applicationProtocol is null ? default : Encoding.ASCII.GetBytes(applicationProtocol);

    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(clientCertificate);
}
