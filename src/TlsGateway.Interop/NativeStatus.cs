namespace TlsGateway.Interop;

/// <summary>Result of a data-path call. Mirrors TlsGwStatus in native/pal_compiler.h.</summary>
public enum NativeStatus
{
    Ok = 0,
    WantRead = 1,
    Closed = 2,
    Error = 3,
}

/// <summary>Flags beside a data-path result. Mirrors TlsGwFlags in native/pal_compiler.h.</summary>
[Flags]
public enum NativeFlags
{
    None = 0,
    HandshakeDone = 1,
    OutputPending = 2,
    PlaintextPending = 4,
}
