// pal_sign: CA key operations — generate a key inside OpenSSL, export its public half and an
// encrypted PKCS#8 copy, and sign bytes with it. The private key stays in OpenSSL (or in the
// token behind an ENGINE) for its whole life; managed code only ever holds the handle.
#pragma once

#include "pal_compiler.h"

#include <openssl/evp.h>

// Key types for TlsGwNative_PKeyGenerate. Mirrored in Interop/NativeKeyType.cs.
typedef enum
{
    TlsGwKeyType_EcP256 = 1,
    TlsGwKeyType_EcP384 = 2,
    TlsGwKeyType_Rsa = 3,   // size in bits from the parameter
    TlsGwKeyType_Sm2 = 4,
} TlsGwKeyType;

// EVP_PKEY_Q_keygen. Caller owns the result (TlsGwNative_PKeyDestroy).
TLSGW_EXPORT EVP_PKEY* TlsGwNative_PKeyGenerate(int32_t keyType, int32_t rsaBits);

// i2d_PUBKEY: the DER SubjectPublicKeyInfo. Returns its length; copies it only when it fits in
// bufferLength (call with bufferLength 0 to learn the size). Returns -1 on error.
TLSGW_EXPORT int32_t TlsGwNative_PKeyExportPublic(EVP_PKEY* key, uint8_t* buffer, int32_t bufferLength);

// An encrypted PKCS#8 PEM: PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256 with the given number of
// iterations (≥ 1; the CA asks for 600,000, OWASP's 2023 figure) from passphrase (non-empty).
// Returns the PEM length and copies it when it fits (the length does not depend on the random
// salt and IV, so probing first is safe). Returns -1 on error. The output is ciphertext; the
// plaintext key never crosses the boundary.
TLSGW_EXPORT int32_t TlsGwNative_PKeyExportEncryptedPkcs8(EVP_PKEY* key, const uint8_t* passphrase, int32_t passphraseLength,
    int32_t iterations, uint8_t* buffer, int32_t bufferLength);

// EVP_DigestSign over data with the named digest ("SHA256", "SHA384", "SM3"). RSA keys sign
// PKCS#1 v1.5, EC keys give a DER ECDSA-Sig-Value, SM2 keys sign with distinguishing ID
// sm2Id (GB/T 35276: "1234567812345678" for certificates) when it is non-NULL.
// *signatureLength gets the length written; returns 1 on success, 0 with the error queue set.
TLSGW_EXPORT int32_t TlsGwNative_DigestSign(EVP_PKEY* key, const char* digestName, const uint8_t* sm2Id, int32_t sm2IdLength,
    const uint8_t* data, int32_t dataLength, uint8_t* signature, int32_t signatureCapacity, int32_t* signatureLength);

// Verifies an ECDSA (DER ECDSA-Sig-Value) or SM2 signature over data with a public key given as
// its curve ("P-256", "P-384", "P-521", "SM2") and encoded point, built with EVP_PKEY_fromdata.
// Taking the point rather than a DER SubjectPublicKeyInfo skips OpenSSL 3.0's decoder
// machinery, which costs more than the signature check itself. sm2Id as in DigestSign.
// Returns 1 valid, 0 invalid, -1 error (bad point, unknown curve; the error queue says which).
TLSGW_EXPORT int32_t TlsGwNative_EcVerify(const char* curveName, const uint8_t* point, int32_t pointLength, const char* digestName,
    const uint8_t* sm2Id, int32_t sm2IdLength, const uint8_t* data, int32_t dataLength, const uint8_t* signature, int32_t signatureLength);
