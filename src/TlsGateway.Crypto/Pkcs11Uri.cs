using System.Text.RegularExpressions;

namespace TlsGateway.Crypto;

/// <summary>RFC 7512 PKCS#11 URIs, only as far as logging them safely needs.</summary>
public static partial class Pkcs11Uri
{
    /// <summary>Removes pin-value (RFC 7512 section 2.4 query attribute; libp11 also accepts it in the path, first or later).</summary>
    public static string Redact(string uri) => PinValue().Replace(uri, "${sep}pin-value=REDACTED");

    [GeneratedRegex("(?<sep>[:;?&])pin-value=[^;?&]*", RegexOptions.IgnoreCase)]
    private static partial Regex PinValue();
}
