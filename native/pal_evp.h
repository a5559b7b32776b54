// pal_evp: private keys, from PEM in managed memory or from hardware (ENGINE / OSSL_STORE).
#pragma once

#include "pal_compiler.h"

#include <openssl/evp.h>

// PEM_read_bio_PrivateKey: PKCS#1, SEC1, PKCS#8 and encrypted PKCS#8. passphrase may be NULL
// (an encrypted key then fails with a "bad decrypt"/"bad password read" reason instead of
// prompting). OpenSSL's copies of the passphrase are its own; the caller wipes its buffer.
// Caller owns the result (TlsGwNative_PKeyDestroy).
TLSGW_EXPORT EVP_PKEY* TlsGwNative_PKeyLoadPem(const uint8_t* pem, int32_t pemLength, const uint8_t* passphrase, int32_t passphraseLength);

// A key that stays in hardware, through an OpenSSL ENGINE (ENGINE_by_id, e.g. "pkcs11" from
// libengine-pkcs11-openssl) and ENGINE_load_private_key(keyId, e.g. an RFC 7512 pkcs11: URI).
// controls are "NAME" / "VALUE" pairs sent before ENGINE_init (e.g. MODULE_PATH), then pin as
// the engine's PIN control if non-NULL. The engine stays initialised for the process lifetime,
// since keys it hands out call back into it. Caller owns the result.
TLSGW_EXPORT EVP_PKEY* TlsGwNative_PKeyLoadFromEngine(const char* engineId, const char* keyId,
    const char* const* controlNames, const char* const* controlValues, int32_t controlCount, const char* pin);

// A key named by URI through the OSSL_STORE API (providers such as pkcs11-provider, or file:).
// Caller owns the result.
TLSGW_EXPORT EVP_PKEY* TlsGwNative_PKeyLoadFromStore(const char* uri, const uint8_t* passphrase, int32_t passphraseLength);

// EVP_PKEY_free.
TLSGW_EXPORT void TlsGwNative_PKeyDestroy(EVP_PKEY* key);

// EVP_PKEY_get_base_id and EVP_PKEY_get_bits, for policy checks (key type and strength).
// Keys on the SM2 curve report EVP_PKEY_SM2 whatever their provider says.
TLSGW_EXPORT int32_t TlsGwNative_PKeyGetInfo(EVP_PKEY* key, int32_t* baseId, int32_t* bits);
