namespace TlsGateway.Tls.Tests;

public class ServerNameMapTests
{
    private const string Fallback = "default";

    [Theory]
    [InlineData("api.example.com")]
    [InlineData("API.Example.COM")]
    [InlineData("api.example.com.")]
    public void An_exact_name_matches_regardless_of_case_and_a_trailing_dot(string serverName)
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add("api.example.com", "api");

        Assert.Equal(("api", true), map.Find(serverName));
    }

    [Fact]
    public void A_pattern_with_a_trailing_dot_is_registered_without_it()
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add("api.example.com.", "api");

        Assert.Equal(("api", true), map.Find("api.example.com"));
    }

    [Theory]
    [InlineData("a.example.com")]
    [InlineData("WWW.EXAMPLE.COM")]
    [InlineData("a.example.com.")]
    public void A_wildcard_matches_exactly_one_left_most_label(string serverName)
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add("*.example.com", "wildcard");

        Assert.Equal(("wildcard", true), map.Find(serverName));
    }

    [Theory]
    [InlineData("a.b.example.com")]
    [InlineData("example.com")]
    [InlineData(".example.com")]
    [InlineData("aexample.com")]
    [InlineData("*.example.com")]
    public void A_wildcard_does_not_match_deeper_names_nor_the_bare_domain(string serverName)
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add("*.example.com", "wildcard");

        Assert.Equal((Fallback, false), map.Find(serverName));
    }

    [Fact]
    public void An_exact_name_wins_over_a_wildcard_that_also_matches()
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add("*.example.com", "wildcard");
        map.Add("api.example.com", "api");

        Assert.Equal(("api", true), map.Find("api.example.com"));
        Assert.Equal(("wildcard", true), map.Find("www.example.com"));
    }

    [Fact]
    public void An_unknown_name_falls_back_to_the_default_and_reports_no_match()
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add("api.example.com", "api");

        Assert.Equal((Fallback, false), map.Find("other.example.com"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_client_without_server_name_gets_the_default(string? serverName)
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add("api.example.com", "api");

        Assert.Equal((Fallback, false), map.Find(serverName));
    }

    [Fact]
    public void Without_a_default_an_unknown_name_finds_nothing()
    {
        var map = new ServerNameMap<string>(null);
        map.Add("api.example.com", "api");

        Assert.Equal(((string?)null, false), map.Find("other.example.com"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("a.*.com")]
    [InlineData("*foo.com")]
    [InlineData("foo*.com")]
    [InlineData("*.*.com")]
    [InlineData("*.")]
    [InlineData("")]
    [InlineData(" ")]
    public void An_invalid_pattern_is_rejected_with_a_message_naming_it(string pattern)
    {
        var map = new ServerNameMap<string>(Fallback);

        var error = Assert.Throws<TlsConfigurationException>(() => map.Add(pattern, "value"));

        Assert.Contains($"'{pattern}'", error.Message);
    }

    [Theory]
    [InlineData("api.example.com", "API.EXAMPLE.COM")]
    [InlineData("api.example.com", "api.example.com.")]
    [InlineData("*.example.com", "*.Example.Com")]
    public void A_name_claimed_by_two_entries_is_rejected(string first, string second)
    {
        var map = new ServerNameMap<string>(Fallback);
        map.Add(first, "one");

        var error = Assert.Throws<TlsConfigurationException>(() => map.Add(second, "two"));

        Assert.Contains($"'{second}'", error.Message);
        Assert.Contains("more than one entry", error.Message);
    }

    [Fact]
    public void The_same_entry_may_list_a_name_twice()
    {
        var map = new ServerNameMap<string>(Fallback);
        const string entry = "api";
        map.Add("api.example.com", entry);
        map.Add("API.example.com", entry);

        Assert.Equal((entry, true), map.Find("api.example.com"));
    }
}
