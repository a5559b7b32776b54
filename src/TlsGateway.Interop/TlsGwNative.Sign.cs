using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

// pal_sign.c
public static unsafe partial class TlsGwNative
{
    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyGenerate")]
    internal static partial SafePrivateKeyHandle PKeyGenerate(NativeKeyType keyType, int rsaBits);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyExportPublic")]
    internal static partial int PKeyExportPublic(SafePrivateKeyHandle key, Span<byte> buffer, int bufferLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyExportEncryptedPkcs8")]
    internal static partial int PKeyExportEncryptedPkcs8(SafePrivateKeyHandle key, ReadOnlySpan<byte> passphrase, int passphraseLength,
        int iterations, Span<byte> buffer, int bufferLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_DigestSign", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DigestSign(SafePrivateKeyHandle key, string digestName, byte* sm2Id, int sm2IdLength,
        byte* data, int dataLength, byte* signature, int signatureCapacity, out int signatureLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_EcVerify", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int EcVerify(string curveName, byte* point, int pointLength, string digestName, byte* sm2Id, int sm2IdLength,
        byte* data, int dataLength, byte* signature, int signatureLength);
}
