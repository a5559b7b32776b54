using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

// pal_x509.c, pal_evp.c
public static unsafe partial class TlsGwNative
{
    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509ChainLoadPem")]
    internal static partial SafeCertificateChainHandle X509ChainLoadPem(ReadOnlySpan<byte> pem, int pemLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509ChainDestroy")]
    internal static partial void X509ChainDestroy(IntPtr chain);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509ChainCount")]
    internal static partial int X509ChainCount(SafeCertificateChainHandle chain);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509StoreCreate")]
    internal static partial SafeTrustStoreHandle X509StoreCreate(ReadOnlySpan<byte> pem, int pemLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509StoreDestroy")]
    internal static partial void X509StoreDestroy(IntPtr store);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509CrlListLoad")]
    internal static partial SafeRevocationListHandle X509CrlListLoad(ReadOnlySpan<byte> data, int dataLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509CrlListDestroy")]
    internal static partial void X509CrlListDestroy(IntPtr crls);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_X509StoreAddCrls")]
    internal static partial int X509StoreAddCrls(SafeTrustStoreHandle store, SafeRevocationListHandle crls);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyLoadPem")]
    internal static partial SafePrivateKeyHandle PKeyLoadPem(ReadOnlySpan<byte> pem, int pemLength, ReadOnlySpan<byte> passphrase, int passphraseLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyLoadFromEngine", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SafePrivateKeyHandle PKeyLoadFromEngine(string engineId, string keyId,
        IntPtr* controlNames, IntPtr* controlValues, int controlCount, string? pin);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyLoadFromStore", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SafePrivateKeyHandle PKeyLoadFromStore(string uri, ReadOnlySpan<byte> passphrase, int passphraseLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyDestroy")]
    internal static partial void PKeyDestroy(IntPtr key);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_PKeyGetInfo")]
    internal static partial int PKeyGetInfo(SafePrivateKeyHandle key, out int baseId, out int bits);
}
