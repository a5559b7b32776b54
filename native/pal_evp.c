#include "pal_evp.h"

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <string.h>

typedef struct
{
    const uint8_t* data;
    int32_t length;
} Passphrase;

// pem_password_cb: hands over the passphrase we were given; never prompts.
static int PassphraseCallback(char* buffer, int size, int writing, void* userData)
{
    (void)writing;
    const Passphrase* passphrase = (const Passphrase*)userData;
    if (passphrase == NULL || passphrase->data == NULL || passphrase->length > size)
    {
        return -1;
    }

    memcpy(buffer, passphrase->data, (size_t)passphrase->length);
    return passphrase->length;
}

EVP_PKEY* TlsGwNative_PKeyLoadPem(const uint8_t* pem, int32_t pemLength, const uint8_t* passphrase, int32_t passphraseLength)
{
    ERR_clear_error();
    if (pem == NULL || pemLength <= 0)
    {
        return NULL;
    }

    BIO* bio = BIO_new_mem_buf(pem, pemLength);
    if (bio == NULL)
    {
        return NULL;
    }

    Passphrase secret = { passphrase, passphraseLength };
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, NULL, PassphraseCallback, passphrase == NULL ? NULL : &secret);
    BIO_free(bio);
    return key;
}

static CRYPTO_RWLOCK* s_engineLock;
static CRYPTO_ONCE s_engineOnce = CRYPTO_ONCE_STATIC_INIT;

static void EngineLockInit(void)
{
    s_engineLock = CRYPTO_THREAD_lock_new();
}

EVP_PKEY* TlsGwNative_PKeyLoadFromEngine(const char* engineId, const char* keyId,
    const char* const* controlNames, const char* const* controlValues, int32_t controlCount, const char* pin)
{
    ERR_clear_error();
    if (engineId == NULL || keyId == NULL || controlCount < 0)
    {
        return NULL;
    }

    // ENGINE setup is not safe to race; key loads are rare (startup and reload) so one lock is fine.
    CRYPTO_THREAD_run_once(&s_engineOnce, EngineLockInit);
    if (s_engineLock == NULL || !CRYPTO_THREAD_write_lock(s_engineLock))
    {
        return NULL;
    }

    EVP_PKEY* key = NULL;
    ENGINE* engine = ENGINE_by_id(engineId);
    if (engine == NULL)
    {
        goto done;
    }

    for (int32_t i = 0; i < controlCount; i++)
    {
        if (!ENGINE_ctrl_cmd_string(engine, controlNames[i], controlValues[i], 0))
        {
            ENGINE_free(engine);
            goto done;
        }
    }

    // Keeps a functional reference for the process lifetime: keys from it call back into it.
    if (!ENGINE_init(engine))
    {
        ENGINE_free(engine);
        goto done;
    }

    if (pin != NULL && !ENGINE_ctrl_cmd_string(engine, "PIN", pin, 0))
    {
        goto release;
    }

    key = ENGINE_load_private_key(engine, keyId, (UI_METHOD*)UI_null(), NULL);

release:
    // The structural reference from ENGINE_by_id; the functional one from ENGINE_init stays.
    ENGINE_free(engine);
done:
    CRYPTO_THREAD_unlock(s_engineLock);
    return key;
}

EVP_PKEY* TlsGwNative_PKeyLoadFromStore(const char* uri, const uint8_t* passphrase, int32_t passphraseLength)
{
    ERR_clear_error();
    if (uri == NULL)
    {
        return NULL;
    }

    Passphrase secret = { passphrase, passphraseLength };
    UI_METHOD* ui = UI_UTIL_wrap_read_pem_callback(PassphraseCallback, 0);
    OSSL_STORE_CTX* store = OSSL_STORE_open(uri, ui, passphrase == NULL ? NULL : &secret, NULL, NULL);
    EVP_PKEY* key = NULL;
    if (store != NULL)
    {
        OSSL_STORE_expect(store, OSSL_STORE_INFO_PKEY);
        while (key == NULL && !OSSL_STORE_eof(store))
        {
            OSSL_STORE_INFO* info = OSSL_STORE_load(store);
            if (info == NULL)
            {
                break;
            }

            if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            {
                key = OSSL_STORE_INFO_get1_PKEY(info);
            }

            OSSL_STORE_INFO_free(info);
        }

        OSSL_STORE_close(store);
    }

    UI_destroy_method(ui);
    return key;
}

void TlsGwNative_PKeyDestroy(EVP_PKEY* key)
{
    EVP_PKEY_free(key);
}

int32_t TlsGwNative_PKeyGetInfo(EVP_PKEY* key, int32_t* baseId, int32_t* bits)
{
    if (key == NULL)
    {
        return 0;
    }

    // OpenSSL 3.0 provider keys on the SM2 curve report EVP_PKEY_EC as their base id; callers
    // need to tell them apart (an SM2 key signs SM2-with-SM3, never ECDSA).
    *baseId = EVP_PKEY_is_a(key, "SM2") ? EVP_PKEY_SM2 : EVP_PKEY_get_base_id(key);
    *bits = EVP_PKEY_get_bits(key);
    return 1;
}
