// pal_x509: certificate chains and trust stores parsed from PEM held in managed memory.
#pragma once

#include "pal_compiler.h"

#include <openssl/x509.h>

// Parses every CERTIFICATE block in pem, in order (leaf first for a served chain).
// Returns NULL if there is none or any block is malformed. Caller owns the result.
TLSGW_EXPORT STACK_OF(X509)* TlsGwNative_X509ChainLoadPem(const uint8_t* pem, int32_t pemLength);

// sk_X509_pop_free(chain, X509_free).
TLSGW_EXPORT void TlsGwNative_X509ChainDestroy(STACK_OF(X509)* chain);

// Number of certificates in chain.
TLSGW_EXPORT int32_t TlsGwNative_X509ChainCount(STACK_OF(X509)* chain);

// X509_STORE holding every certificate of pem as a trust anchor. Partial chains stay off:
// a client chain must end at one of these roots. Caller owns the result.
TLSGW_EXPORT X509_STORE* TlsGwNative_X509StoreCreate(const uint8_t* pem, int32_t pemLength);

// X509_STORE_free: drops the caller's reference; contexts using the store keep theirs.
TLSGW_EXPORT void TlsGwNative_X509StoreDestroy(X509_STORE* store);
