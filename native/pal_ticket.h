// pal_ticket: a session-ticket key ring shared by every context of a listener (and, through
// the control plane, by a fleet of edges). Keys use Envoy's and nginx's 80-byte format:
// 16-byte key name, 32-byte HMAC-SHA256 secret, 32-byte AES-256-CBC key.
#pragma once

#include "pal_compiler.h"

#include <openssl/ssl.h>

#define TLSGW_TICKET_KEY_LENGTH 80
#define TLSGW_TICKET_KEYS_MAX 8

typedef struct TlsGwTicketKeys TlsGwTicketKeys;

// Creates an empty ring (no tickets issued until keys are set). Caller owns the result.
TLSGW_EXPORT TlsGwTicketKeys* TlsGwNative_TicketKeysCreate(void);

// Drops the caller's reference; contexts using the ring keep theirs. Keys are cleansed on last free.
TLSGW_EXPORT void TlsGwNative_TicketKeysDestroy(TlsGwTicketKeys* ring);

// Replaces the ring's keys atomically: count keys of 80 bytes back to back; the first encrypts
// new tickets, all decrypt. count 0 stops ticket issue. Returns 1 on success.
// The caller should wipe its copy of keys afterwards.
TLSGW_EXPORT int32_t TlsGwNative_TicketKeysSet(TlsGwTicketKeys* ring, const uint8_t* keys, int32_t count);

// Makes ctx encrypt and decrypt tickets with ring (reference taken; SSL_CTX_set_tlsext_ticket_key_evp_cb).
TLSGW_EXPORT int32_t TlsGwNative_SslCtxSetTicketKeys(SSL_CTX* ctx, TlsGwTicketKeys* ring);
