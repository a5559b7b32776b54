using System.Text;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Crypto.Tests;

public class SecretSourceTests
{
    [Fact]
    public void Parse_reads_a_file_source()
    {
        SecretSource source = SecretSource.Parse("file:/run/secrets/key-pass");

        Assert.Equal("/run/secrets/key-pass", source.FilePath);
        Assert.Null(source.EnvironmentVariable);
        Assert.Equal("file:/run/secrets/key-pass", source.ToString());
    }

    [Fact]
    public void Parse_reads_an_environment_source()
    {
        SecretSource source = SecretSource.Parse("env:KEY_PASS");

        Assert.Equal("KEY_PASS", source.EnvironmentVariable);
        Assert.Null(source.FilePath);
        Assert.Equal("env:KEY_PASS", source.ToString());
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("file:")]
    [InlineData("env:")]
    [InlineData("FILE:/x")]
    [InlineData("")]
    public void Parse_rejects_anything_but_file_or_env_with_a_name(string spec)
    {
        var error = Assert.Throws<CryptoConfigurationException>(() => SecretSource.Parse(spec));

        Assert.Contains($"'{spec}'", error.Message);
        Assert.Contains("file:PATH or env:NAME", error.Message);
    }

    [Fact]
    public void A_file_secret_is_its_first_line_as_utf8()
    {
        using var directory = new TempDirectory();
        string path = directory.Write("secret", "pässwörd\r\nsecond line\n");

        byte[] secret = SecretSource.FromFile(path).ReadBytes();

        Assert.Equal(Encoding.UTF8.GetBytes("pässwörd"), secret);
    }

    [Fact]
    public void A_missing_secret_file_is_named()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("missing");

        var error = Assert.Throws<CryptoConfigurationException>(() => SecretSource.FromFile(path).ReadBytes());

        Assert.Contains($"'{path}'", error.Message);
    }

    [Fact]
    public void An_empty_first_line_is_refused_rather_than_used_as_an_empty_secret()
    {
        using var directory = new TempDirectory();
        string path = directory.Write("secret", "\nsecond line\n");

        var error = Assert.Throws<CryptoConfigurationException>(() => SecretSource.FromFile(path).ReadBytes());

        Assert.Contains("is empty", error.Message);
        Assert.Contains($"'{path}'", error.Message);
    }
}
