#include "pal_sm.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

struct TlsGwSm4
{
    EVP_CIPHER_CTX* ecb;  // single blocks: GCM's H and E(K, J0), CCM's S0
    EVP_CIPHER_CTX* ctr;  // keystreams: GCTR (GCM) and CCM's counter mode
    EVP_CIPHER_CTX* cbc;  // CCM's CBC-MAC
};

// Fetched once per process: an implicit fetch per call (EVP_sm3() and friends) costs a
// provider lookup under a lock each time, which shows on a per-record path.
static EVP_MD* s_sm3;
static EVP_MAC* s_hmac;
static EVP_CIPHER* s_sm4Ecb;
static EVP_CIPHER* s_sm4Ctr;
static EVP_CIPHER* s_sm4Cbc;
static CRYPTO_ONCE s_fetchOnce = CRYPTO_ONCE_STATIC_INIT;

static void FetchAlgorithms(void)
{
    s_sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
    s_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    s_sm4Ecb = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    s_sm4Ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    s_sm4Cbc = EVP_CIPHER_fetch(NULL, "SM4-CBC", NULL);
}

// Fetches on first use. 1 when every algorithm was fetched; otherwise raises an error naming
// the first missing one (a FIPS-only or SM-disabled OpenSSL build) and returns 0.
static int AlgorithmsAvailable(void)
{
    CRYPTO_THREAD_run_once(&s_fetchOnce, FetchAlgorithms);
    const char* missing = s_sm3 == NULL ? "SM3"
        : s_hmac == NULL ? "HMAC"
        : s_sm4Ecb == NULL ? "SM4-ECB"
        : s_sm4Ctr == NULL ? "SM4-CTR"
        : s_sm4Cbc == NULL ? "SM4-CBC"
        : NULL;
    if (missing != NULL)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_UNSUPPORTED, "%s is not available from the loaded OpenSSL providers", missing);
        return 0;
    }

    return 1;
}

// OpenSSL reads nothing through a zero-length buffer, but some entry points reject NULL.
static const uint8_t s_empty[1];

static const uint8_t* OrEmpty(const uint8_t* data)
{
    return data == NULL ? s_empty : data;
}

int32_t TlsGwNative_Sm3Digest(const uint8_t* data, int32_t length, uint8_t* digest)
{
    ERR_clear_error();
    if (digest == NULL || length < 0 || (data == NULL && length != 0))
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return 0;
    }

    if (!AlgorithmsAvailable())
    {
        return 0;
    }

    unsigned int written = 0;
    return EVP_Digest(OrEmpty(data), (size_t)length, digest, &written, s_sm3, NULL) == 1 && written == TLSGW_SM3_DIGEST_LENGTH;
}

EVP_MD_CTX* TlsGwNative_Sm3Create(void)
{
    ERR_clear_error();
    if (!AlgorithmsAvailable())
    {
        return NULL;
    }

    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex2(ctx, s_sm3, NULL) != 1)
    {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }

    return ctx;
}

EVP_MD_CTX* TlsGwNative_Sm3Duplicate(const EVP_MD_CTX* ctx)
{
    ERR_clear_error();
    if (ctx == NULL)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_NULL_PARAMETER);
        return NULL;
    }

    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    if (copy == NULL || EVP_MD_CTX_copy_ex(copy, ctx) != 1)
    {
        EVP_MD_CTX_free(copy);
        return NULL;
    }

    return copy;
}

void TlsGwNative_Sm3Destroy(EVP_MD_CTX* ctx)
{
    // Cleanses the SM3 state (the provider's freectx clears it).
    EVP_MD_CTX_free(ctx);
}

int32_t TlsGwNative_Sm3Update(EVP_MD_CTX* ctx, const uint8_t* data, int32_t length)
{
    ERR_clear_error();
    if (ctx == NULL || length < 0 || (data == NULL && length != 0))
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return 0;
    }

    return length == 0 || EVP_DigestUpdate(ctx, data, (size_t)length) == 1;
}

