using System.Security.Cryptography;
using TlsGateway.Edge.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Tests;

public sealed class TicketKeyFileTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TempDirectory _directory = new();
    private readonly TicketKeyRing _ring = new();

    public void Dispose()
    {
        _ring.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void A_file_of_two_80_byte_keys_loads_both_in_order()
    {
        byte[] content = RandomNumberGenerator.GetBytes(160);
        string path = _directory.Write("tickets.keys", content, OwnerOnly);

        TicketKeyFile.LoadInto(_ring, path);

        Assert.Equal([Convert.ToHexString(content, 0, 16), Convert.ToHexString(content, 80, 16)], _ring.KeyNames);
    }

    [Fact]
    public void A_file_of_eight_keys_loads()
    {
        string path = _directory.Write("tickets.keys", RandomNumberGenerator.GetBytes(8 * 80), OwnerOnly);

        TicketKeyFile.LoadInto(_ring, path);

        Assert.Equal(8, _ring.KeyNames.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(79)]
    [InlineData(81)]
    [InlineData(9 * 80)]
    public void A_file_that_is_not_1_to_8_whole_keys_is_rejected_naming_the_file_and_the_key_size(int length)
    {
        string path = _directory.Write("tickets.keys", RandomNumberGenerator.GetBytes(length), OwnerOnly);

        var error = Assert.Throws<TlsConfigurationException>(() => TicketKeyFile.LoadInto(_ring, path));

        Assert.Contains(path, error.Message);
        Assert.Contains($"is {length} bytes", error.Message);
        Assert.Contains("80 bytes", error.Message);
    }

    [Theory]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void A_file_other_users_can_access_is_rejected_with_the_fix(UnixFileMode extra)
    {
        string path = _directory.Write("tickets.keys", RandomNumberGenerator.GetBytes(160), OwnerOnly | extra);

        var error = Assert.Throws<TlsConfigurationException>(() => TicketKeyFile.LoadInto(_ring, path));

        Assert.Contains(path, error.Message);
        Assert.Contains("chmod 600", error.Message);
    }

    [Fact]
    public void A_world_readable_0644_file_is_rejected()
    {
        string path = _directory.Write("tickets.keys", RandomNumberGenerator.GetBytes(80), OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<TlsConfigurationException>(() => TicketKeyFile.LoadInto(_ring, path));

        Assert.Contains("chmod 600", error.Message);
        Assert.Empty(_ring.KeyNames);
    }

    [Fact]
    public void A_missing_file_is_rejected_naming_the_path()
    {
        string path = _directory.PathOf("missing.keys");

        var error = Assert.Throws<TlsConfigurationException>(() => TicketKeyFile.LoadInto(_ring, path));

        Assert.Contains($"cannot read session ticket key file '{path}'", error.Message);
    }

    [Fact]
    public void A_rejected_file_leaves_the_keys_already_loaded_in_place()
    {
        TicketKeyFile.LoadInto(_ring, _directory.Write("good.keys", RandomNumberGenerator.GetBytes(160), OwnerOnly));
        IReadOnlyList<string> before = _ring.KeyNames;

        Assert.Throws<TlsConfigurationException>(() => TicketKeyFile.LoadInto(_ring, _directory.Write("bad.keys", RandomNumberGenerator.GetBytes(81), OwnerOnly)));

        Assert.Equal(before, _ring.KeyNames);
    }
}
