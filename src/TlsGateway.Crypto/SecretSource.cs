using System.Text;

namespace TlsGateway.Crypto;

/// <summary>
/// Where a secret such as a key passphrase or a token PIN comes from: a file (first line, without
/// the line ending) or an environment variable. Never the command line, where `ps` would show it.
/// </summary>
public sealed record SecretSource
{
    private SecretSource(string? path, string? variable)
    {
        FilePath = path;
        EnvironmentVariable = variable;
    }

    public string? FilePath { get; }

    public string? EnvironmentVariable { get; }

    public static SecretSource FromFile(string path) => new(path, null);

    public static SecretSource FromEnvironment(string variable) => new(null, variable);

    /// <summary>Parses "file:PATH" or "env:NAME", the form used on the command line and in config.</summary>
    public static SecretSource Parse(string spec)
    {
        if (spec.StartsWith("file:", StringComparison.Ordinal) && spec.Length > 5)
        {
            return FromFile(spec[5..]);
        }

        if (spec.StartsWith("env:", StringComparison.Ordinal) && spec.Length > 4)
        {
            return FromEnvironment(spec[4..]);
        }

        throw new CryptoConfigurationException($"secret source '{spec}' must be file:PATH or env:NAME");
    }

    /// <summary>The secret's UTF-8 bytes. The caller wipes them (CryptographicOperations.ZeroMemory) after use.</summary>
    public byte[] ReadBytes()
    {
        if (FilePath is not null)
        {
            byte[] raw;
            try
            {
                raw = File.ReadAllBytes(FilePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CryptoConfigurationException($"cannot read secret file '{FilePath}': {e.Message}", e);
            }

            int end = Array.IndexOf(raw, (byte)'\n');
            int length = end < 0 ? raw.Length : end;
            if (length > 0 && raw[length - 1] == (byte)'\r')
            {
                length--;
            }

            byte[] secret = raw.AsSpan(0, length).ToArray();
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
            if (secret.Length == 0)
            {
                throw new CryptoConfigurationException($"secret file '{FilePath}' is empty (the secret is its first line)");
            }

            return secret;
        }

        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable!);
        if (string.IsNullOrEmpty(value))
        {
            throw new CryptoConfigurationException($"environment variable '{EnvironmentVariable}' holding a secret is not set");
        }

        return Encoding.UTF8.GetBytes(value);
    }

    public override string ToString() => FilePath is not null ? $"file:{FilePath}" : $"env:{EnvironmentVariable}";
}