int32_t TlsGwNative_Sm3Current(const EVP_MD_CTX* ctx, uint8_t* digest)
{
    ERR_clear_error();
    if (ctx == NULL || digest == NULL)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }

    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    unsigned int written = 0;
    int32_t ok = copy != NULL && EVP_MD_CTX_copy_ex(copy, ctx) == 1 && EVP_DigestFinal_ex(copy, digest, &written) == 1
        && written == TLSGW_SM3_DIGEST_LENGTH;
    EVP_MD_CTX_free(copy);
    return ok;
}

int32_t TlsGwNative_Sm3Final(EVP_MD_CTX* ctx, uint8_t* digest)
{
    ERR_clear_error();
    if (ctx == NULL || digest == NULL)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }

    unsigned int written = 0;
    // EVP_DigestInit_ex2 with a NULL type restarts with the digest the context already has.
    return EVP_DigestFinal_ex(ctx, digest, &written) == 1 && written == TLSGW_SM3_DIGEST_LENGTH
        && EVP_DigestInit_ex2(ctx, NULL, NULL) == 1;
}

EVP_MAC_CTX* TlsGwNative_Sm3HmacCreate(const uint8_t* key, int32_t keyLength)
{
    ERR_clear_error();
    if (keyLength < 0 || (key == NULL && keyLength != 0))
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return NULL;
    }

    if (!AlgorithmsAvailable())
    {
        return NULL;
    }

    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(s_hmac);
    OSSL_PARAM params[] =
    {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char*)"SM3", 0),
        OSSL_PARAM_construct_end(),
    };

    // A NULL key means "keep the previous key" to EVP_MAC_init, so an empty key (allowed by
    // RFC 2104) is passed as a non-NULL pointer with length 0.
    if (ctx == NULL || EVP_MAC_init(ctx, OrEmpty(key), (size_t)keyLength, params) != 1)
    {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }

    return ctx;
}

void TlsGwNative_Sm3HmacDestroy(EVP_MAC_CTX* ctx)
{
    // The HMAC provider cleanses its key and inner/outer states when freed.
    EVP_MAC_CTX_free(ctx);
}

int32_t TlsGwNative_Sm3HmacUpdate(EVP_MAC_CTX* ctx, const uint8_t* data, int32_t length)
{
    ERR_clear_error();
    if (ctx == NULL || length < 0 || (data == NULL && length != 0))
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return 0;
    }

    return length == 0 || EVP_MAC_update(ctx, data, (size_t)length) == 1;
}

int32_t TlsGwNative_Sm3HmacFinal(EVP_MAC_CTX* ctx, uint8_t* mac)
{
    ERR_clear_error();
    if (ctx == NULL || mac == NULL)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }

    size_t written = 0;
    return EVP_MAC_final(ctx, mac, &written, TLSGW_SM3_DIGEST_LENGTH) == 1 && written == TLSGW_SM3_DIGEST_LENGTH
        && EVP_MAC_init(ctx, NULL, 0, NULL) == 1;
}

static EVP_CIPHER_CTX* NewEncryption(const EVP_CIPHER* cipher, const uint8_t* key)
{
    static const uint8_t zeroIv[TLSGW_SM4_BLOCK_LENGTH];
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL || EVP_EncryptInit_ex2(ctx, cipher, key, EVP_CIPHER_get_iv_length(cipher) > 0 ? zeroIv : NULL, NULL) != 1
        || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
    {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }

    return ctx;
}

TlsGwSm4* TlsGwNative_Sm4Create(const uint8_t* key, int32_t keyLength)
{
    ERR_clear_error();
    if (key == NULL || keyLength != TLSGW_SM4_KEY_LENGTH)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "an SM4 key is 16 bytes, not %d", keyLength);
        return NULL;
    }

    if (!AlgorithmsAvailable())
    {
        return NULL;
    }

    TlsGwSm4* sm4 = (TlsGwSm4*)calloc(1, sizeof(TlsGwSm4));
    if (sm4 == NULL)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_MALLOC_FAILURE);
        return NULL;
    }

    sm4->ecb = NewEncryption(s_sm4Ecb, key);
    sm4->ctr = NewEncryption(s_sm4Ctr, key);
    sm4->cbc = NewEncryption(s_sm4Cbc, key);
    if (sm4->ecb == NULL || sm4->ctr == NULL || sm4->cbc == NULL)
    {
        TlsGwNative_Sm4Destroy(sm4);
        return NULL;
    }

    return sm4;
}

