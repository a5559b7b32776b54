#include "pal_ticket.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct TlsGwTicketKeys
{
    CRYPTO_RWLOCK* lock;
    atomic_int references;
    int32_t count;
    uint8_t keys[TLSGW_TICKET_KEYS_MAX][TLSGW_TICKET_KEY_LENGTH];
};

static int s_ringIndex = -1;
static CRYPTO_ONCE s_ringOnce = CRYPTO_ONCE_STATIC_INIT;

// Fetched once: EVP_aes_256_cbc() is a legacy handle, which OpenSSL 3 resolves to a provider's
// implementation by name (a method-store lookup under a lock) on every init, i.e. every ticket
// sealed or opened.
static EVP_CIPHER* s_ticketCipher;

static void RingRelease(TlsGwTicketKeys* ring)
{
    if (ring == NULL)
    {
        return;
    }

    if (atomic_fetch_sub(&ring->references, 1) > 1)
    {
        return;
    }

    OPENSSL_cleanse(ring->keys, sizeof(ring->keys));
    CRYPTO_THREAD_lock_free(ring->lock);
    free(ring);
}

static void RingExFree(void* parent, void* ptr, CRYPTO_EX_DATA* ad, int idx, long argl, void* argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    RingRelease((TlsGwTicketKeys*)ptr);
}

static void RingIndexInit(void)
{
    s_ringIndex = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, RingExFree);
    s_ticketCipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
}

TlsGwTicketKeys* TlsGwNative_TicketKeysCreate(void)
{
    TlsGwTicketKeys* ring = (TlsGwTicketKeys*)calloc(1, sizeof(TlsGwTicketKeys));
    if (ring == NULL)
    {
        return NULL;
    }

    ring->lock = CRYPTO_THREAD_lock_new();
    if (ring->lock == NULL)
    {
        free(ring);
        return NULL;
    }

    atomic_init(&ring->references, 1);
    return ring;
}

void TlsGwNative_TicketKeysDestroy(TlsGwTicketKeys* ring)
{
    RingRelease(ring);
}

int32_t TlsGwNative_TicketKeysSet(TlsGwTicketKeys* ring, const uint8_t* keys, int32_t count)
{
    if (ring == NULL || count < 0 || count > TLSGW_TICKET_KEYS_MAX || (count > 0 && keys == NULL))
    {
        return 0;
    }

    if (!CRYPTO_THREAD_write_lock(ring->lock))
    {
        return 0;
    }

    OPENSSL_cleanse(ring->keys, sizeof(ring->keys));
    if (count > 0)
    {
        memcpy(ring->keys, keys, (size_t)count * TLSGW_TICKET_KEY_LENGTH);
    }

    ring->count = count;
    CRYPTO_THREAD_unlock(ring->lock);
    return 1;
}

static int InitMac(EVP_MAC_CTX* hmac, const uint8_t* key)
{
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char*)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(hmac, key, 32, params);
}

// RFC 5077 section 4 ticket protection; OpenSSL builds the ticket, this supplies the keys.
// Returns 1 = key found (current), 2 = found but old (OpenSSL then issues a fresh ticket),
// 0 = no usable key (no ticket issued / full handshake), -1 = error.
static int TicketKeyCallback(SSL* ssl, unsigned char keyName[16], unsigned char* iv,
                             EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* hmac, int encrypt)
{
    TlsGwTicketKeys* ring = (TlsGwTicketKeys*)SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), s_ringIndex);
    if (ring == NULL || !CRYPTO_THREAD_read_lock(ring->lock))
    {
        return 0;
    }

    int result = 0;
    if (encrypt)
    {
        if (ring->count > 0)
        {
            const uint8_t* key = ring->keys[0];
            memcpy(keyName, key, 16);
            result = RAND_bytes(iv, 16) == 1
                && EVP_EncryptInit_ex2(cipher, s_ticketCipher, key + 48, iv, NULL) == 1
                && InitMac(hmac, key + 16) == 1 ? 1 : -1;
        }
    }
    else
    {
        for (int32_t i = 0; i < ring->count; i++)
        {
            const uint8_t* key = ring->keys[i];
            if (CRYPTO_memcmp(keyName, key, 16) == 0)
            {
                result = EVP_DecryptInit_ex2(cipher, s_ticketCipher, key + 48, iv, NULL) == 1
                    && InitMac(hmac, key + 16) == 1 ? (i == 0 ? 1 : 2) : -1;
                break;
            }
        }
    }

    CRYPTO_THREAD_unlock(ring->lock);
    return result;
}

int32_t TlsGwNative_SslCtxSetTicketKeys(SSL_CTX* ctx, TlsGwTicketKeys* ring)
{
    ERR_clear_error();
    CRYPTO_THREAD_run_once(&s_ringOnce, RingIndexInit);
    if (s_ticketCipher == NULL)
    {
        // The fetch ran once, at first use; say why every later call fails too.
        ERR_raise_data(ERR_LIB_EVP, EVP_R_UNSUPPORTED_CIPHER, "AES-256-CBC (session tickets) is not available from the loaded providers");
        return 0;
    }

    if (ring == NULL || s_ringIndex < 0)
    {
        return 0;
    }

    atomic_fetch_add(&ring->references, 1);
    TlsGwTicketKeys* previous = (TlsGwTicketKeys*)SSL_CTX_get_ex_data(ctx, s_ringIndex);
    if (!SSL_CTX_set_ex_data(ctx, s_ringIndex, ring))
    {
        RingRelease(ring);
        return 0;
    }

    RingRelease(previous);
    return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, TicketKeyCallback) == 1;
}
