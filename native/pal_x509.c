#include "pal_x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <string.h>

// The managed classifier relies on these numbers; fail the build if OpenSSL ever moves them.
_Static_assert(TlsGwVerify_Ok == X509_V_OK, "verify");
_Static_assert(TlsGwVerify_UnableToGetIssuerCert == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "verify");
_Static_assert(TlsGwVerify_UnableToGetCrl == X509_V_ERR_UNABLE_TO_GET_CRL, "verify");
_Static_assert(TlsGwVerify_CrlSignatureFailure == X509_V_ERR_CRL_SIGNATURE_FAILURE, "verify");
_Static_assert(TlsGwVerify_CertNotYetValid == X509_V_ERR_CERT_NOT_YET_VALID, "verify");
_Static_assert(TlsGwVerify_CertHasExpired == X509_V_ERR_CERT_HAS_EXPIRED, "verify");
_Static_assert(TlsGwVerify_CrlNotYetValid == X509_V_ERR_CRL_NOT_YET_VALID, "verify");
_Static_assert(TlsGwVerify_CrlHasExpired == X509_V_ERR_CRL_HAS_EXPIRED, "verify");
_Static_assert(TlsGwVerify_DepthZeroSelfSigned == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "verify");
_Static_assert(TlsGwVerify_SelfSignedInChain == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "verify");
_Static_assert(TlsGwVerify_UnableToGetIssuerCertLocally == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "verify");
_Static_assert(TlsGwVerify_UnableToVerifyLeafSignature == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "verify");
_Static_assert(TlsGwVerify_CertRevoked == X509_V_ERR_CERT_REVOKED, "verify");
_Static_assert(TlsGwVerify_UnableToGetCrlIssuer == X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, "verify");

STACK_OF(X509)* TlsGwNative_X509ChainLoadPem(const uint8_t* pem, int32_t pemLength)
{
    ERR_clear_error();
    if (pem == NULL || pemLength <= 0)
    {
        return NULL;
    }

    BIO* bio = BIO_new_mem_buf(pem, pemLength);
    STACK_OF(X509)* chain = sk_X509_new_null();
    if (bio == NULL || chain == NULL)
    {
        BIO_free(bio);
        sk_X509_free(chain);
        return NULL;
    }

    X509* certificate;
    while ((certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
    {
        if (!sk_X509_push(chain, certificate))
        {
            X509_free(certificate);
            break;
        }
    }

    // Running out of PEM blocks ends the loop with PEM_R_NO_START_LINE: expected, not an error.
    unsigned long last = ERR_peek_last_error();
    int clean = sk_X509_num(chain) > 0
        && ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
    BIO_free(bio);
    if (!clean)
    {
        sk_X509_pop_free(chain, X509_free);
        return NULL;
    }

    ERR_clear_error();
    return chain;
}

void TlsGwNative_X509ChainDestroy(STACK_OF(X509)* chain)
{
    sk_X509_pop_free(chain, X509_free);
}

int32_t TlsGwNative_X509ChainCount(STACK_OF(X509)* chain)
{
    return chain == NULL ? 0 : sk_X509_num(chain);
}

X509_STORE* TlsGwNative_X509StoreCreate(const uint8_t* pem, int32_t pemLength)
{
    STACK_OF(X509)* certificates = TlsGwNative_X509ChainLoadPem(pem, pemLength);
    if (certificates == NULL)
    {
        return NULL;
    }

    X509_STORE* store = X509_STORE_new();
    int ok = store != NULL;
    for (int i = 0; ok && i < sk_X509_num(certificates); i++)
    {
        ok = X509_STORE_add_cert(store, sk_X509_value(certificates, i));
    }

    sk_X509_pop_free(certificates, X509_free);
    if (!ok)
    {
        X509_STORE_free(store);
        return NULL;
    }

    return store;
}

void TlsGwNative_X509StoreDestroy(X509_STORE* store)
{
    X509_STORE_free(store);
}

static int LooksLikePem(const uint8_t* data, int32_t dataLength)
{
    static const char begin[] = "-----BEGIN";
    int32_t i = 0;
    while (i < dataLength && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
    {
        i++;
    }

    return dataLength - i >= (int32_t)(sizeof(begin) - 1) && memcmp(data + i, begin, sizeof(begin) - 1) == 0;
}

STACK_OF(X509_CRL)* TlsGwNative_X509CrlListLoad(const uint8_t* data, int32_t dataLength)
{
    ERR_clear_error();
    if (data == NULL || dataLength <= 0)
    {
        return NULL;
    }

    STACK_OF(X509_CRL)* crls = sk_X509_CRL_new_null();
    if (crls == NULL)
    {
        return NULL;
    }

    if (!LooksLikePem(data, dataLength))
    {
        // DER: exactly one CertificateList and nothing after it (what GET /ca/crl serves, RFC 5280 section 5).
        const unsigned char* cursor = data;
        X509_CRL* crl = d2i_X509_CRL(NULL, &cursor, dataLength);
        if (crl == NULL || cursor != data + dataLength || !sk_X509_CRL_push(crls, crl))
        {
            X509_CRL_free(crl);
            sk_X509_CRL_free(crls);
            return NULL;
        }

        return crls;
    }

    BIO* bio = BIO_new_mem_buf(data, dataLength);
    if (bio == NULL)
    {
        sk_X509_CRL_free(crls);
        return NULL;
    }

    X509_CRL* crl;
    while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL)
    {
        if (!sk_X509_CRL_push(crls, crl))
        {
            X509_CRL_free(crl);
            break;
        }
    }

    // Running out of PEM blocks ends the loop with PEM_R_NO_START_LINE: expected, not an error.
    unsigned long last = ERR_peek_last_error();
    int clean = sk_X509_CRL_num(crls) > 0
        && ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
    BIO_free(bio);
    if (!clean)
    {
        sk_X509_CRL_pop_free(crls, X509_CRL_free);
        return NULL;
    }

    ERR_clear_error();
    return crls;
}

void TlsGwNative_X509CrlListDestroy(STACK_OF(X509_CRL)* crls)
{
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
}

int32_t TlsGwNative_X509StoreAddCrls(X509_STORE* store, STACK_OF(X509_CRL)* crls)
{
    ERR_clear_error();
    int count = crls == NULL ? 0 : sk_X509_CRL_num(crls);
    if (store == NULL || count <= 0)
    {
        return 0;
    }

    for (int i = 0; i < count; i++)
    {
        if (!X509_STORE_add_crl(store, sk_X509_CRL_value(crls, i)))
        {
            return 0;
        }
    }

    if (!X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK))
    {
        return 0;
    }

    return (int32_t)count;
}
