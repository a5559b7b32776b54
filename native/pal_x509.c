#include "pal_x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>

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
