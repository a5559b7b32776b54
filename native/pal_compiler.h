// Shared definitions for every pal_*.c file of the shim.
#pragma once

#include <stdint.h>

// Every export is prefixed TlsGwNative_ and listed in entrypoints.map; the visibility
// attribute keeps the compiler honest, the version script keeps the linker honest.
#define TLSGW_EXPORT __attribute__((visibility("default")))

// Status codes shared by the data-path calls. Mirrored in Interop/TlsGwStatus.cs.
typedef enum
{
    TlsGwStatus_Ok = 0,          // progress made; nothing else to report
    TlsGwStatus_WantRead = 1,    // OpenSSL needs more ciphertext from the peer
    TlsGwStatus_Closed = 2,      // the peer sent close_notify
    TlsGwStatus_Error = 3,       // fatal: the error queue holds the reason (drain it now)
} TlsGwStatus;

// Flags returned beside the status by TlsGwNative_SslProcess.
typedef enum
{
    TlsGwFlag_HandshakeDone = 1,     // the handshake completed during this call
    TlsGwFlag_OutputPending = 2,     // more ciphertext waits than fitted in the output buffer
    TlsGwFlag_PlaintextPending = 4,  // more plaintext is readable than fitted in the output buffer
} TlsGwFlags;
