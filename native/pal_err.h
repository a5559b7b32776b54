// pal_err: OpenSSL's per-thread error queue, drained at the boundary.
#pragma once

#include "pal_compiler.h"

// Reason codes the managed side classifies handshake failures by (ERR_LIB_SSL only).
// Mirrored in Interop/OpenSslReason.cs; pal_err.c checks every value against sslerr.h.
typedef enum
{
    TlsGwReason_CertificateVerifyFailed = 134,
    TlsGwReason_HttpRequest = 156,
    TlsGwReason_NoSharedCipher = 193,
    TlsGwReason_PacketLengthTooLong = 198,
    TlsGwReason_PeerDidNotReturnCertificate = 199,
    TlsGwReason_NoProtocolsAvailable = 191,
    TlsGwReason_NoApplicationProtocol = 235,
    TlsGwReason_UnsupportedProtocol = 258,
    TlsGwReason_WrongVersionNumber = 267,
    TlsGwReason_UnexpectedEofWhileReading = 294,
    TlsGwReason_UnexpectedMessage = 244,
    TlsGwReason_BadPacketLength = 115,
    TlsGwReason_AlertBase = 1000,  // SSL_AD_REASON_OFFSET: reason = 1000 + alert the peer sent
} TlsGwSslReason;

// The library code for libssl errors (ERR_LIB_SSL).
#define TLSGW_ERR_LIB_SSL 20

// Pops the oldest error from this thread's queue. Returns 1 and fills lib, reason and a
// NUL-terminated human text (ERR_error_string_n plus any data string), or 0 if the queue is empty.
TLSGW_EXPORT int32_t TlsGwNative_ErrGetNext(int32_t* lib, int32_t* reason, char* text, int32_t textLength);

// Empties this thread's error queue (ERR_clear_error).
TLSGW_EXPORT void TlsGwNative_ErrClear(void);
