using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>
/// Private keys: from PEM bytes (any of PKCS#1, SEC1, PKCS#8, encrypted PKCS#8), or from
/// hardware through an ENGINE or an OSSL_STORE provider URI, in which case the key material
/// never enters this process's managed memory.
/// </summary>
public static unsafe class NativeKeys
{
    public static SafePrivateKeyHandle LoadPem(ReadOnlySpan<byte> pem, ReadOnlySpan<byte> passphrase, bool hasPassphrase, string what)
    {
        SafePrivateKeyHandle key = hasPassphrase
            ? TlsGwNative.PKeyLoadPem(pem, pem.Length, passphrase, passphrase.Length)
            : TlsGwNative.PKeyLoadPem(pem, pem.Length, default, 0);
        return CheckKey(key, $"load private key {what}");
    }

    public static SafePrivateKeyHandle LoadFromEngine(string engineId, string keyId, IReadOnlyList<KeyValuePair<string, string>> controls, string? pin)
    {
        var names = new IntPtr[controls.Count];
        var values = new IntPtr[controls.Count];
        try
        {
            for (int i = 0; i < controls.Count; i++)
            {
                names[i] = Marshal.StringToCoTaskMemUTF8(controls[i].Key);
                values[i] = Marshal.StringToCoTaskMemUTF8(controls[i].Value);
            }

            fixed (IntPtr* namesPtr = names)
            fixed (IntPtr* valuesPtr = values)
            {
                SafePrivateKeyHandle key = TlsGwNative.PKeyLoadFromEngine(engineId, keyId, namesPtr, valuesPtr, controls.Count, pin);
                // keyId may carry a pin-value attribute: name only the engine in errors.
                return CheckKey(key, $"load private key from engine '{engineId}'");
            }
        }
        finally
        {
            foreach (IntPtr p in names)
            {
                Marshal.FreeCoTaskMem(p);
            }

            foreach (IntPtr p in values)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }

    public static SafePrivateKeyHandle LoadFromStore(string uri, ReadOnlySpan<byte> passphrase, bool hasPassphrase, string what)
    {
        SafePrivateKeyHandle key = hasPassphrase
            ? TlsGwNative.PKeyLoadFromStore(uri, passphrase, passphrase.Length)
            : TlsGwNative.PKeyLoadFromStore(uri, default, 0);
        return CheckKey(key, $"load private key {what}");
    }

    /// <summary>OpenSSL's base key type id (EVP_PKEY_RSA = 6, EVP_PKEY_EC = 408, ...) and size in bits.</summary>
    public static (int BaseId, int Bits) GetInfo(SafePrivateKeyHandle key) =>
        TlsGwNative.PKeyGetInfo(key, out int baseId, out int bits) == 1 ? (baseId, bits) : (0, 0);

    private static SafePrivateKeyHandle CheckKey(SafePrivateKeyHandle key, string operation)
    {
        if (key.IsInvalid)
        {
            key.Dispose();
            throw OpenSslException.FromErrorQueue(operation);
        }

        return key;
    }
}
