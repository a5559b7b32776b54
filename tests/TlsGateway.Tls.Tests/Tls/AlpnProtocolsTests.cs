namespace TlsGateway.Tls.Tests;

public class AlpnProtocolsTests
{
    [Fact]
    public void Each_protocol_is_written_as_a_length_byte_and_its_ascii_name()
    {
        byte[] wire = AlpnProtocols.ToWire(["h2", "http/1.1"]);

        byte[] expected = [2, (byte)'h', (byte)'2', 8, (byte)'h', (byte)'t', (byte)'t', (byte)'p', (byte)'/', (byte)'1', (byte)'.', (byte)'1'];
        Assert.Equal(expected, wire);
    }

    [Fact]
    public void An_empty_list_is_empty_on_the_wire()
    {
        Assert.Empty(AlpnProtocols.ToWire([]));
    }

    [Fact]
    public void A_name_of_255_bytes_is_the_longest_allowed()
    {
        string name = new('a', 255);

        byte[] wire = AlpnProtocols.ToWire([name]);

        Assert.Equal(256, wire.Length);
        Assert.Equal(255, wire[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    public void A_name_that_does_not_fit_one_length_byte_is_rejected(int length)
    {
        string name = new('a', length);

        var error = Assert.Throws<TlsConfigurationException>(() => AlpnProtocols.ToWire(["h2", name]));

        Assert.Contains("1 to 255 bytes", error.Message);
    }
}
