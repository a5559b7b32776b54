// pal_ssl: one SSL per connection over two memory BIOs. Managed code owns the socket; each
// socket event costs one call here: feed ciphertext and drain plaintext (Process), or
// encrypt a batch (Write). Never a call per record or per byte.
#pragma once

#include "pal_compiler.h"

#include <openssl/ssl.h>

// Facts about a finished handshake, read once. Pointers are borrowed from the SSL (or static
// in OpenSSL) and valid until TlsGwNative_SslDestroy; the managed side copies them at once.
typedef struct
{
    int32_t Version;           // wire version: 0x0303 TLS 1.2, 0x0304 TLS 1.3
    int32_t SessionReused;     // 1 if resumed from a ticket
    int32_t VerifyResult;      // X509_V_OK (0) or the X509_V_ERR_* of the peer chain
    int32_t PeerCertificate;   // 1 if the peer presented a certificate
    int32_t AlpnLength;
    int32_t ChainFromCache;    // 1 if the peer's chain was accepted from the context's verify cache
    const uint8_t* Alpn;       // negotiated protocol, not NUL-terminated
    const char* CipherName;    // OpenSSL name, e.g. TLS_AES_128_GCM_SHA256
    const char* ServerName;    // SNI the client sent (server) or we sent (client); may be NULL
    const char* GroupName;     // key-exchange group, e.g. X25519; may be NULL
} TlsGwHandshakeInfo;

// SSL_new(ctx) with a memory BIO each way, set to accept (server) or connect (client).
// cookie is handed back to managed callbacks for this connection (SSL_set_app_data).
// Caller owns the result (TlsGwNative_SslDestroy).
TLSGW_EXPORT SSL* TlsGwNative_SslCreate(SSL_CTX* ctx, int32_t isServer, intptr_t cookie);

// Private to the shim: the verify cache (pal_verify_cache.c) marks a connection whose peer chain
// it answered, for TlsGwHandshakeInfo.ChainFromCache.
void TlsGwSsl_MarkChainFromCache(SSL* ssl);

// SSL_free, which also frees both BIOs.
TLSGW_EXPORT void TlsGwNative_SslDestroy(SSL* ssl);

// Client only: SNI to send (may be NULL), host name to verify the server certificate against
// (SSL_set1_host; may be NULL to skip the name check), ALPN offer in wire format (may be NULL).
TLSGW_EXPORT int32_t TlsGwNative_SslSetClientOptions(SSL* ssl, const char* serverName, const char* verifyHost, const uint8_t* alpn, int32_t alpnLength);

// Feeds input (ciphertext from the peer), advances the handshake, decrypts as much plaintext as
// fits, and drains ciphertext OpenSSL wants sent (handshake flights, alerts, tickets).
// Returns a TlsGwStatus; *flags gets TlsGwFlags. On TlsGwStatus_Error the output still holds
// the alert to send and the error queue holds the reason.
TLSGW_EXPORT int32_t TlsGwNative_SslProcess(SSL* ssl,
    const uint8_t* input, int32_t inputLength,
    uint8_t* plaintext, int32_t plaintextCapacity, int32_t* plaintextLength,
    uint8_t* output, int32_t outputCapacity, int32_t* outputLength, int32_t* flags);

// Encrypts plaintext into records until it is consumed or output is nearly full, and drains the
// records into output. *consumed says how much plaintext was taken.
TLSGW_EXPORT int32_t TlsGwNative_SslWrite(SSL* ssl,
    const uint8_t* plaintext, int32_t plaintextLength, int32_t* consumed,
    uint8_t* output, int32_t outputCapacity, int32_t* outputLength, int32_t* flags);

// Drains ciphertext that did not fit in an earlier call's output. Returns TlsGwFlags.
TLSGW_EXPORT int32_t TlsGwNative_SslDrainOutput(SSL* ssl, uint8_t* output, int32_t outputCapacity, int32_t* outputLength);

// 1 when received bytes wait inside the connection: decrypted but unread, or still in the read BIO
// (application data that came behind the handshake), else 0.
TLSGW_EXPORT int32_t TlsGwNative_SslHasBufferedInput(SSL* ssl);

// SSL_shutdown once: queues close_notify and drains it into output. Returns a TlsGwStatus.
TLSGW_EXPORT int32_t TlsGwNative_SslShutdown(SSL* ssl, uint8_t* output, int32_t outputCapacity, int32_t* outputLength);

// SSL_get_verify_result: X509_V_OK (0) or why the peer chain failed; valid after a failed handshake too.
TLSGW_EXPORT int32_t TlsGwNative_SslGetVerifyResult(SSL* ssl);

// i2d_X509 of SSL_get0_peer_certificate into buffer. Returns the DER length (which may exceed
// capacity: then nothing is written and the caller retries with a larger buffer), 0 if the peer
// sent no certificate. Used after resumption, when no verify callback ran.
TLSGW_EXPORT int32_t TlsGwNative_SslGetPeerCertificate(SSL* ssl, uint8_t* buffer, int32_t capacity);

// Fills info for a finished handshake. Returns 1, or 0 if the handshake has not finished.
TLSGW_EXPORT int32_t TlsGwNative_SslGetHandshakeInfo(SSL* ssl, TlsGwHandshakeInfo* info);
