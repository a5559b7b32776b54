namespace TlsGateway.Tls.ShangMi;

/// <summary>KeyUpdateRequest (RFC 8446 §4.6.3).</summary>
public enum KeyUpdateRequest : byte
{
    UpdateNotRequested = 0,
    UpdateRequested = 1,
}
