// pal_ctx_data: the per-SSL_CTX data shared by pal_ctx.c (profile, ALPN, callbacks) and
// pal_ocsp.c (staples). Private to the shim: not part of the export list.
#pragma once

#include "pal_ctx.h"
#include "pal_verify_cache.h"

#include <openssl/crypto.h>

#define TLSGW_MAX_STAPLES 4

typedef struct
{
    X509* leaf;        // the served certificate this response is about (reference held)
    uint8_t* response; // DER OCSPResponse
    int32_t length;
} TlsGwStaple;

// What OpenSSL cannot give back from an SSL_CTX but a connection needs when the ClientHello
// callback moves it to this context (profile strings, ALPN list, callbacks), and the OCSP
// staples served for its certificates.
struct TlsGwCtxData
{
    int32_t minVersion;
    int32_t maxVersion;
    char* cipherSuites;
    char* cipherList;
    char* groups;
    char* sigalgs;
    uint8_t* alpn;
    int32_t alpnLength;
    TlsGwAuthorizeCallback authorize;
    TlsGwVerifyCache* verifyCache; // client chains verified before (NULL until verification is on)
    TlsGwServerNameCallback serverName;
    CRYPTO_RWLOCK* stapleLock;
    TlsGwStaple staples[TLSGW_MAX_STAPLES];
};

