#include "pal_ssl.h"
#include "pal_ctx.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

// Leave room for one full record (16 KiB plaintext plus header, IV, tag and padding) before
// encrypting more: output never overflows and plaintext is never buffered without bound.
#define TLSGW_RECORD_ROOM (16384 + 512)

SSL* TlsGwNative_SslCreate(SSL_CTX* ctx, int32_t isServer, intptr_t cookie)
{
    ERR_clear_error();
    SSL* ssl = SSL_new(ctx);
    if (ssl == NULL)
    {
        return NULL;
    }

    BIO* input = BIO_new(BIO_s_mem());
    BIO* output = BIO_new(BIO_s_mem());
    if (input == NULL || output == NULL)
    {
        BIO_free(input);
        BIO_free(output);
        SSL_free(ssl);
        return NULL;
    }

    // An empty memory BIO reports "retry" rather than EOF, which is what WANT_READ needs.
    BIO_set_mem_eof_return(input, -1);
    BIO_set_mem_eof_return(output, -1);
    SSL_set_bio(ssl, input, output);
    SSL_set_app_data(ssl, (void*)cookie);
    if (isServer)
    {
        SSL_set_accept_state(ssl);
    }
    else
    {
        SSL_set_connect_state(ssl);
    }

    return ssl;
}

void TlsGwNative_SslDestroy(SSL* ssl)
{
    SSL_free(ssl);
}

int32_t TlsGwNative_SslSetClientOptions(SSL* ssl, const char* serverName, const char* verifyHost, const uint8_t* alpn, int32_t alpnLength)
{
    ERR_clear_error();
    if (serverName != NULL && !SSL_set_tlsext_host_name(ssl, serverName))
    {
        return 0;
    }

    if (verifyHost != NULL)
    {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (!SSL_set1_host(ssl, verifyHost))
        {
            return 0;
        }
    }

    // SSL_set_alpn_protos returns 0 on success (unlike nearly everything else).
    if (alpn != NULL && alpnLength > 0 && SSL_set_alpn_protos(ssl, alpn, (unsigned int)alpnLength) != 0)
    {
        return 0;
    }

    return 1;
}

static CRYPTO_ONCE s_chainFromCacheOnce = CRYPTO_ONCE_STATIC_INIT;
static int s_chainFromCacheIndex = -1;

