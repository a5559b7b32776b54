#include "pal_ctx.h"
#include "pal_ctx_data.h"
#include "pal_ticket.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

// TlsGwCtxData (pal_ctx_data.h) hangs off every context as ex_data, freed with it.
static int s_ctxDataIndex = -1;
static CRYPTO_ONCE s_ctxDataOnce = CRYPTO_ONCE_STATIC_INIT;

static void CtxDataFree(void* parent, void* ptr, CRYPTO_EX_DATA* ad, int idx, long argl, void* argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    TlsGwCtxData* data = (TlsGwCtxData*)ptr;
    if (data == NULL)
    {
        return;
    }

    free(data->cipherSuites);
    free(data->cipherList);
    free(data->groups);
    free(data->sigalgs);
    free(data->alpn);
    for (int i = 0; i < TLSGW_MAX_STAPLES; i++)
    {
        X509_free(data->staples[i].leaf);
        free(data->staples[i].response);
    }

    CRYPTO_THREAD_lock_free(data->stapleLock);
    TlsGwVerifyCache_Free(data->verifyCache);
    free(data);
}

static void CtxDataInit(void)
{
    s_ctxDataIndex = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, CtxDataFree);
}

TlsGwCtxData* TlsGwCtxData_Get(const SSL_CTX* ctx)
{
    CRYPTO_THREAD_run_once(&s_ctxDataOnce, CtxDataInit);
    return (TlsGwCtxData*)SSL_CTX_get_ex_data(ctx, s_ctxDataIndex);
}

static int ReplaceString(char** slot, const char* value)
{
    char* copy = value == NULL ? NULL : strdup(value);
    if (value != NULL && copy == NULL)
    {
        return 0;
    }

    free(*slot);
    *slot = copy;
    return 1;
}

// Moves the profile of ctx onto ssl. SSL_set_SSL_CTX swaps certificates and verify store but
// not versions, ciphers, groups or signature algorithms, which SSL_new copied from the first
// context; without this a per-name profile would silently be the listener default's.
int TlsGwCtxData_ApplyTo(const SSL_CTX* ctx, SSL* ssl)
{
    const TlsGwCtxData* data = TlsGwCtxData_Get(ctx);
    if (data == NULL)
    {
        return 1;
    }

    if (data->minVersion != 0 && !SSL_set_min_proto_version(ssl, data->minVersion)) return 0;
    if (data->maxVersion != 0 && !SSL_set_max_proto_version(ssl, data->maxVersion)) return 0;
    if (data->cipherSuites != NULL && !SSL_set_ciphersuites(ssl, data->cipherSuites)) return 0;
    if (data->cipherList != NULL && !SSL_set_cipher_list(ssl, data->cipherList)) return 0;
    if (data->groups != NULL && !SSL_set1_groups_list(ssl, data->groups)) return 0;
    if (data->sigalgs != NULL && !SSL_set1_sigalgs_list(ssl, data->sigalgs)) return 0;
    SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), SSL_CTX_get_verify_callback(ctx));
    SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(ctx));
    return 1;
}

SSL_CTX* TlsGwNative_SslCtxCreate(int32_t isServer)
{
    ERR_clear_error();
    CRYPTO_THREAD_run_once(&s_ctxDataOnce, CtxDataInit);

    SSL_CTX* ctx = SSL_CTX_new(isServer ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL)
    {
        return NULL;
    }

    TlsGwCtxData* data = (TlsGwCtxData*)calloc(1, sizeof(TlsGwCtxData));
    if (data != NULL)
    {
        data->stapleLock = CRYPTO_THREAD_lock_new();
    }

    if (data == NULL || data->stapleLock == NULL || !SSL_CTX_set_ex_data(ctx, s_ctxDataIndex, data))
    {
        if (data != NULL)
        {
            CRYPTO_THREAD_lock_free(data->stapleLock);
        }

        free(data);
        SSL_CTX_free(ctx);
        return NULL;
    }

    data->minVersion = TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Idle connections hold no record buffers: memory per idle connection matters at the edge.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    // 0-RTT data is replayable (RFC 8446 section 8); the edge never accepts it.
    SSL_CTX_set_max_early_data(ctx, 0);
    SSL_CTX_set_recv_max_early_data(ctx, 0);
    if (isServer)
    {
        // Resumption is by stateless tickets only, so any edge holding the shared ticket keys
        // can resume any session; a per-process session cache would defeat that.
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }

    return ctx;
}

