#include "pal_sign.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <string.h>

EVP_PKEY* TlsGwNative_PKeyGenerate(int32_t keyType, int32_t rsaBits)
{
    ERR_clear_error();
    switch (keyType)
    {
        case TlsGwKeyType_EcP256:
            return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        case TlsGwKeyType_EcP384:
            return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        case TlsGwKeyType_Rsa:
            if (rsaBits < 2048 || rsaBits > 8192)
            {
                ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "RSA size %d outside 2048..8192", rsaBits);
                return NULL;
            }

            return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsaBits);
        case TlsGwKeyType_Sm2:
            return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
        default:
            ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "unknown key type %d", keyType);
            return NULL;
    }
}

// Copies a memory BIO's contents out under the "length first, copy when it fits" convention.
static int32_t CopyOut(BIO* bio, uint8_t* buffer, int32_t bufferLength)
{
    char* data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    if (length <= 0 || length > INT32_MAX)
    {
        return -1;
    }

    if (buffer != NULL && bufferLength >= length)
    {
        memcpy(buffer, data, (size_t)length);
    }

    return (int32_t)length;
}

int32_t TlsGwNative_PKeyExportPublic(EVP_PKEY* key, uint8_t* buffer, int32_t bufferLength)
{
    ERR_clear_error();
    if (key == NULL)
    {
        return -1;
    }

    int length = i2d_PUBKEY(key, NULL);
    if (length <= 0)
    {
        return -1;
    }

    if (buffer != NULL && bufferLength >= length)
    {
        uint8_t* cursor = buffer;
        if (i2d_PUBKEY(key, &cursor) != length)
        {
            return -1;
        }
    }

    return length;
}

int32_t TlsGwNative_PKeyExportEncryptedPkcs8(EVP_PKEY* key, const uint8_t* passphrase, int32_t passphraseLength,
    int32_t iterations, uint8_t* buffer, int32_t bufferLength)
{
    ERR_clear_error();
    if (key == NULL || passphrase == NULL || passphraseLength <= 0 || iterations <= 0)
    {
        return -1;
    }

    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
    {
        return -1;
    }

    int32_t result = -1;
    // PBES2 (RFC 8018) with AES-256-CBC and PBKDF2-HMAC-SHA256 at the caller's iteration count:
    // PEM_write_bio_PKCS8PrivateKey would use OpenSSL's default of 2,048 iterations, cheap to
    // guess against for an operator-chosen passphrase.
    PKCS8_PRIV_KEY_INFO* plain = EVP_PKEY2PKCS8(key);
    X509_ALGOR* pbe = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), iterations, NULL, 0, NULL, NID_hmacWithSHA256);
    X509_SIG* encrypted = plain != NULL && pbe != NULL ? PKCS8_set0_pbe((const char*)passphrase, passphraseLength, plain, pbe) : NULL;
    if (encrypted == NULL)
    {
        X509_ALGOR_free(pbe); // PKCS8_set0_pbe takes it only on success
    }
    else if (PEM_write_bio_PKCS8(bio, encrypted) == 1)
    {
        result = CopyOut(bio, buffer, bufferLength);
    }

    X509_SIG_free(encrypted);
    // Frees and cleanses the plaintext key octets (p8_pkey.c's free callback).
    PKCS8_PRIV_KEY_INFO_free(plain);

    // The BIO held ciphertext only, but clear it anyway before freeing.
    char* data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    if (data != NULL && length > 0)
    {
        OPENSSL_cleanse(data, (size_t)length);
    }

    BIO_free(bio);
    return result;
}

