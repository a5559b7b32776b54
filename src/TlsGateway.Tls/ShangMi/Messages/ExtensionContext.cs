namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The messages an extension may appear in: the "TLS 1.3" column of the table in RFC 8446 §4.2
/// (CH, SH, HRR, EE, CT, CR, NST).
/// </summary>
[Flags]
public enum ExtensionContext
{
    None = 0,
    ClientHello = 1,
    ServerHello = 2,
    HelloRetryRequest = 4,
    EncryptedExtensions = 8,
    Certificate = 16,
    CertificateRequest = 32,
    NewSessionTicket = 64,
}