void TlsGwNative_SslCtxDestroy(SSL_CTX* ctx)
{
    SSL_CTX_free(ctx);
}

int32_t TlsGwNative_SslCtxSetProtocolRange(SSL_CTX* ctx, int32_t minVersion, int32_t maxVersion)
{
    ERR_clear_error();
    if (!SSL_CTX_set_min_proto_version(ctx, minVersion) || !SSL_CTX_set_max_proto_version(ctx, maxVersion))
    {
        return 0;
    }

    TlsGwCtxData* data = TlsGwCtxData_Get(ctx);
    data->minVersion = minVersion;
    data->maxVersion = maxVersion;
    return 1;
}

int32_t TlsGwNative_SslCtxSetCipherSuites(SSL_CTX* ctx, const char* tls13Suites)
{
    ERR_clear_error();
    return SSL_CTX_set_ciphersuites(ctx, tls13Suites) && ReplaceString(&TlsGwCtxData_Get(ctx)->cipherSuites, tls13Suites);
}

int32_t TlsGwNative_SslCtxSetCipherList(SSL_CTX* ctx, const char* tls12Ciphers)
{
    ERR_clear_error();
    return SSL_CTX_set_cipher_list(ctx, tls12Ciphers) && ReplaceString(&TlsGwCtxData_Get(ctx)->cipherList, tls12Ciphers);
}

int32_t TlsGwNative_SslCtxSetGroups(SSL_CTX* ctx, const char* groups)
{
    ERR_clear_error();
    return SSL_CTX_set1_groups_list(ctx, groups) && ReplaceString(&TlsGwCtxData_Get(ctx)->groups, groups);
}

int32_t TlsGwNative_SslCtxSetSignatureAlgorithms(SSL_CTX* ctx, const char* sigalgs)
{
    ERR_clear_error();
    return SSL_CTX_set1_sigalgs_list(ctx, sigalgs) && ReplaceString(&TlsGwCtxData_Get(ctx)->sigalgs, sigalgs);
}

int32_t TlsGwNative_SslCtxAddCertificate(SSL_CTX* ctx, STACK_OF(X509)* chain, EVP_PKEY* key)
{
    ERR_clear_error();
    if (chain == NULL || sk_X509_num(chain) < 1 || key == NULL)
    {
        return 0;
    }

    // SSL_CTX_use_cert_and_key copies the intermediates (up-refs), so the caller keeps ownership.
    STACK_OF(X509)* intermediates = sk_X509_new_null();
    if (intermediates == NULL)
    {
        return 0;
    }

    for (int i = 1; i < sk_X509_num(chain); i++)
    {
        if (!sk_X509_push(intermediates, sk_X509_value(chain, i)))
        {
            sk_X509_free(intermediates);
            return 0;
        }
    }

    int ok = SSL_CTX_use_cert_and_key(ctx, sk_X509_value(chain, 0), key, intermediates, 1);
    sk_X509_free(intermediates);
    return ok == 1;
}

