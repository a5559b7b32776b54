namespace TlsGateway.Crypto.Tests;

public class Pkcs11UriTests
{
    [Theory]
    [InlineData("pkcs11:token=edge;object=tls?pin-value=1234", "pkcs11:token=edge;object=tls?pin-value=REDACTED")]
    [InlineData("pkcs11:token=edge;pin-value=1234;object=tls", "pkcs11:token=edge;pin-value=REDACTED;object=tls")]
    [InlineData("pkcs11:pin-value=1234;token=edge", "pkcs11:pin-value=REDACTED;token=edge")]
    [InlineData("pkcs11:object=tls?module-path=/x.so&PIN-VALUE=s3cr%65t", "pkcs11:object=tls?module-path=/x.so&pin-value=REDACTED")]
    public void Redact_replaces_the_pin_value_wherever_it_sits(string uri, string expected)
    {
        string redacted = Pkcs11Uri.Redact(uri);

        Assert.Equal(expected, redacted);
    }

    [Fact]
    public void Redact_leaves_a_uri_without_a_pin_unchanged()
    {
        const string uri = "pkcs11:token=edge;object=tls;type=private?pin-source=file:/run/pin";

        Assert.Equal(uri, Pkcs11Uri.Redact(uri));
    }
}
