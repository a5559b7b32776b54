using TlsGateway.Identity;

namespace TlsGateway.Ca.Tests;

/// <summary>The SPIFFE ID rules (SPIFFE-ID.md §2) the CA relies on before it names anything in a certificate.</summary>
public sealed class SpiffeIdTests
{
    [Theory]
    [InlineData("spiffe://example.org/ns/default/sa/web", "example.org", "/ns/default/sa/web")]
    [InlineData("spiffe://my-domain_1.example/a.b/c-d/E_F", "my-domain_1.example", "/a.b/c-d/E_F")]
    [InlineData("spiffe://example.org/..a/b..", "example.org", "/..a/b..")]
    [InlineData("spiffe://example.org", "example.org", "")]
    public void A_valid_id_parses_into_its_trust_domain_and_path_and_prints_back_unchanged(string text, string trustDomain, string path)
    {
        Assert.True(SpiffeId.TryParse(text, out SpiffeId? id, out string? error), error);
        Assert.Equal(trustDomain, id.TrustDomain);
        Assert.Equal(path, id.Path);
        Assert.Equal(text, id.ToString());
        Assert.Equal(path.Length > 0, id.IsWorkload);
    }

    [Fact]
    public void ForWorkload_builds_the_istio_shaped_id_and_equal_ids_compare_equal()
    {
        SpiffeId id = SpiffeId.ForWorkload("example.org", "payments", "api");

        Assert.Equal("spiffe://example.org/ns/payments/sa/api", id.ToString());
        Assert.Equal(SpiffeId.Parse("spiffe://example.org/ns/payments/sa/api"), id);
        Assert.Equal(SpiffeId.Parse("spiffe://example.org/ns/payments/sa/api").GetHashCode(), id.GetHashCode());
        Assert.NotEqual(SpiffeId.Parse("spiffe://example.org/ns/payments/sa/API"), id);
    }

    [Theory]
    [InlineData("spiffe://Example.org/ns/a", "'E'")]
    [InlineData("spiffe://EXAMPLE.ORG/ns/a", "'E'")]
    [InlineData("spiffe://exa mple.org/ns/a", "' '")]
    [InlineData("spiffe://exa%41mple.org/ns/a", "'%'")]
    [InlineData("spiffe://user@example.org/ns/a", "'@'")]
    [InlineData("spiffe://example.org:8443/ns/a", "':'")]
    [InlineData("spiffe:///ns/a", "trust domain is empty")]
    [InlineData("spiffe://", "trust domain is empty")]
    public void A_trust_domain_with_upper_case_or_characters_outside_the_spiffe_set_is_refused(string text, string expected)
    {
        Assert.False(SpiffeId.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trust_domain_of_exactly_255_bytes_is_accepted_and_one_of_256_is_refused()
    {
        string longest = new('a', 255);
        string tooLong = new('a', 256);

        Assert.True(SpiffeId.TryParse($"spiffe://{longest}/w", out _, out string? okError), okError);
        Assert.Null(SpiffeId.CheckTrustDomain(longest));
        Assert.False(SpiffeId.TryParse($"spiffe://{tooLong}/w", out _, out string? error));
        Assert.Contains("255 bytes", error, StringComparison.Ordinal);
        Assert.NotNull(SpiffeId.CheckTrustDomain(tooLong));
    }

    [Theory]
    [InlineData("spiffe://example.org/", "empty segment")]
    [InlineData("spiffe://example.org//ns/a", "empty segment")]
    [InlineData("spiffe://example.org/ns//a", "empty segment")]
    [InlineData("spiffe://example.org/ns/a/", "empty segment")]
    [InlineData("spiffe://example.org/./ns", "'.' segment")]
    [InlineData("spiffe://example.org/ns/.", "'.' segment")]
    [InlineData("spiffe://example.org/ns/../sa", "'..' segment")]
    [InlineData("spiffe://example.org/..", "'..' segment")]
    public void A_path_with_an_empty_dot_or_dotdot_segment_is_refused(string text, string expected)
    {
        Assert.False(SpiffeId.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spiffe://example.org/ns/a?x=1", "'?'")]
    [InlineData("spiffe://example.org/ns/a#frag", "'#'")]
    [InlineData("spiffe://example.org/ns/a%2Fb", "'%'")]
    [InlineData("spiffe://example.org/ns/a b", "' '")]
    [InlineData("spiffe://example.org/ns/ä", "'ä'")]
    public void A_query_fragment_percent_escape_or_non_ascii_character_in_the_path_is_refused(string text, string expected)
    {
        Assert.False(SpiffeId.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("example.org/ns/a")]
    [InlineData("https://example.org/ns/a")]
    [InlineData("SPIFFE://example.org/ns/a")]
    [InlineData("spiffe:example.org/ns/a")]
    public void Text_without_the_lower_case_spiffe_scheme_is_refused(string text)
    {
        Assert.False(SpiffeId.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Throws<FormatException>(() => SpiffeId.Parse(text));
    }

    [Fact]
    public void An_id_of_exactly_2048_bytes_is_accepted_and_one_of_2049_is_refused()
    {
        string prefix = "spiffe://example.org/";
        string longest = prefix + new string('p', SpiffeId.MaxIdBytes - prefix.Length);
        string tooLong = longest + "p";

        Assert.True(SpiffeId.TryParse(longest, out _, out string? okError), okError);
        Assert.False(SpiffeId.TryParse(tooLong, out _, out string? error));
        Assert.Contains("2048 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_2048_byte_limit_counts_utf8_bytes_not_characters()
    {
        // 1024 two-byte characters: 1024 chars but 2048 bytes of path alone.
        string text = "spiffe://example.org/" + new string('é', 1024);

        Assert.False(SpiffeId.TryParse(text, out _, out string? error));
        Assert.Contains("2048 bytes", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spiffe://example.org/ns/a\n/sa/b")]
    [InlineData("spiffe://example.org/ns/a\r\nInjected: yes")]
    [InlineData("spiffe://example.org/ns/\u001b[31mred")]
    [InlineData("spiffe://exam\nple.org/ns/a")]
    [InlineData("spiffe://example.org\u0000/ns/a")]
    [InlineData("spiffe://example.org/ns/\u0085next")]
    public void An_error_about_an_id_with_control_characters_never_echoes_them_raw(string text)
    {
        // The ID can come from an attacker's CSR and the error reaches logs and the caller:
        // a raw newline would forge a log line, an escape sequence would drive a terminal.
        Assert.False(SpiffeId.TryParse(text, out _, out string? error));
        Assert.DoesNotContain(error, char.IsControl);
    }

    [Fact]
    public void An_error_about_a_huge_id_does_not_echo_all_of_it()
    {
        string text = "spiffe://example.org/" + new string('a', 1500) + "?";

        Assert.False(SpiffeId.TryParse(text, out _, out string? error));
        Assert.True(error.Length < 512, $"the error is {error.Length} characters long");
    }
}
