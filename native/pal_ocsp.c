#include "pal_ocsp.h"
#include "pal_ctx.h"
#include "pal_ctx_data.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int32_t TlsGwNative_OcspBuildRequest(STACK_OF(X509)* chain, uint8_t* buffer, int32_t capacity)
{
    ERR_clear_error();
    if (chain == NULL || sk_X509_num(chain) < 2)
    {
        return 0;
    }

    OCSP_REQUEST* request = OCSP_REQUEST_new();
    OCSP_CERTID* id = OCSP_cert_to_id(NULL, sk_X509_value(chain, 0), sk_X509_value(chain, 1));
    int32_t length = 0;
    if (request != NULL && id != NULL && OCSP_request_add0_id(request, id) != NULL)
    {
        id = NULL; // owned by the request now
        int needed = i2d_OCSP_REQUEST(request, NULL);
        if (needed > 0)
        {
            length = needed;
            if (buffer != NULL && needed <= capacity)
            {
                uint8_t* cursor = buffer;
                i2d_OCSP_REQUEST(request, &cursor);
            }
        }
    }

    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(request);
    return length;
}

static int64_t ToUnixSeconds(const ASN1_GENERALIZEDTIME* time)
{
    struct tm parsed;
    if (time == NULL || !ASN1_TIME_to_tm(time, &parsed))
    {
        return 0;
    }

    return (int64_t)timegm(&parsed);
}

int32_t TlsGwNative_OcspCheckResponse(STACK_OF(X509)* chain, const uint8_t* response, int32_t length,
    int32_t* certStatus, int64_t* thisUpdate, int64_t* nextUpdate)
{
    ERR_clear_error();
    *certStatus = V_OCSP_CERTSTATUS_UNKNOWN;
    *thisUpdate = 0;
    *nextUpdate = 0;
    if (chain == NULL || sk_X509_num(chain) < 2 || response == NULL || length <= 0)
    {
        return 0;
    }

    const uint8_t* cursor = response;
    OCSP_RESPONSE* parsed = d2i_OCSP_RESPONSE(NULL, &cursor, length);
    OCSP_BASICRESP* basic = NULL;
    OCSP_CERTID* id = NULL;
    X509_STORE* store = NULL;
    STACK_OF(X509)* issuers = NULL;
    int32_t ok = 0;
    if (parsed == NULL || cursor != response + length || OCSP_response_status(parsed) != OCSP_RESPONSE_STATUS_SUCCESSFUL)
    {
        goto done;
    }

    basic = OCSP_response_get1_basic(parsed);
    X509* leaf = sk_X509_value(chain, 0);
    X509* issuer = sk_X509_value(chain, 1);
    id = OCSP_cert_to_id(NULL, leaf, issuer);
    store = X509_STORE_new();
    issuers = sk_X509_new_null();
    if (basic == NULL || id == NULL || store == NULL || issuers == NULL
        || !X509_STORE_add_cert(store, issuer) || !sk_X509_push(issuers, issuer))
    {
        goto done;
    }

    // The issuer may be an intermediate: trust it as an anchor here (we are checking its word
    // about its own certificate), and accept a delegated responder it issued (RFC 6960 4.2.2.2).
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    if (OCSP_basic_verify(basic, issuers, store, OCSP_TRUSTOTHER) <= 0)
    {
        goto done;
    }

    int status = 0;
    int reason = 0;
    ASN1_GENERALIZEDTIME* revoked = NULL;
    ASN1_GENERALIZEDTIME* thisTime = NULL;
    ASN1_GENERALIZEDTIME* nextTime = NULL;
    if (!OCSP_resp_find_status(basic, id, &status, &reason, &revoked, &thisTime, &nextTime))
    {
        goto done;
    }

    // Five minutes of clock skew either way, no maximum age beyond nextUpdate.
    if (!OCSP_check_validity(thisTime, nextTime, 300, -1))
    {
        goto done;
    }

    *certStatus = status;
    *thisUpdate = ToUnixSeconds(thisTime);
    *nextUpdate = ToUnixSeconds(nextTime);
    ok = 1;

done:
    sk_X509_free(issuers);
    X509_STORE_free(store);
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(parsed);
    return ok;
}

// OpenSSL asks, after choosing the certificate, what to staple (client sent status_request).
static int StatusCallback(SSL* ssl, void* arg)
{
    (void)arg;
    TlsGwCtxData* data = TlsGwCtxData_Get(SSL_get_SSL_CTX(ssl));
    X509* served = SSL_get_certificate(ssl);
    if (data == NULL || served == NULL || !CRYPTO_THREAD_read_lock(data->stapleLock))
    {
        return SSL_TLSEXT_ERR_NOACK;
    }

    uint8_t* copy = NULL;
    int32_t length = 0;
    for (int i = 0; i < TLSGW_MAX_STAPLES; i++)
    {
        if (data->staples[i].leaf == served && data->staples[i].length > 0)
        {
            copy = OPENSSL_memdup(data->staples[i].response, (size_t)data->staples[i].length);
            length = data->staples[i].length;
            break;
        }
    }

    CRYPTO_THREAD_unlock(data->stapleLock);
    // OpenSSL takes ownership of the copy and frees it with OPENSSL_free.
    if (copy == NULL || !SSL_set_tlsext_status_ocsp_resp(ssl, copy, length))
    {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_NOACK;
    }

    return SSL_TLSEXT_ERR_OK;
}

int32_t TlsGwCtxData_SetStaple(SSL_CTX* ctx, X509* leaf, const uint8_t* response, int32_t length)
{
    TlsGwCtxData* data = TlsGwCtxData_Get(ctx);
    uint8_t* copy = NULL;
    if (data == NULL || (length > 0 && (copy = (uint8_t*)malloc((size_t)length)) == NULL))
    {
        return 0;
    }

    if (length > 0)
    {
        memcpy(copy, response, (size_t)length);
    }

    if (!CRYPTO_THREAD_write_lock(data->stapleLock))
    {
        free(copy);
        return 0;
    }

    int slot = -1;
    for (int i = 0; i < TLSGW_MAX_STAPLES && slot < 0; i++)
    {
        if (data->staples[i].leaf == leaf)
        {
            slot = i;
        }
    }

    for (int i = 0; i < TLSGW_MAX_STAPLES && slot < 0; i++)
    {
        if (data->staples[i].leaf == NULL)
        {
            slot = i;
            X509_up_ref(leaf);
            data->staples[i].leaf = leaf;
        }
    }

    int32_t ok = 0;
    if (slot >= 0)
    {
        free(data->staples[slot].response);
        data->staples[slot].response = copy;
        data->staples[slot].length = length;
        copy = NULL;
        ok = 1;
    }

    CRYPTO_THREAD_unlock(data->stapleLock);
    free(copy);
    if (ok)
    {
        SSL_CTX_set_tlsext_status_cb(ctx, StatusCallback);
    }

    return ok;
}

// Staples live in the context's TlsGwCtxData (pal_ctx_data.h) behind its staple lock.
int32_t TlsGwNative_SslCtxSetOcspStaple(SSL_CTX* ctx, STACK_OF(X509)* chain, const uint8_t* response, int32_t length)
{
    ERR_clear_error();
    if (ctx == NULL || chain == NULL || sk_X509_num(chain) < 1 || length < 0 || (length > 0 && response == NULL))
    {
        return 0;
    }

    return TlsGwCtxData_SetStaple(ctx, sk_X509_value(chain, 0), response, length);
}
