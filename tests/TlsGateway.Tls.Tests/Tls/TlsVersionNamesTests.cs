namespace TlsGateway.Tls.Tests;

public class TlsVersionNamesTests
{
    [Theory]
    [InlineData("1.2", TlsVersion.Tls12)]
    [InlineData("1.3", TlsVersion.Tls13)]
    [InlineData("TLSv1.2", TlsVersion.Tls12)]
    [InlineData("TLSv1.3", TlsVersion.Tls13)]
    [InlineData("tls1.2", TlsVersion.Tls12)]
    [InlineData(" tlsv1.3 ", TlsVersion.Tls13)]
    public void Parse_accepts_the_common_spellings_of_1_2_and_1_3(string text, TlsVersion expected)
    {
        Assert.Equal(expected, TlsVersionNames.Parse(text));
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1.1")]
    [InlineData("TLSv1.1")]
    [InlineData("tls1")]
    public void Parse_refuses_versions_below_1_2_and_says_the_minimum_is_1_2(string text)
    {
        var error = Assert.Throws<TlsConfigurationException>(() => TlsVersionNames.Parse(text));

        Assert.Contains($"'{text}'", error.Message);
        Assert.Contains("minimum is 1.2", error.Message);
    }

    [Theory]
    [InlineData("2.0")]
    [InlineData("1.4")]
    [InlineData("ssl3")]
    [InlineData("1.tls2")]
    [InlineData("")]
    public void Parse_refuses_unknown_versions(string text)
    {
        var error = Assert.Throws<TlsConfigurationException>(() => TlsVersionNames.Parse(text));

        Assert.Contains("unknown TLS version", error.Message);
    }

    [Theory]
    [InlineData(0x0303, "TLSv1.2")]
    [InlineData(0x0304, "TLSv1.3")]
    [InlineData(0x0302, "0x0302")]
    [InlineData(0x7f1c, "0x7f1c")]
    public void ToDisplay_names_known_wire_versions_and_shows_others_in_hex(int wireVersion, string expected)
    {
        Assert.Equal(expected, TlsVersionNames.ToDisplay(wireVersion));
    }
}