int32_t TlsGwNative_DigestSign(EVP_PKEY* key, const char* digestName, const uint8_t* sm2Id, int32_t sm2IdLength,
    const uint8_t* data, int32_t dataLength, uint8_t* signature, int32_t signatureCapacity, int32_t* signatureLength)
{
    ERR_clear_error();
    *signatureLength = 0;
    if (key == NULL || digestName == NULL || (data == NULL && dataLength != 0) || dataLength < 0 || signature == NULL)
    {
        return 0;
    }

    EVP_MD_CTX* mdContext = EVP_MD_CTX_new();
    if (mdContext == NULL)
    {
        return 0;
    }

    int32_t ok = 0;
    EVP_PKEY_CTX* keyContext = NULL;
    // An SM2 signature mixes the signer's ID into the digest (Z value, GB/T 32918.2 §5.5), so
    // the ID has to be set on the key context before the digest starts.
    if (sm2Id != NULL)
    {
        keyContext = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        if (keyContext == NULL || EVP_PKEY_CTX_set1_id(keyContext, sm2Id, (size_t)sm2IdLength) <= 0)
        {
            goto done;
        }

        EVP_MD_CTX_set_pkey_ctx(mdContext, keyContext);
    }

    if (EVP_DigestSignInit_ex(mdContext, NULL, digestName, NULL, NULL, key, NULL) != 1)
    {
        goto done;
    }

    size_t length = (size_t)signatureCapacity;
    if (EVP_DigestSign(mdContext, signature, &length, data, (size_t)dataLength) != 1)
    {
        goto done;
    }

    *signatureLength = (int32_t)length;
    ok = 1;

done:
    EVP_MD_CTX_free(mdContext);
    // EVP_MD_CTX_set_pkey_ctx does not take ownership.
    EVP_PKEY_CTX_free(keyContext);
    return ok;
}

int32_t TlsGwNative_EcVerify(const char* curveName, const uint8_t* point, int32_t pointLength, const char* digestName,
    const uint8_t* sm2Id, int32_t sm2IdLength, const uint8_t* data, int32_t dataLength, const uint8_t* signature, int32_t signatureLength)
{
    ERR_clear_error();
    if (curveName == NULL || point == NULL || pointLength <= 0 || digestName == NULL || (data == NULL && dataLength != 0)
        || signature == NULL || signatureLength <= 0)
    {
        return -1;
    }

    int isSm2 = strcmp(curveName, "SM2") == 0;
    OSSL_PARAM params[] =
    {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char*)curveName, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void*)point, (size_t)pointLength),
        OSSL_PARAM_construct_end(),
    };

    int32_t result = -1;
    EVP_PKEY* key = NULL;
    EVP_PKEY_CTX* keyContext = NULL;
    EVP_PKEY_CTX* verifyContext = NULL;
    EVP_MD_CTX* mdContext = NULL;
    EVP_PKEY_CTX* fromData = EVP_PKEY_CTX_new_from_name(NULL, isSm2 ? "SM2" : "EC", NULL);
    // EVP_PKEY_fromdata checks that the point is on the curve (EC_POINT_oct2point).
    if (fromData == NULL || EVP_PKEY_fromdata_init(fromData) != 1 || EVP_PKEY_fromdata(fromData, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        goto done;
    }

    mdContext = EVP_MD_CTX_new();
    if (mdContext == NULL)
    {
        goto done;
    }

    if (sm2Id != NULL)
    {
        verifyContext = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        if (verifyContext == NULL || EVP_PKEY_CTX_set1_id(verifyContext, sm2Id, (size_t)sm2IdLength) <= 0)
        {
            goto done;
        }

        EVP_MD_CTX_set_pkey_ctx(mdContext, verifyContext);
    }

    if (EVP_DigestVerifyInit_ex(mdContext, &keyContext, digestName, NULL, NULL, key, NULL) != 1)
    {
        goto done;
    }

    int verified = EVP_DigestVerify(mdContext, signature, (size_t)signatureLength, data, (size_t)dataLength);
    // 0 is "does not verify"; a negative value (a malformed signature) is also just "invalid".
    result = verified == 1 ? 1 : 0;
    ERR_clear_error();

done:
    EVP_MD_CTX_free(mdContext);
    EVP_PKEY_CTX_free(verifyContext);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(fromData);
    return result;
}
