using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

// pal_ocsp.c
public static partial class TlsGwNative
{
    [LibraryImport(Library, EntryPoint = "TlsGwNative_OcspBuildRequest")]
    internal static partial int OcspBuildRequest(SafeCertificateChainHandle chain, Span<byte> buffer, int capacity);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_OcspCheckResponse")]
    internal static partial int OcspCheckResponse(SafeCertificateChainHandle chain, ReadOnlySpan<byte> response, int length,
        out int certStatus, out long thisUpdate, out long nextUpdate);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetOcspStaple")]
    internal static partial int SslCtxSetOcspStaple(SafeSslContextHandle ctx, SafeCertificateChainHandle chain, ReadOnlySpan<byte> response, int length);
}
