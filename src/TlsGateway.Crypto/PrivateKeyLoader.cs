using System.Security.Cryptography;
using System.Text;
using TlsGateway.Interop;

namespace TlsGateway.Crypto;

/// <summary>Loads a <see cref="PrivateKeySource"/> into an OpenSSL key handle.</summary>
public static class PrivateKeyLoader
{
    /// <summary>Largest PEM key file accepted; a real key is a few KiB.</summary>
    public const int MaxKeyFileBytes = 64 * 1024;

    public static SafePrivateKeyHandle Load(PrivateKeySource source)
    {
        if (source.IsPkcs11Uri)
        {
            return LoadFromToken(source);
        }

        byte[]? passphrase = source.Passphrase?.ReadBytes();
        try
        {
            if (source.IsStoreUri)
            {
                return NativeKeys.LoadFromStore(source.Location, passphrase, passphrase is not null, $"'{source.Describe()}'");
            }

            return LoadFromFile(source.Location, passphrase);
        }
        catch (OpenSslException e)
        {
            throw new CryptoConfigurationException(Explain(source, e, passphrase is not null), e);
        }
        finally
        {
            if (passphrase is not null)
            {
                CryptographicOperations.ZeroMemory(passphrase);
            }
        }
    }

    private static SafePrivateKeyHandle LoadFromFile(string path, byte[]? passphrase)
    {
        byte[] pem = PemFile.Read(path, MaxKeyFileBytes, "private key");
        try
        {
            return NativeKeys.LoadPem(pem, passphrase, passphrase is not null, $"'{path}'");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pem);
        }
    }

    private static SafePrivateKeyHandle LoadFromToken(PrivateKeySource source)
    {
        Pkcs11Options options = source.Pkcs11 ?? new Pkcs11Options(null, null);
        var controls = new List<KeyValuePair<string, string>>();
        if (options.ModulePath is not null)
        {
            if (!File.Exists(options.ModulePath))
            {
                throw new CryptoConfigurationException($"PKCS#11 module '{options.ModulePath}' does not exist");
            }

            controls.Add(new("MODULE_PATH", options.ModulePath));
        }

        byte[]? pin = options.Pin?.ReadBytes();
        try
        {
            string? pinText = pin is null ? null : Encoding.UTF8.GetString(pin);
            return NativeKeys.LoadFromEngine(options.EngineId, source.Location, controls, pinText);
        }
        catch (OpenSslException e)
        {
            throw new CryptoConfigurationException(
                $"cannot load private key '{source.Describe()}' from PKCS#11 engine '{options.EngineId}': {string.Join("; ", e.Errors)}", e);
        }
        finally
        {
            if (pin is not null)
            {
                CryptographicOperations.ZeroMemory(pin);
            }
        }
    }

    private static string Explain(PrivateKeySource source, OpenSslException e, bool hadPassphrase)
    {
        string detail = string.Join("; ", e.Errors);
        bool decryptFailed = detail.Contains("bad decrypt", StringComparison.OrdinalIgnoreCase)
            || detail.Contains("bad password", StringComparison.OrdinalIgnoreCase)
            || detail.Contains("maybe wrong password", StringComparison.OrdinalIgnoreCase);
        if (decryptFailed)
        {
            return hadPassphrase
                ? $"cannot decrypt private key '{source.Describe()}': wrong passphrase ({detail})"
                : $"private key '{source.Describe()}' is encrypted: give a passphrase (file: or env:) ({detail})";
        }

        // With a wrong passphrase, CBC padding still checks out about once in 256 tries; OpenSSL
        // then fails decoding the garbage instead of reporting a bad decrypt.
        if (hadPassphrase && !source.IsStoreUri)
        {
            return $"cannot load private key '{source.Describe()}': wrong passphrase, or the key file is damaged ({detail})";
        }

        return source.IsStoreUri
            ? $"cannot load private key '{source.Describe()}' through OpenSSL's store API ({detail})"
            : $"cannot load private key '{source.Describe()}': not a PEM private key in PKCS#1, SEC1 or PKCS#8 form ({detail})";
    }
}
