// pal_ctx: SSL_CTX — one per (listener, server-name entry) or per client profile.
// A context is immutable once connections use it: the managed side builds a new one and
// swaps it in to change certificates, trust or policy (new connections only).
#pragma once

#include "pal_compiler.h"

#include <openssl/ssl.h>

// Managed callback: choose the context for a ClientHello's server name (NULL when the client sent
// none) and ALPN offer (the protocol_name_list of RFC 7301 section 3.1 without its length prefix;
// NULL/0 when none). Writes the chosen SSL_CTX* (borrowed; the caller keeps it alive for the
// connection) and returns 1, or returns 0 to refuse the connection with an unrecognized_name alert.
typedef int32_t (*TlsGwServerNameCallback)(intptr_t connectionCookie, const char* serverName, const uint8_t* alpn, int32_t alpnLength, SSL_CTX** selected);

// Managed callback: authorize a peer whose chain OpenSSL has verified. chain holds count DER
// certificates back to back (leaf first), lengths[i] each. Returns 1 to accept, 0 to reject.
typedef int32_t (*TlsGwAuthorizeCallback)(intptr_t connectionCookie, const uint8_t* chain, const int32_t* lengths, int32_t count);

// SSL_CTX_new(TLS_server_method() or TLS_client_method()) with the secure defaults every
// context starts from: TLS 1.2 minimum, no renegotiation, no compression, no 0-RTT, stateless
// tickets only. Caller owns the result (TlsGwNative_SslCtxDestroy).
TLSGW_EXPORT SSL_CTX* TlsGwNative_SslCtxCreate(int32_t isServer);

// SSL_CTX_free: drops the caller's reference; connections still using it keep theirs.
TLSGW_EXPORT void TlsGwNative_SslCtxDestroy(SSL_CTX* ctx);

// SSL_CTX_set_{min,max}_proto_version with TLS wire versions (0x0303, 0x0304). Returns 1 on success.
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetProtocolRange(SSL_CTX* ctx, int32_t minVersion, int32_t maxVersion);

// SSL_CTX_set_ciphersuites (TLS 1.3) and SSL_CTX_set_cipher_list (TLS 1.2). Returns 1 on success.
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetCipherSuites(SSL_CTX* ctx, const char* tls13Suites);
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetCipherList(SSL_CTX* ctx, const char* tls12Ciphers);

// SSL_CTX_set1_groups_list and SSL_CTX_set1_sigalgs_list. Returns 1 on success.
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetGroups(SSL_CTX* ctx, const char* groups);
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetSignatureAlgorithms(SSL_CTX* ctx, const char* sigalgs);

// SSL_CTX_use_cert_and_key: leaf + rest of chain + key into the slot of the key's type, so an
// RSA and an ECDSA certificate can sit side by side and OpenSSL picks what the client supports.
// Checks that the key matches the leaf. Does not take ownership. Returns 1 on success.
TLSGW_EXPORT int32_t TlsGwNative_SslCtxAddCertificate(SSL_CTX* ctx, STACK_OF(X509)* chain, EVP_PKEY* key);

// Client certificates: mode 0 = none, 1 = request, 2 = require. store (may be NULL for mode 0)
// becomes the verification store (SSL_CTX_set1_verify_cert_store, reference taken).
// authorize (may be NULL) runs once the leaf has verified. A server context remembers the client
// chains it has verified (pal_verify_cache.h) and validates a chain seen before only by its dates;
// authorize runs on every handshake all the same. Returns 1 on success.
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetVerify(SSL_CTX* ctx, int32_t mode, X509_STORE* store, int32_t depth, TlsGwAuthorizeCallback authorize);

// How many client chains this context has accepted from its verification cache.
TLSGW_EXPORT int64_t TlsGwNative_SslCtxGetVerifyCacheHits(SSL_CTX* ctx);

// Server-side ALPN preference list in wire format (length-prefixed names). A client that offers
// ALPN but none of these gets a no_application_protocol alert (RFC 7301 section 3.2).
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetAlpnProtocols(SSL_CTX* ctx, const uint8_t* wire, int32_t wireLength);

// SSL_CTX_set_session_id_context: binds resumed sessions to this context (max 32 bytes).
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetSessionIdContext(SSL_CTX* ctx, const uint8_t* id, int32_t idLength);

// Installs the ClientHello callback that asks the managed side which context serves the
// client's server name, then moves the connection to it (certificates, verify policy, profile).
TLSGW_EXPORT void TlsGwNative_SslCtxSetServerNameCallback(SSL_CTX* ctx, TlsGwServerNameCallback callback);

// Internal to the shim: the per-context settings pal_ssl.c reapplies after an SNI switch.
typedef struct TlsGwCtxData TlsGwCtxData;
TlsGwCtxData* TlsGwCtxData_Get(const SSL_CTX* ctx);
int TlsGwCtxData_ApplyTo(const SSL_CTX* ctx, SSL* ssl);
int32_t TlsGwCtxData_SetStaple(SSL_CTX* ctx, X509* leaf, const uint8_t* response, int32_t length);
