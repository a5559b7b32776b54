namespace TlsGateway.Ca.Tests;

/// <summary>Certificates from operators' files fail with a FormatException naming the problem, never a parser's exception.</summary>
public sealed class CaCertificateTests
{
    [Theory]
    [InlineData("30820100")]          // a SEQUENCE header promising 256 bytes, then nothing
    [InlineData("3003020101")]        // a well-formed SEQUENCE that is not a certificate
    [InlineData("04020000")]          // an OCTET STRING
    public void Bytes_that_are_not_a_certificate_are_a_format_error(string hex)
    {
        FormatException error = Assert.Throws<FormatException>(() => new CaCertificate(Convert.FromHexString(hex)));

        Assert.StartsWith("not a valid X.509 certificate", error.Message, StringComparison.Ordinal);
    }
}