static void ChainFromCacheIndexInit(void)
{
    s_chainFromCacheIndex = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

// -1 if the index could not be made (then no connection is ever marked).
static int ChainFromCacheIndex(void)
{
    return CRYPTO_THREAD_run_once(&s_chainFromCacheOnce, ChainFromCacheIndexInit) ? s_chainFromCacheIndex : -1;
}

void TlsGwSsl_MarkChainFromCache(SSL* ssl)
{
    int index = ChainFromCacheIndex();
    if (index >= 0)
    {
        SSL_set_ex_data(ssl, index, (void*)1); // a flag, never dereferenced
    }
}

static int32_t DrainOutput(SSL* ssl, uint8_t* output, int32_t outputCapacity, int32_t* outputLength)
{
    BIO* bio = SSL_get_wbio(ssl);
    int32_t produced = 0;
    if (outputCapacity > 0 && BIO_ctrl_pending(bio) > 0)
    {
        int n = BIO_read(bio, output, outputCapacity);
        produced = n > 0 ? n : 0;
    }

    *outputLength = produced;
    return BIO_ctrl_pending(bio) > 0 ? TlsGwFlag_OutputPending : 0;
}

static int32_t StatusFromError(SSL* ssl, int result)
{
    switch (SSL_get_error(ssl, result))
    {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return TlsGwStatus_WantRead;
        case SSL_ERROR_ZERO_RETURN:
            return TlsGwStatus_Closed;
        default:
            return TlsGwStatus_Error;
    }
}

int32_t TlsGwNative_SslProcess(SSL* ssl,
    const uint8_t* input, int32_t inputLength,
    uint8_t* plaintext, int32_t plaintextCapacity, int32_t* plaintextLength,
    uint8_t* output, int32_t outputCapacity, int32_t* outputLength, int32_t* flags)
{
    ERR_clear_error();
    *plaintextLength = 0;
    *flags = 0;
    int32_t status = TlsGwStatus_Ok;

    if (inputLength > 0 && BIO_write(SSL_get_rbio(ssl), input, inputLength) != inputLength)
    {
        status = TlsGwStatus_Error;
    }

    if (status == TlsGwStatus_Ok && !SSL_is_init_finished(ssl))
    {
        int result = SSL_do_handshake(ssl);
        if (result == 1)
        {
            *flags |= TlsGwFlag_HandshakeDone;
        }
        else
        {
            status = StatusFromError(ssl, result);
        }
    }

    if (status == TlsGwStatus_Ok && plaintext != NULL)
    {
        size_t total = 0;
        while (total < (size_t)plaintextCapacity)
        {
            size_t read = 0;
            int result = SSL_read_ex(ssl, plaintext + total, (size_t)plaintextCapacity - total, &read);
            if (result != 1)
            {
                status = StatusFromError(ssl, result);
                break;
            }

            total += read;
        }

        *plaintextLength = (int32_t)total;
        if (status == TlsGwStatus_Ok && (SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0))
        {
            *flags |= TlsGwFlag_PlaintextPending;
        }
    }

    // Always drain: a failed handshake leaves the alert to send in the output BIO.
    *flags |= DrainOutput(ssl, output, outputCapacity, outputLength);
    return status;
}

int32_t TlsGwNative_SslHasBufferedInput(SSL* ssl)
{
    return SSL_has_pending(ssl) || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0 ? 1 : 0;
}

int32_t TlsGwNative_SslWrite(SSL* ssl,
    const uint8_t* plaintext, int32_t plaintextLength, int32_t* consumed,
    uint8_t* output, int32_t outputCapacity, int32_t* outputLength, int32_t* flags)
{
    ERR_clear_error();
    int32_t status = TlsGwStatus_Ok;
    size_t taken = 0;
    BIO* bio = SSL_get_wbio(ssl);

    while (taken < (size_t)plaintextLength)
    {
        size_t pending = BIO_ctrl_pending(bio);
        if (pending > 0 && pending + TLSGW_RECORD_ROOM > (size_t)outputCapacity)
        {
            break;
        }

        size_t chunk = (size_t)plaintextLength - taken;
        if (chunk > 16384)
        {
            chunk = 16384;
        }

        size_t written = 0;
        int result = SSL_write_ex(ssl, plaintext + taken, chunk, &written);
        if (result != 1)
        {
            status = StatusFromError(ssl, result);
            break;
        }

        taken += written;
    }

    *consumed = (int32_t)taken;
    *flags = DrainOutput(ssl, output, outputCapacity, outputLength);
    return status;
}

int32_t TlsGwNative_SslDrainOutput(SSL* ssl, uint8_t* output, int32_t outputCapacity, int32_t* outputLength)
{
    return DrainOutput(ssl, output, outputCapacity, outputLength);
}

int32_t TlsGwNative_SslShutdown(SSL* ssl, uint8_t* output, int32_t outputCapacity, int32_t* outputLength)
{
    ERR_clear_error();
    int32_t status = TlsGwStatus_Ok;
    if (SSL_is_init_finished(ssl) && !(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN))
    {
        // 0 means "sent, not yet received the peer's": fine, we do not wait for it.
        if (SSL_shutdown(ssl) < 0)
        {
            status = TlsGwStatus_Error;
        }
    }

    DrainOutput(ssl, output, outputCapacity, outputLength);
    return status;
}

int32_t TlsGwNative_SslGetVerifyResult(SSL* ssl)
{
    return (int32_t)SSL_get_verify_result(ssl);
}

int32_t TlsGwNative_SslGetPeerCertificate(SSL* ssl, uint8_t* buffer, int32_t capacity)
{
    X509* peer = SSL_get0_peer_certificate(ssl);
    if (peer == NULL)
    {
        return 0;
    }

    int length = i2d_X509(peer, NULL);
    if (length <= 0 || length > capacity || buffer == NULL)
    {
        return length > 0 ? length : 0;
    }

    uint8_t* cursor = buffer;
    return i2d_X509(peer, &cursor);
}

int32_t TlsGwNative_SslGetHandshakeInfo(SSL* ssl, TlsGwHandshakeInfo* info)
{
    if (!SSL_is_init_finished(ssl))
    {
        return 0;
    }

    unsigned int alpnLength = 0;
    const unsigned char* alpn = NULL;
    SSL_get0_alpn_selected(ssl, &alpn, &alpnLength);

    X509* peer = SSL_get0_peer_certificate(ssl);
    int group = SSL_get_negotiated_group(ssl);

    info->Version = SSL_version(ssl);
    info->SessionReused = SSL_session_reused(ssl);
    info->VerifyResult = (int32_t)SSL_get_verify_result(ssl);
    info->PeerCertificate = peer != NULL;
    info->AlpnLength = (int32_t)alpnLength;
    int fromCache = ChainFromCacheIndex();
    info->ChainFromCache = fromCache >= 0 && SSL_get_ex_data(ssl, fromCache) != NULL;
    info->Alpn = alpn;
    info->CipherName = SSL_get_cipher_name(ssl);
    info->ServerName = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    info->GroupName = group > 0 && (group & TLSEXT_nid_unknown) == 0 ? OBJ_nid2sn(group) : NULL;
    return 1;
}
