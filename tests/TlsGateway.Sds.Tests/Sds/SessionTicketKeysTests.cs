using Microsoft.Extensions.Logging.Abstractions;

namespace TlsGateway.Sds.Tests.Sds;

public sealed class SessionTicketKeysTests
{
    private static readonly AgentOptions Options = AgentOptions.Default;

    [Fact]
    public async Task A_new_ring_has_an_encrypting_and_an_announced_key_of_80_bytes_in_a_private_file()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("sds/ticket-keys.json");
        await using var keys = new SessionTicketKeys(path, Options, NullLogger.Instance);

        Assert.Equal(2, keys.Keys.Count);
        Assert.All(keys.Keys, k => Assert.Equal(SessionTicketKeys.KeyLength, k.Length));
        Assert.NotEqual(Convert.ToHexString(keys.Keys[0]), Convert.ToHexString(keys.Keys[1]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Rotations_keep_at_most_the_configured_number_of_keys_and_drop_the_oldest()
    {
        using var directory = new TempDirectory();
        await using var keys = new SessionTicketKeys(directory.PathOf("keys.json"), Options with { TicketKeysKept = 3 }, NullLogger.Instance);
        string first = Convert.ToHexString(keys.Keys[0]);

        keys.Rotate();
        Assert.Equal(3, keys.Keys.Count);
        Assert.Contains(first, keys.Keys.Select(Convert.ToHexString));
        keys.Rotate();
        keys.Rotate();

        Assert.Equal(3, keys.Keys.Count);
        Assert.DoesNotContain(first, keys.Keys.Select(Convert.ToHexString));
    }

    [Fact]
    public async Task A_restarted_agent_serves_the_same_keys()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("keys.json");
        List<string> before;
        await using (var keys = new SessionTicketKeys(path, Options, NullLogger.Instance))
        {
            keys.Rotate();
            before = keys.Keys.Select(Convert.ToHexString).ToList();
        }

        await using var again = new SessionTicketKeys(path, Options, NullLogger.Instance);

        Assert.Equal(before, again.Keys.Select(Convert.ToHexString));
        Assert.Equal("2", again.Cell.Current!.Version);
    }

    [Fact]
    public void A_damaged_key_file_is_refused_with_its_name_and_is_left_as_it_was()
    {
        using var directory = new TempDirectory();
        string path = directory.Write("keys.json", "{\"version\":1,\"rotated_at\":\"2026-01-01T00:00:00Z\",\"keys\":[{\"bytes\":\"AAAA\"},{\"bytes\":\"AAAA\"}]}");
        string original = File.ReadAllText(path);

        IOException refused = Assert.Throws<IOException>(() => new SessionTicketKeys(path, Options, NullLogger.Instance));

        Assert.Contains(path, refused.Message);
        Assert.Contains("80 bytes", refused.Message);
        Assert.Equal(original, File.ReadAllText(path));
    }

    [Fact]
    public void Fewer_than_three_kept_keys_is_refused()
    {
        using var directory = new TempDirectory();

        Assert.Throws<ArgumentOutOfRangeException>(() => new SessionTicketKeys(directory.PathOf("k.json"), Options with { TicketKeysKept = 2 }, NullLogger.Instance));
    }
}
