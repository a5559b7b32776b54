// pal_ocsp: OCSP stapling (RFC 6066 section 8, RFC 8446 section 4.4.2.1) — building requests,
// checking responses, and handing the current response to OpenSSL per served certificate.
#pragma once

#include "pal_compiler.h"

#include <openssl/ssl.h>

// Builds a DER OCSPRequest (RFC 6960, SHA-1 CertID as responders expect, no nonce so responses
// can be cached) for chain[0] issued by chain[1]. Returns the DER length; writes it only when it
// fits in capacity. Returns 0 on failure (chain without an issuer, encoding error).
TLSGW_EXPORT int32_t TlsGwNative_OcspBuildRequest(STACK_OF(X509)* chain, uint8_t* buffer, int32_t capacity);

// Checks a DER OCSPResponse for chain[0]: response status successful, signed by chain[1] or by
// a responder certificate chain[1] issued for OCSP signing, covering chain[0], times sane.
// *certStatus gets V_OCSP_CERTSTATUS_GOOD (0), REVOKED (1) or UNKNOWN (2); *thisUpdate and
// *nextUpdate get Unix seconds (*nextUpdate 0 if absent). Returns 1 if the response is valid.
TLSGW_EXPORT int32_t TlsGwNative_OcspCheckResponse(STACK_OF(X509)* chain, const uint8_t* response, int32_t length,
    int32_t* certStatus, int64_t* thisUpdate, int64_t* nextUpdate);

// Staples response (a copy is kept; NULL/0 removes it) whenever ctx serves chain[0]. Safe while
// handshakes run: readers take a read lock and copy. Returns 1 on success.
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetOcspStaple(SSL_CTX* ctx, STACK_OF(X509)* chain, const uint8_t* response, int32_t length);
