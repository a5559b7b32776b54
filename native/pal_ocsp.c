#include "pal_ocsp.h"
#include "pal_ctx.h"

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

// Staples live in the context's TlsGwCtxData (pal_ctx.c); these helpers take its lock.
int32_t TlsGwNative_SslCtxSetOcspStaple(SSL_CTX* ctx, STACK_OF(X509)* chain, const uint8_t* response, int32_t length)
{
    ERR_clear_error();
    if (ctx == NULL || chain == NULL || sk_X509_num(chain) < 1 || length < 0 || (length > 0 && response == NULL))
    {
        return 0;
    }

    return TlsGwCtxData_SetStaple(ctx, sk_X509_value(chain, 0), response, length);
}
