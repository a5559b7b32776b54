// pal_x509: certificate chains, trust stores and CRLs parsed from bytes held in managed memory.
#pragma once

#include "pal_compiler.h"

#include <openssl/x509.h>

// X509_V_ERR_* results the managed classifier tells apart (SSL_get_verify_result).
// Mirrored in Interop/X509VerifyResult.cs; pal_x509.c checks every value against x509_vfy.h.
typedef enum
{
    TlsGwVerify_Ok = 0,
    TlsGwVerify_UnableToGetIssuerCert = 2,
    TlsGwVerify_UnableToGetCrl = 3,
    TlsGwVerify_CrlSignatureFailure = 8,
    TlsGwVerify_CertNotYetValid = 9,
    TlsGwVerify_CertHasExpired = 10,
    TlsGwVerify_CrlNotYetValid = 11,
    TlsGwVerify_CrlHasExpired = 12,
    TlsGwVerify_DepthZeroSelfSigned = 18,
    TlsGwVerify_SelfSignedInChain = 19,
    TlsGwVerify_UnableToGetIssuerCertLocally = 20,
    TlsGwVerify_UnableToVerifyLeafSignature = 21,
    TlsGwVerify_CertRevoked = 23,
    TlsGwVerify_UnableToGetCrlIssuer = 33,
} TlsGwVerifyResult;

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

// Parses CRLs: every X509 CRL block of PEM input, or one DER CRL (input that does not start
// with "-----BEGIN"). Returns NULL if there is none, any block is malformed or DER input has
// trailing bytes. Signatures and dates are not checked here: verification does that per
// handshake, against the issuer in the peer's chain. Caller owns the result.
TLSGW_EXPORT STACK_OF(X509_CRL)* TlsGwNative_X509CrlListLoad(const uint8_t* data, int32_t dataLength);

// sk_X509_CRL_pop_free(crls, X509_CRL_free).
TLSGW_EXPORT void TlsGwNative_X509CrlListDestroy(STACK_OF(X509_CRL)* crls);

// X509_STORE_add_crl for each CRL (the store takes its own references; the caller keeps owning
// crls), then X509_STORE_set_flags(X509_V_FLAG_CRL_CHECK): the leaf's issuer must have a current
// CRL, or verification fails (fail closed). Leaf only, not CRL_CHECK_ALL: the CA publishes CRLs
// for the leaves its intermediates sign. Call before the store is given to a context.
// Returns the number of CRLs added, or 0 on failure.
TLSGW_EXPORT int32_t TlsGwNative_X509StoreAddCrls(X509_STORE* store, STACK_OF(X509_CRL)* crls);
