namespace TlsGateway.Tls;

/// <summary>Checks a <see cref="TlsProfile"/> before OpenSSL sees it, so errors name the setting.</summary>
public static class TlsProfileValidator
{
    public static void Validate(TlsProfile profile, string where)
    {
        if (!Enum.IsDefined(profile.MinVersion) || !Enum.IsDefined(profile.MaxVersion))
        {
            throw new TlsConfigurationException($"{where}: TLS versions must be 1.2 or 1.3");
        }

        if (profile.MinVersion > profile.MaxVersion)
        {
            throw new TlsConfigurationException($"{where}: minimum TLS version {profile.MinVersion} is above the maximum {profile.MaxVersion}");
        }

        if (profile.MaxVersion == TlsVersion.Tls13 && string.IsNullOrWhiteSpace(profile.CipherSuites))
        {
            throw new TlsConfigurationException($"{where}: TLS 1.3 is enabled but no TLS 1.3 cipher suites are configured");
        }

        if (profile.MinVersion == TlsVersion.Tls12 && string.IsNullOrWhiteSpace(profile.CipherList))
        {
            throw new TlsConfigurationException($"{where}: TLS 1.2 is enabled but no TLS 1.2 ciphers are configured");
        }

        if (string.IsNullOrWhiteSpace(profile.Groups))
        {
            throw new TlsConfigurationException($"{where}: no key-exchange groups are configured");
        }
    }
}
