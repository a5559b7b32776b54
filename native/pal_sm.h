// pal_sm: the ShangMi symmetric primitives from libcrypto — SM3 (GB/T 32905), HMAC-SM3 and the
// SM4 block cipher (GB/T 32907) in the three shapes GCM and CCM are built from in managed code
// (Debian's OpenSSL 3.0 has SM4 ECB/CBC/CTR but no SM4-GCM or SM4-CCM; RFC 8998 needs both).
// SM2 lives in pal_sm2.
#pragma once

#include "pal_compiler.h"

#include <openssl/evp.h>

// Sizes fixed by the standards; the managed side checks every buffer against them.
#define TLSGW_SM3_DIGEST_LENGTH 32
#define TLSGW_SM4_KEY_LENGTH 16
#define TLSGW_SM4_BLOCK_LENGTH 16

// One SM4 key scheduled into the three OpenSSL contexts the AEAD modes need.
typedef struct TlsGwSm4 TlsGwSm4;

// ---- SM3 ----

// EVP_Digest with SM3: digest gets 32 bytes. data may be NULL when length is 0.
// Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm3Digest(const uint8_t* data, int32_t length, uint8_t* digest);

// EVP_MD_CTX_new + EVP_DigestInit_ex2(SM3): an incremental hash. Caller owns the result
// (TlsGwNative_Sm3Destroy).
TLSGW_EXPORT EVP_MD_CTX* TlsGwNative_Sm3Create(void);

// EVP_MD_CTX_copy_ex: an independent hash that continues from ctx's state (a forked TLS
// transcript). Caller owns the result (TlsGwNative_Sm3Destroy).
TLSGW_EXPORT EVP_MD_CTX* TlsGwNative_Sm3Duplicate(const EVP_MD_CTX* ctx);

// EVP_MD_CTX_free.
TLSGW_EXPORT void TlsGwNative_Sm3Destroy(EVP_MD_CTX* ctx);

// EVP_DigestUpdate. Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm3Update(EVP_MD_CTX* ctx, const uint8_t* data, int32_t length);

// The digest of everything hashed so far without finishing ctx (EVP_MD_CTX_copy_ex into a
// scratch context, EVP_DigestFinal_ex on the copy): TLS 1.3 hashes the transcript up to each
// handshake message and keeps going (RFC 8446 §4.4.1). Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm3Current(const EVP_MD_CTX* ctx, uint8_t* digest);

// EVP_DigestFinal_ex, then EVP_DigestInit_ex2 so ctx starts a new hash. Returns 1, or 0.
TLSGW_EXPORT int32_t TlsGwNative_Sm3Final(EVP_MD_CTX* ctx, uint8_t* digest);

// ---- HMAC-SM3 (RFC 2104 over SM3) ----

// EVP_MAC_CTX_new("HMAC") + EVP_MAC_init(digest SM3, key). The key may be empty. OpenSSL keeps
// its own copy (cleansed when the context is freed); the caller wipes its buffer. Caller owns
// the result (TlsGwNative_Sm3HmacDestroy).
TLSGW_EXPORT EVP_MAC_CTX* TlsGwNative_Sm3HmacCreate(const uint8_t* key, int32_t keyLength);

// EVP_MAC_CTX_free.
TLSGW_EXPORT void TlsGwNative_Sm3HmacDestroy(EVP_MAC_CTX* ctx);

// EVP_MAC_update. Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm3HmacUpdate(EVP_MAC_CTX* ctx, const uint8_t* data, int32_t length);

// EVP_MAC_final into mac (32 bytes), then EVP_MAC_init with no key, which restarts with the same
// key. Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm3HmacFinal(EVP_MAC_CTX* ctx, uint8_t* mac);

// ---- SM4 ----

// Schedules a 16-byte key into an ECB, a CTR and a CBC encryption context (padding off).
// OpenSSL's key schedules are cleansed when the contexts are freed; the caller wipes its copy
// of the key. Caller owns the result (TlsGwNative_Sm4Destroy).
TLSGW_EXPORT TlsGwSm4* TlsGwNative_Sm4Create(const uint8_t* key, int32_t keyLength);

// Frees the three contexts.
TLSGW_EXPORT void TlsGwNative_Sm4Destroy(TlsGwSm4* sm4);

// SM4 encryption of whole blocks (EVP_EncryptUpdate on SM4-ECB): length must be a multiple of
// 16. input and output may be the same buffer. Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm4EncryptBlocks(TlsGwSm4* sm4, const uint8_t* input, uint8_t* output, int32_t length);

// SM4-CTR from the 16-byte counter block (EVP_EncryptInit_ex2 with counter as IV, then
// EVP_EncryptUpdate). OpenSSL increments all 128 bits of the counter, big-endian; callers that
// need another increment (GCM's inc32) split the call where the two differ. Any length; input
// and output may be the same buffer. Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm4Ctr(TlsGwSm4* sm4, const uint8_t* counter, const uint8_t* input, uint8_t* output, int32_t length);

// CBC-MAC: state (16 bytes) = the last block of SM4-CBC over data with IV = state. length must
// be a multiple of 16; the intermediate blocks are cleansed. For CCM's MAC (NIST SP 800-38C §6.1).
// Returns 1, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm4CbcMac(TlsGwSm4* sm4, uint8_t* state, const uint8_t* data, int32_t length);
