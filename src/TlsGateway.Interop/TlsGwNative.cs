using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>
/// Declarations of libtlsgw_native.so, one partial file per native area (pal_*.c). The names
/// drop the TlsGwNative_ prefix; docs/native-boundary.md says why each export exists.
/// </summary>
public static partial class TlsGwNative
{
    internal const string Library = "tlsgw_native";

    [LibraryImport(Library, EntryPoint = "TlsGwNative_ErrGetNext")]
    internal static partial int ErrGetNext(out int library, out int reason, Span<byte> text, int textLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_ErrClear")]
    internal static partial void ErrClear();
}
