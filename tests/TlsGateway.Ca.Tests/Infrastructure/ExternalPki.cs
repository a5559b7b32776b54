namespace TlsGateway.Ca.Tests.Infrastructure;

/// <summary>
/// An "existing" PKI made with the openssl command-line tool, laid out as Istio's cacerts
/// directory: ca-cert.pem, ca-key.pem (unencrypted PKCS#8), cert-chain.pem, root-cert.pem.
/// </summary>
public static class ExternalPki
{
    private const string Config = """
        [req]
        distinguished_name = dn
        prompt = no
        [dn]
        CN = unused
        [root_ext]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        [intermediate_ext]
        basicConstraints = critical,CA:TRUE,pathlen:0
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always
        [intermediate_explicit_ski_ext]
        basicConstraints = critical,CA:TRUE,pathlen:0
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = 0102030405060708090a0b0c0d0e0f1011121314
        authorityKeyIdentifier = keyid:always
        """;

    public const string RootSubject = "/O=External Corp/CN=External Root";

    /// <summary>Creates the four cacerts files in <paramref name="directory"/>; <paramref name="keyType"/> is "ec", "rsa" or "secp256k1".</summary>
    /// <param name="intermediateExtensions">The ca.cnf section for the intermediate (intermediate_explicit_ski_ext: an SKI not derived from the key).</param>
    public static async Task CreateAsync(string directory, string keyType = "ec", string intermediateExtensions = "intermediate_ext")
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "ca.cnf"), Config + "\n");
        await CreateRootAsync(directory, "root-key.pem", "root-cert.pem", keyType);
        await OpenSsl.RunCheckedAsync(directory, ["req", "-new", "-config", "ca.cnf", .. NewKey(keyType), "-nodes",
            "-keyout", "ca-key.pem", "-out", "ca.csr", "-subj", "/O=External Corp/CN=External Intermediate"]);
        await OpenSsl.RunCheckedAsync(directory, "x509", "-req", "-in", "ca.csr", "-CA", "root-cert.pem", "-CAkey", "root-key.pem",
            "-set_serial", "0x5eed", "-days", "1000", "-sha256", "-extfile", "ca.cnf", "-extensions", intermediateExtensions, "-out", "ca-cert.pem");
        string chain = await File.ReadAllTextAsync(Path.Combine(directory, "ca-cert.pem"))
            + await File.ReadAllTextAsync(Path.Combine(directory, "root-cert.pem"));
        await File.WriteAllTextAsync(Path.Combine(directory, "cert-chain.pem"), chain);
    }

    /// <summary>A self-signed root named <see cref="RootSubject"/> with a fresh key.</summary>
    public static Task CreateRootAsync(string directory, string keyFile, string certFile, string keyType = "ec") =>
        OpenSsl.RunCheckedAsync(directory, ["req", "-x509", "-config", "ca.cnf", "-extensions", "root_ext", .. NewKey(keyType), "-nodes",
            "-keyout", keyFile, "-out", certFile, "-days", "3650", "-sha256", "-subj", RootSubject]);

    public static Task NewKeyFileAsync(string directory, string keyFile) =>
        OpenSsl.RunCheckedAsync(directory, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile);

    private static string[] NewKey(string keyType) => keyType switch
    {
        "ec" => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "rsa" => ["-newkey", "rsa:3072"],
        "secp256k1" => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "ec, rsa or secp256k1"),
    };
}