void TlsGwNative_Sm4Destroy(TlsGwSm4* sm4)
{
    if (sm4 == NULL)
    {
        return;
    }

    // The SM4 provider cleanses its key schedule when a context is freed.
    EVP_CIPHER_CTX_free(sm4->ecb);
    EVP_CIPHER_CTX_free(sm4->ctr);
    EVP_CIPHER_CTX_free(sm4->cbc);
    free(sm4);
}

// EVP_EncryptUpdate takes an int and reports what it wrote; anything but "all of it" is a failure.
static int EncryptAll(EVP_CIPHER_CTX* ctx, uint8_t* output, const uint8_t* input, int32_t length)
{
    int written = 0;
    if (EVP_EncryptUpdate(ctx, output, &written, input, length) != 1)
    {
        return 0;
    }

    if (written != length)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_INTERNAL_ERROR, "SM4 wrote %d of %d bytes", written, length);
        return 0;
    }

    return 1;
}

int32_t TlsGwNative_Sm4EncryptBlocks(TlsGwSm4* sm4, const uint8_t* input, uint8_t* output, int32_t length)
{
    ERR_clear_error();
    if (sm4 == NULL || input == NULL || output == NULL || length <= 0 || length % TLSGW_SM4_BLOCK_LENGTH != 0)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "SM4 blocks: %d bytes", length);
        return 0;
    }

    return EncryptAll(sm4->ecb, output, input, length);
}

int32_t TlsGwNative_Sm4Ctr(TlsGwSm4* sm4, const uint8_t* counter, const uint8_t* input, uint8_t* output, int32_t length)
{
    ERR_clear_error();
    if (sm4 == NULL || counter == NULL || length < 0 || ((input == NULL || output == NULL) && length != 0))
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return 0;
    }

    if (length == 0)
    {
        return 1;
    }

    // A new IV on the keyed context: the key schedule stays, the counter and the partial-block
    // position restart, so no keystream carries over from the previous call.
    return EVP_EncryptInit_ex2(sm4->ctr, NULL, NULL, counter, NULL) == 1 && EncryptAll(sm4->ctr, output, input, length);
}

int32_t TlsGwNative_Sm4CbcMac(TlsGwSm4* sm4, uint8_t* state, const uint8_t* data, int32_t length)
{
    ERR_clear_error();
    if (sm4 == NULL || state == NULL || length < 0 || (data == NULL && length != 0) || length % TLSGW_SM4_BLOCK_LENGTH != 0)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "SM4 CBC-MAC: %d bytes", length);
        return 0;
    }

    if (length == 0)
    {
        return 1;
    }

    if (EVP_EncryptInit_ex2(sm4->cbc, NULL, NULL, state, NULL) != 1)
    {
        return 0;
    }

    // CBC needs somewhere to write every block; only the last one is the MAC state.
    uint8_t scratch[1024];
    int32_t ok = 1;
    int32_t chunk = 0;
    for (int32_t offset = 0; ok && offset < length; offset += chunk)
    {
        chunk = length - offset < (int32_t)sizeof(scratch) ? length - offset : (int32_t)sizeof(scratch);
        ok = EncryptAll(sm4->cbc, scratch, data + offset, chunk);
    }

    if (ok)
    {
        memcpy(state, scratch + chunk - TLSGW_SM4_BLOCK_LENGTH, TLSGW_SM4_BLOCK_LENGTH);
    }

    OPENSSL_cleanse(scratch, sizeof(scratch));
    return ok;
}
