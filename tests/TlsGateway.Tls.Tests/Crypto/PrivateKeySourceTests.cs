namespace TlsGateway.Crypto.Tests;

public class PrivateKeySourceTests
{
    [Theory]
    [InlineData("/etc/tlsgw/key.pem")]
    [InlineData("./key.pem")]
    [InlineData("key.pem")]
    [InlineData("keys/key.pem")]
    public void A_path_is_a_file(string location)
    {
        var source = new PrivateKeySource(location);

        Assert.False(source.IsPkcs11Uri);
        Assert.False(source.IsStoreUri);
        Assert.Equal(location, source.Describe());
    }

    [Fact]
    public void An_existing_file_whose_name_looks_like_a_uri_stays_a_file()
    {
        string directory = Path.Combine(Path.GetTempPath(), "tlsgw-uri-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string previous = Environment.CurrentDirectory;
        try
        {
            File.WriteAllText(Path.Combine(directory, "keys:prod.pem"), "x");
            Environment.CurrentDirectory = directory;

            Assert.False(new PrivateKeySource("keys:prod.pem").IsStoreUri);
            Assert.True(new PrivateKeySource("keys:absent.pem").IsStoreUri);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("pkcs11:token=edge;object=tls")]
    [InlineData("PKCS11:token=edge;object=tls")]
    public void A_pkcs11_uri_goes_to_the_engine_not_the_store(string location)
    {
        var source = new PrivateKeySource(location);

        Assert.True(source.IsPkcs11Uri);
        Assert.False(source.IsStoreUri);
    }

    [Theory]
    [InlineData("file:/etc/tlsgw/key.pem")]
    [InlineData("handle:0x81000001")]
    public void Another_uri_scheme_goes_to_the_store(string location)
    {
        var source = new PrivateKeySource(location);

        Assert.True(source.IsStoreUri);
        Assert.False(source.IsPkcs11Uri);
    }

    [Fact]
    public void A_pkcs11_source_describes_itself_without_the_pin()
    {
        var source = new PrivateKeySource("pkcs11:token=edge;object=tls?pin-value=1234");

        Assert.Equal("pkcs11:token=edge;object=tls?pin-value=REDACTED", source.Describe());
    }
}
