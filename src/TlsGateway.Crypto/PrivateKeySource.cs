namespace TlsGateway.Crypto;

/// <summary>
/// Where a private key lives. Either a PEM file (PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8 with
/// <see cref="Passphrase"/>) or a URI: <c>pkcs11:…</c> (RFC 7512) goes through the OpenSSL
/// PKCS#11 engine, any other scheme through OSSL_STORE (providers).
/// </summary>
public sealed partial record PrivateKeySource(string Location, SecretSource? Passphrase = null, Pkcs11Options? Pkcs11 = null)
{
    public bool IsPkcs11Uri => Location.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// An RFC 3986 scheme ("file:", "pkcs11:" is handled apart) that is not an existing file:
    /// a relative path such as "keys:prod.pem" that exists stays a path.
    /// </summary>
    public bool IsStoreUri => !IsPkcs11Uri && UriScheme().IsMatch(Location) && !File.Exists(Location);

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
