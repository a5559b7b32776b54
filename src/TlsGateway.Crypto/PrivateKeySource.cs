namespace TlsGateway.Crypto;

/// <summary>
/// Where a private key lives. Either a PEM file (PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8 with
/// <see cref="Passphrase"/>) or a URI: <c>pkcs11:…</c> (RFC 7512) goes through the OpenSSL
/// PKCS#11 engine, any other scheme through OSSL_STORE (providers).
/// </summary>
public sealed partial record PrivateKeySource(string Location, SecretSource? Passphrase = null, Pkcs11Options? Pkcs11 = null)
{
    public bool IsPkcs11Uri => Location.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase);

    /// <summary>A URI for OSSL_STORE: any scheme but pkcs11: (see <see cref="IsUri"/>).</summary>
    public bool IsStoreUri => !IsPkcs11Uri && IsUri(Location);

    /// <summary>
    /// The one rule for "is this key location a URI or a file path", used by the loader, the config
    /// reader and the command line alike: pkcs11:, or an RFC 3986 scheme that is not an existing
    /// file (a relative path such as "keys:prod.pem" that exists stays a path).
    /// </summary>
    public static bool IsUri(string location) =>
        location.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase) || (UriScheme().IsMatch(location) && !File.Exists(location));

    /// <summary>The local file a key is read from (a path, or a file: URI's path), or null for a key held elsewhere.</summary>
    public static string? LocalFile(string location) =>
        location.StartsWith("file:", StringComparison.Ordinal) ? location["file:".Length..] : IsUri(location) ? null : location;

    /// <summary>For logs and errors: the file path, or the URI with any pin-value attribute removed.</summary>
    public string Describe() => IsPkcs11Uri ? Pkcs11Uri.Redact(Location) : Location;

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]+:")]
    private static partial System.Text.RegularExpressions.Regex UriScheme();
}

/// <summary>How to reach a PKCS#11 token through OpenSSL's ENGINE API (libengine-pkcs11-openssl).</summary>
/// <param name="ModulePath">The PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so; null lets p11-kit choose.</param>
/// <param name="Pin">The token user PIN; always give one, or libp11 may try to prompt.</param>
/// <param name="EngineId">The ENGINE id; "pkcs11" is libp11's.</param>
public sealed record Pkcs11Options(string? ModulePath, SecretSource? Pin, string EngineId = "pkcs11");
