namespace TlsGateway.Tls;

/// <summary>Protocol versions the engine speaks, as wire values. TLS 1.0 and 1.1 are not representable on purpose (RFC 8996).</summary>
public enum TlsVersion
{
    Tls12 = 0x0303,
    Tls13 = 0x0304,
}

public static class TlsVersionNames
{
    public static string ToDisplay(int wireVersion) => wireVersion switch
    {
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        _ => $"0x{wireVersion:x4}",
    };

    /// <summary>Parses "1.2", "1.3", "TLSv1.2", "tls1.3"; anything older is refused with a clear message.</summary>
    public static TlsVersion Parse(string text)
    {
        string normalized = text.Trim().ToLowerInvariant();
        foreach (string prefix in (string[])["tlsv", "tls"])
        {
            if (normalized.StartsWith(prefix, StringComparison.Ordinal))
            {
                normalized = normalized[prefix.Length..];
                break;
            }
        }

        return normalized switch
        {
            "1.2" => TlsVersion.Tls12,
            "1.3" => TlsVersion.Tls13,
            "1.0" or "1.1" or "1" => throw new TlsConfigurationException($"TLS version '{text}' is not supported: the minimum is 1.2 (RFC 8996 deprecates 1.0 and 1.1)"),
            _ => throw new TlsConfigurationException($"unknown TLS version '{text}': use 1.2 or 1.3"),
        };
    }
}
