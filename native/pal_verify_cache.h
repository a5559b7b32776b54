// pal_verify_cache: remembers which client certificate chains a server context has verified, so
// a client that reconnects with the same chain skips the path validation (chain building and
// the issuer's signature over the leaf, ~110 µs per ECDSA P-256 handshake on OpenSSL 3.0).
// Private to the shim, except the hit counter exported through pal_ctx.h.
#pragma once

#include <openssl/x509.h>
#include <stdint.h>

typedef struct TlsGwVerifyCache TlsGwVerifyCache;

// A cache for chains verified against store (compared by identity, never dereferenced: the
// context that owns the cache holds the store).
TlsGwVerifyCache* TlsGwVerifyCache_New(const X509_STORE* store);
void TlsGwVerifyCache_Free(TlsGwVerifyCache* cache);

// The SSL_CTX_set_cert_verify_callback callback; arg is the context's TlsGwVerifyCache.
int TlsGwVerifyCache_Verify(X509_STORE_CTX* storeCtx, void* arg);

// How many handshakes this cache has answered without running X509_verify_cert.
int64_t TlsGwVerifyCache_Hits(const TlsGwVerifyCache* cache);