static int VerifyCallback(int preverifyOk, X509_STORE_CTX* storeCtx)
{
    if (!preverifyOk || X509_STORE_CTX_get_error_depth(storeCtx) != 0)
    {
        return preverifyOk;
    }

    SSL* ssl = (SSL*)X509_STORE_CTX_get_ex_data(storeCtx, SSL_get_ex_data_X509_STORE_CTX_idx());
    const TlsGwCtxData* data = ssl == NULL ? NULL : TlsGwCtxData_Get(SSL_get_SSL_CTX(ssl));
    if (data == NULL || data->authorize == NULL)
    {
        return 1;
    }

    // Serialise the verified chain once, so the authorizer costs one boundary crossing.
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(storeCtx);
    int count = chain == NULL ? 0 : sk_X509_num(chain);
    if (count <= 0 || count > 16)
    {
        X509_STORE_CTX_set_error(storeCtx, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }

    int32_t lengths[16];
    int total = 0;
    for (int i = 0; i < count; i++)
    {
        lengths[i] = i2d_X509(sk_X509_value(chain, i), NULL);
        if (lengths[i] <= 0)
        {
            X509_STORE_CTX_set_error(storeCtx, X509_V_ERR_APPLICATION_VERIFICATION);
            return 0;
        }

        total += lengths[i];
    }

    uint8_t* buffer = (uint8_t*)malloc((size_t)total);
    if (buffer == NULL)
    {
        X509_STORE_CTX_set_error(storeCtx, X509_V_ERR_OUT_OF_MEM);
        return 0;
    }

    uint8_t* cursor = buffer;
    for (int i = 0; i < count; i++)
    {
        i2d_X509(sk_X509_value(chain, i), &cursor);
    }

    int32_t accepted = data->authorize((intptr_t)SSL_get_app_data(ssl), buffer, lengths, count);
    free(buffer);
    if (!accepted)
    {
        X509_STORE_CTX_set_error(storeCtx, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }

    return 1;
}

int32_t TlsGwNative_SslCtxSetVerify(SSL_CTX* ctx, int32_t mode, X509_STORE* store, int32_t depth, TlsGwAuthorizeCallback authorize)
{
    ERR_clear_error();
    int sslMode;
    switch (mode)
    {
        case 0: sslMode = SSL_VERIFY_NONE; break;
        case 1: sslMode = SSL_VERIFY_PEER; break;
        case 2: sslMode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT; break;
        default: return 0;
    }

    if (mode != 0 && store == NULL)
    {
        return 0;
    }

    if (store != NULL && !SSL_CTX_set1_verify_cert_store(ctx, store))
    {
        return 0;
    }

    // Only a server caches (pal_verify_cache.h); a client checks a host name per connection.
    // Built before the old cache is let go, so the context never points at a freed one.
    TlsGwVerifyCache* cache = NULL;
    if (mode != 0 && SSL_CTX_get_ssl_method(ctx) == TLS_server_method() && (cache = TlsGwVerifyCache_New(store)) == NULL)
    {
        return 0;
    }

    TlsGwCtxData* data = TlsGwCtxData_Get(ctx);
    TlsGwVerifyCache* previous = data->verifyCache;
    data->authorize = authorize;
    data->verifyCache = cache;
    SSL_CTX_set_cert_verify_callback(ctx, cache == NULL ? NULL : TlsGwVerifyCache_Verify, cache);
    TlsGwVerifyCache_Free(previous);
    SSL_CTX_set_verify(ctx, sslMode, mode == 0 ? NULL : VerifyCallback);
    SSL_CTX_set_verify_depth(ctx, depth > 0 ? depth : 8);
    return 1;
}

int64_t TlsGwNative_SslCtxGetVerifyCacheHits(SSL_CTX* ctx)
{
    const TlsGwCtxData* data = ctx == NULL ? NULL : TlsGwCtxData_Get(ctx);
    return data == NULL ? 0 : TlsGwVerifyCache_Hits(data->verifyCache);
}

static int AlpnSelect(SSL* ssl, const unsigned char** out, unsigned char* outLength,
                      const unsigned char* in, unsigned int inLength, void* arg)
{
    (void)arg;
    const TlsGwCtxData* data = TlsGwCtxData_Get(SSL_get_SSL_CTX(ssl));
    if (data == NULL || data->alpn == NULL)
    {
        return SSL_TLSEXT_ERR_NOACK;
    }

    // Server preference: the first of our protocols that the client also offers.
    for (int32_t i = 0; i < data->alpnLength; i += 1 + data->alpn[i])
    {
        const uint8_t* ours = data->alpn + i;
        for (unsigned int j = 0; j < inLength; j += 1u + in[j])
        {
            if (in[j] == ours[0] && j + 1u + in[j] <= inLength && memcmp(in + j + 1, ours + 1, ours[0]) == 0)
            {
                *out = ours + 1;
                *outLength = ours[0];
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }

    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int32_t TlsGwNative_SslCtxSetAlpnProtocols(SSL_CTX* ctx, const uint8_t* wire, int32_t wireLength)
{
    ERR_clear_error();
    if (wire == NULL || wireLength <= 0 || wireLength > 65535)
    {
        return 0;
    }

    // Reject malformed wire lists here rather than misparse them per handshake.
    for (int32_t i = 0; i < wireLength; i += 1 + wire[i])
    {
        if (wire[i] == 0 || i + 1 + wire[i] > wireLength)
        {
            return 0;
        }
    }

    uint8_t* copy = (uint8_t*)malloc((size_t)wireLength);
    if (copy == NULL)
    {
        return 0;
    }

    memcpy(copy, wire, (size_t)wireLength);
    TlsGwCtxData* data = TlsGwCtxData_Get(ctx);
    free(data->alpn);
    data->alpn = copy;
    data->alpnLength = wireLength;
    SSL_CTX_set_alpn_select_cb(ctx, AlpnSelect, NULL);
    return 1;
}

int32_t TlsGwNative_SslCtxSetSessionIdContext(SSL_CTX* ctx, const uint8_t* id, int32_t idLength)
{
    ERR_clear_error();
    return idLength >= 0 && SSL_CTX_set_session_id_context(ctx, id, (unsigned int)idLength) == 1;
}

// Reads the host_name entry of a server_name extension (RFC 6066 section 3). Returns 1 and a
// NUL-terminated copy in name (capacity 256), 0 if absent, -1 if malformed.
static int ParseServerName(const unsigned char* ext, size_t length, char* name)
{
    if (length < 2)
    {
        return -1;
    }

    size_t listLength = ((size_t)ext[0] << 8) | ext[1];
    if (listLength + 2 != length)
    {
        return -1;
    }

    for (size_t i = 2; i + 3 <= length;)
    {
        unsigned char type = ext[i];
        size_t nameLength = ((size_t)ext[i + 1] << 8) | ext[i + 2];
        if (i + 3 + nameLength > length)
        {
            return -1;
        }

        if (type == TLSEXT_NAMETYPE_host_name)
        {
            if (nameLength == 0 || nameLength > 255 || memchr(ext + i + 3, 0, nameLength) != NULL)
            {
                return -1;
            }

            memcpy(name, ext + i + 3, nameLength);
            name[nameLength] = '\0';
            return 1;
        }

        i += 3 + nameLength;
    }

    return 0;
}

static int ClientHelloCallback(SSL* ssl, int* alert, void* arg)
{
    (void)arg;
    const TlsGwCtxData* data = TlsGwCtxData_Get(SSL_get_SSL_CTX(ssl));
    if (data == NULL || data->serverName == NULL)
    {
        return SSL_CLIENT_HELLO_SUCCESS;
    }

    const unsigned char* ext = NULL;
    size_t extLength = 0;
    char name[256];
    int found = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &extLength))
    {
        found = ParseServerName(ext, extLength, name);
        if (found < 0)
        {
            *alert = SSL_AD_DECODE_ERROR;
            return SSL_CLIENT_HELLO_ERROR;
        }
    }

    // The ALPN offer, for chains matched by protocol as well as name (validated: RFC 7301 3.1).
    const unsigned char* alpn = NULL;
    size_t alpnLength = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext, &extLength))
    {
        if (extLength < 2 || (((size_t)ext[0] << 8) | ext[1]) != extLength - 2)
        {
            *alert = SSL_AD_DECODE_ERROR;
            return SSL_CLIENT_HELLO_ERROR;
        }

        alpn = ext + 2;
        alpnLength = extLength - 2;
    }

    SSL_CTX* selected = NULL;
    if (!data->serverName((intptr_t)SSL_get_app_data(ssl), found ? name : NULL, alpn, (int32_t)alpnLength, &selected) || selected == NULL)
    {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_CLIENT_HELLO_ERROR;
    }

    if (selected != SSL_get_SSL_CTX(ssl))
    {
        if (SSL_set_SSL_CTX(ssl, selected) == NULL || !TlsGwCtxData_ApplyTo(selected, ssl))
        {
            *alert = SSL_AD_INTERNAL_ERROR;
            return SSL_CLIENT_HELLO_ERROR;
        }
    }

    return SSL_CLIENT_HELLO_SUCCESS;
}

void TlsGwNative_SslCtxSetServerNameCallback(SSL_CTX* ctx, TlsGwServerNameCallback callback)
{
    TlsGwCtxData_Get(ctx)->serverName = callback;
    SSL_CTX_set_client_hello_cb(ctx, callback == NULL ? NULL : ClientHelloCallback, NULL);
}
