using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

// pal_sm.c (SM3, HMAC-SM3, SM4) and pal_sm2.c (SM2). Buffer sizes are checked by the Native*
// wrappers before these are called: the shim writes fixed-size outputs (32-byte digests,
// 16-byte blocks, 65-byte points) without a length to check against.
public static partial class TlsGwNative
{
    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3Digest")]
    internal static partial int Sm3Digest(ReadOnlySpan<byte> data, int length, Span<byte> digest);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3Create")]
    internal static partial SafeSm3Handle Sm3Create();

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3Duplicate")]
    internal static partial SafeSm3Handle Sm3Duplicate(SafeSm3Handle ctx);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3Destroy")]
    internal static partial void Sm3Destroy(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3Update")]
    internal static partial int Sm3Update(SafeSm3Handle ctx, ReadOnlySpan<byte> data, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3Current")]
    internal static partial int Sm3Current(SafeSm3Handle ctx, Span<byte> digest);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3Final")]
    internal static partial int Sm3Final(SafeSm3Handle ctx, Span<byte> digest);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3HmacCreate")]
    internal static partial SafeSm3HmacHandle Sm3HmacCreate(ReadOnlySpan<byte> key, int keyLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3HmacDestroy")]
    internal static partial void Sm3HmacDestroy(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3HmacUpdate")]
    internal static partial int Sm3HmacUpdate(SafeSm3HmacHandle ctx, ReadOnlySpan<byte> data, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm3HmacFinal")]
    internal static partial int Sm3HmacFinal(SafeSm3HmacHandle ctx, Span<byte> mac);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm4Create")]
    internal static partial SafeSm4Handle Sm4Create(ReadOnlySpan<byte> key, int keyLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm4Destroy")]
    internal static partial void Sm4Destroy(IntPtr sm4);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm4EncryptBlocks")]
    internal static partial int Sm4EncryptBlocks(SafeSm4Handle sm4, ReadOnlySpan<byte> input, Span<byte> output, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm4Ctr")]
    internal static partial int Sm4Ctr(SafeSm4Handle sm4, ReadOnlySpan<byte> counter, ReadOnlySpan<byte> input, Span<byte> output, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm4CbcMac")]
    internal static partial int Sm4CbcMac(SafeSm4Handle sm4, Span<byte> state, ReadOnlySpan<byte> data, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2KeyImportPkcs8")]
    internal static partial SafePrivateKeyHandle Sm2KeyImportPkcs8(ReadOnlySpan<byte> der, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2KeyImportPublic")]
    internal static partial SafePrivateKeyHandle Sm2KeyImportPublic(ReadOnlySpan<byte> der, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2KeyFromPoint")]
    internal static partial SafePrivateKeyHandle Sm2KeyFromPoint(ReadOnlySpan<byte> point, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2KeyExportPkcs8")]
    internal static partial int Sm2KeyExportPkcs8(SafePrivateKeyHandle key, Span<byte> buffer, int bufferLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2KeyExportPoint")]
    internal static partial int Sm2KeyExportPoint(SafePrivateKeyHandle key, Span<byte> point, int pointLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2Sign")]
    internal static partial int Sm2Sign(SafePrivateKeyHandle key, ReadOnlySpan<byte> id, int idLength, ReadOnlySpan<byte> data, int dataLength,
        Span<byte> signature, int signatureCapacity, out int signatureLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2Verify")]
    internal static partial int Sm2Verify(SafePrivateKeyHandle key, ReadOnlySpan<byte> id, int idLength, ReadOnlySpan<byte> data, int dataLength,
        ReadOnlySpan<byte> signature, int signatureLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2EcdhGenerate")]
    internal static partial SafePrivateKeyHandle Sm2EcdhGenerate();

    [LibraryImport(Library, EntryPoint = "TlsGwNative_Sm2EcdhDerive")]
    internal static partial int Sm2EcdhDerive(SafePrivateKeyHandle key, ReadOnlySpan<byte> peerPoint, int peerPointLength, Span<byte> secret, int secretLength);
}
