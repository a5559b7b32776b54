namespace TlsGateway.Tls.Tests;

public class TlsProfileValidatorTests
{
    private const string Where = "server name entry 'api'";

    [Fact]
    public void The_default_profile_is_valid()
    {
        TlsProfileValidator.Validate(TlsProfile.Default, Where);
    }

    [Fact]
    public void A_minimum_version_above_the_maximum_is_rejected()
    {
        TlsProfile profile = TlsProfile.Default with { MinVersion = TlsVersion.Tls13, MaxVersion = TlsVersion.Tls12 };

        var error = Assert.Throws<TlsConfigurationException>(() => TlsProfileValidator.Validate(profile, Where));

        Assert.StartsWith(Where, error.Message);
        Assert.Contains("minimum TLS version", error.Message);
    }

    [Fact]
    public void A_version_that_is_not_1_2_or_1_3_is_rejected()
    {
        TlsProfile profile = TlsProfile.Default with { MinVersion = (TlsVersion)0x0301 };

        var error = Assert.Throws<TlsConfigurationException>(() => TlsProfileValidator.Validate(profile, Where));

        Assert.Contains("must be 1.2 or 1.3", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void TLS_1_3_without_cipher_suites_is_rejected(string suites)
    {
        TlsProfile profile = TlsProfile.Default with { CipherSuites = suites };

        var error = Assert.Throws<TlsConfigurationException>(() => TlsProfileValidator.Validate(profile, Where));

        Assert.Contains("no TLS 1.3 cipher suites", error.Message);
    }

    [Fact]
    public void TLS_1_3_suites_are_not_needed_when_1_3_is_disabled()
    {
        TlsProfile profile = TlsProfile.Default with { MaxVersion = TlsVersion.Tls12, CipherSuites = "" };

        TlsProfileValidator.Validate(profile, Where);
    }

    [Fact]
    public void TLS_1_2_without_ciphers_is_rejected()
    {
        TlsProfile profile = TlsProfile.Default with { CipherList = "" };

        var error = Assert.Throws<TlsConfigurationException>(() => TlsProfileValidator.Validate(profile, Where));

        Assert.Contains("no TLS 1.2 ciphers", error.Message);
    }

    [Fact]
    public void TLS_1_2_ciphers_are_not_needed_when_1_2_is_disabled()
    {
        TlsProfile profile = TlsProfile.Default with { MinVersion = TlsVersion.Tls13, CipherList = "" };

        TlsProfileValidator.Validate(profile, Where);
    }

    [Fact]
    public void A_profile_without_groups_is_rejected()
    {
        TlsProfile profile = TlsProfile.Default with { Groups = " " };

        var error = Assert.Throws<TlsConfigurationException>(() => TlsProfileValidator.Validate(profile, Where));

        Assert.Contains("no key-exchange groups", error.Message);
    }
}
