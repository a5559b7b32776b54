// pal_sm2: SM2 (GB/T 32918) keys, signatures with a distinguishing ID, and ECDH on the SM2
// curve (curveSM2 in RFC 8998 §3.1). Signing keys are generated with TlsGwNative_PKeyGenerate
// (pal_sign) and their SubjectPublicKeyInfo exported with TlsGwNative_PKeyExportPublic.
//
// OpenSSL 3.0 has two kinds of key on this curve and they are not interchangeable:
// - type "SM2": signs SM2 (GB/T 32918.2) but refuses EVP_PKEY_derive ("operation not supported
//   for this keytype");
// - type "EC" with group "SM2": derives ECDH secrets but, given to EVP_DigestSign with SM3,
//   silently makes an ECDSA-with-SM3 signature, which no SM2 verifier accepts.
// So signatures take only "SM2" keys and ECDH only "EC" keys, and each export checks.
#pragma once

#include "pal_compiler.h"

#include <openssl/evp.h>

// The uncompressed point 04 || x || y (SEC 1 §2.3.3): what TLS 1.3 key shares carry
// (RFC 8446 §4.2.8.2) and the only encoding these calls accept.
#define TLSGW_SM2_POINT_LENGTH 65
#define TLSGW_SM2_SECRET_LENGTH 32

// GB/T 32918.2 §5.5 hashes the ID's length in bits as two bytes (ENTL), which allows 8191
// bytes; OpenSSL 3.0 refuses 8191 itself (sm2_sign.c: id_len >= UINT16_MAX / 8), so 8190.
#define TLSGW_SM2_MAX_ID_LENGTH 8190

// d2i_PKCS8_PRIV_KEY_INFO + EVP_PKCS82PKEY: a DER PrivateKeyInfo (RFC 5208) whose key is on the
// SM2 curve; anything else, or trailing bytes, fails. OpenSSL's decoder types such keys "SM2".
// The caller wipes its buffer. Caller owns the result (TlsGwNative_PKeyDestroy).
TLSGW_EXPORT EVP_PKEY* TlsGwNative_Sm2KeyImportPkcs8(const uint8_t* der, int32_t length);

// d2i_PUBKEY: a DER SubjectPublicKeyInfo on the SM2 curve (id-ecPublicKey with the sm2 curve
// OID 1.2.156.10197.1.301, GB/T 35276). Caller owns the result.
TLSGW_EXPORT EVP_PKEY* TlsGwNative_Sm2KeyImportPublic(const uint8_t* der, int32_t length);

// EVP_PKEY_fromdata("SM2", group SM2, pub): a verifying key from a 65-byte uncompressed point,
// checked to lie on the curve. Caller owns the result.
TLSGW_EXPORT EVP_PKEY* TlsGwNative_Sm2KeyFromPoint(const uint8_t* point, int32_t length);

// EVP_PKEY2PKCS8 + i2d_PKCS8_PRIV_KEY_INFO: the unencrypted DER PrivateKeyInfo. Returns its
// length and copies it only when it fits in bufferLength (call with 0 to learn the size);
// -1 on error. OpenSSL's intermediate copy is cleansed; the caller wipes the buffer.
TLSGW_EXPORT int32_t TlsGwNative_Sm2KeyExportPkcs8(EVP_PKEY* key, uint8_t* buffer, int32_t bufferLength);

// EVP_PKEY_get_octet_string_param(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY): the 65-byte uncompressed
// point of an SM2 or EC-on-SM2 key. Returns 65, or -1 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm2KeyExportPoint(EVP_PKEY* key, uint8_t* point, int32_t pointLength);

// EVP_DigestSign with SM3 after EVP_PKEY_CTX_set1_id(id): the DER SM2 signature (GB/T 32918.2
// §6, the Z value of §5.5 from id). id is required: OpenSSL 3.0 otherwise hashes an empty ID,
// which matches neither certificates ("1234567812345678") nor TLS 1.3 (RFC 8998 §3.2.1).
// Returns 1 and sets *signatureLength, or 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_Sm2Sign(EVP_PKEY* key, const uint8_t* id, int32_t idLength, const uint8_t* data, int32_t dataLength,
    uint8_t* signature, int32_t signatureCapacity, int32_t* signatureLength);

// EVP_DigestVerify with SM3 and the same ID rules. Returns 1 valid, 0 invalid (including a
// malformed signature), -1 error (wrong key type, bad arguments; the error queue says which).
TLSGW_EXPORT int32_t TlsGwNative_Sm2Verify(EVP_PKEY* key, const uint8_t* id, int32_t idLength, const uint8_t* data, int32_t dataLength,
    const uint8_t* signature, int32_t signatureLength);

// EVP_PKEY_Q_keygen("EC", "SM2"): an ephemeral ECDH key on the SM2 curve. Caller owns the
// result (TlsGwNative_PKeyDestroy, which clears the private scalar).
TLSGW_EXPORT EVP_PKEY* TlsGwNative_Sm2EcdhGenerate(void);

// EVP_PKEY_derive with the peer's 65-byte uncompressed point (EVP_PKEY_copy_parameters and
// EVP_PKEY_set1_encoded_public_key, then EVP_PKEY_derive_set_peer_ex with validation): the
// 32-byte x-coordinate of the shared point, as TLS 1.3 uses it for every ECDHE group
// (RFC 8446 §7.4.2). Returns 32; 0 when the peer point is malformed or not on the curve (the
// error queue says which); -1 on any other error.
TLSGW_EXPORT int32_t TlsGwNative_Sm2EcdhDerive(EVP_PKEY* key, const uint8_t* peerPoint, int32_t peerPointLength,
    uint8_t* secret, int32_t secretLength);
