#include "pal_sm2.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509.h>

// The key types the two jobs need (see pal_sm2.h for why they differ).
static int IsSigningKey(const EVP_PKEY* key)
{
    if (key == NULL || !EVP_PKEY_is_a(key, "SM2"))
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "not an SM2 signing key");
        return 0;
    }

    return 1;
}

static int IsValidId(const uint8_t* id, int32_t idLength)
{
    if (id == NULL || idLength < 0 || idLength > TLSGW_SM2_MAX_ID_LENGTH)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "an SM2 distinguishing ID is 0..%d bytes", TLSGW_SM2_MAX_ID_LENGTH);
        return 0;
    }

    return 1;
}

// OpenSSL's point decoder also takes a lone 00 (the point at infinity) and compressed or hybrid
// points; TLS 1.3 key shares and this API take only 04 || x || y (RFC 8446 §4.2.8.2).
static int IsUncompressedPoint(const uint8_t* point, int32_t length)
{
    if (point == NULL || length != TLSGW_SM2_POINT_LENGTH || point[0] != 0x04)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "an SM2 point is 65 bytes, uncompressed (04 || x || y)");
        return 0;
    }

    return 1;
}

// An "SM2" verifying key from a point (EVP_PKEY_fromdata, which checks the point is on the
// curve but fails without saying so, hence the error raised here).
static EVP_PKEY* SigningKeyFromPoint(const uint8_t* point, int32_t length)
{
    if (!IsUncompressedPoint(point, length))
    {
        return NULL;
    }

    OSSL_PARAM params[] =
    {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char*)"SM2", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void*)point, (size_t)length),
        OSSL_PARAM_construct_end(),
    };

    EVP_PKEY* key = NULL;
    EVP_PKEY_CTX* fromData = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (fromData == NULL || EVP_PKEY_fromdata_init(fromData) != 1 || EVP_PKEY_fromdata(fromData, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        key = NULL;
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "the point is not on the SM2 curve");
    }

    EVP_PKEY_CTX_free(fromData);
    return key;
}

EVP_PKEY* TlsGwNative_Sm2KeyImportPkcs8(const uint8_t* der, int32_t length)
{
    ERR_clear_error();
    if (der == NULL || length <= 0)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return NULL;
    }

    const uint8_t* cursor = der;
    PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &cursor, length);
    EVP_PKEY* key = NULL;
    if (info != NULL && cursor != der + length)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "trailing bytes after the PrivateKeyInfo");
    }
    else if (info != NULL)
    {
        key = EVP_PKCS82PKEY(info);
        if (key != NULL && !IsSigningKey(key))
        {
            EVP_PKEY_free(key);
            key = NULL;
        }
    }

    // Frees and cleanses the private key octets.
    PKCS8_PRIV_KEY_INFO_free(info);
    return key;
}

EVP_PKEY* TlsGwNative_Sm2KeyImportPublic(const uint8_t* der, int32_t length)
{
    ERR_clear_error();
    if (der == NULL || length <= 0)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return NULL;
    }

    const uint8_t* cursor = der;
    EVP_PKEY* key = d2i_PUBKEY(NULL, &cursor, length);
    if (key != NULL && cursor != der + length)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "trailing bytes after the SubjectPublicKeyInfo");
        EVP_PKEY_free(key);
        return NULL;
    }

    if (key != NULL && !IsSigningKey(key))
    {
        EVP_PKEY_free(key);
        return NULL;
    }

    return key;
}

EVP_PKEY* TlsGwNative_Sm2KeyFromPoint(const uint8_t* point, int32_t length)
{
    ERR_clear_error();
    return SigningKeyFromPoint(point, length);
}

int32_t TlsGwNative_Sm2KeyExportPkcs8(EVP_PKEY* key, uint8_t* buffer, int32_t bufferLength)
{
    ERR_clear_error();
    if (!IsSigningKey(key) || bufferLength < 0)
    {
        return -1;
    }

    PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key);
    if (info == NULL)
    {
        return -1;
    }

    int32_t result = -1;
    int length = i2d_PKCS8_PRIV_KEY_INFO(info, NULL);
    if (length > 0)
    {
        result = length;
        if (buffer != NULL && bufferLength >= length)
        {
            uint8_t* cursor = buffer;
            result = i2d_PKCS8_PRIV_KEY_INFO(info, &cursor) == length ? length : -1;
        }
    }

    PKCS8_PRIV_KEY_INFO_free(info);
    return result;
}

int32_t TlsGwNative_Sm2KeyExportPoint(EVP_PKEY* key, uint8_t* point, int32_t pointLength)
{
    ERR_clear_error();
    if (key == NULL || point == NULL || pointLength < TLSGW_SM2_POINT_LENGTH)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return -1;
    }

    // The encoded form follows the key's point-conversion format, uncompressed unless someone
    // asked otherwise; anything but 65 bytes starting 04 is refused rather than passed on.
    size_t written = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, (size_t)pointLength, &written) != 1)
    {
        return -1;
    }

    if (written != TLSGW_SM2_POINT_LENGTH || point[0] != 0x04)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_INTERNAL_ERROR, "not an uncompressed SM2 point (%zu bytes)", written);
        return -1;
    }

    return TLSGW_SM2_POINT_LENGTH;
}

// An EVP_MD_CTX set up for SM2-with-SM3 under id: the ID goes on the key context before
// EVP_DigestSignInit/VerifyInit, since it feeds Z, the first thing hashed (GB/T 32918.2 §5.5).
// *keyContext is the caller's to free after the MD context (EVP_MD_CTX_set_pkey_ctx does not own it).
static EVP_MD_CTX* NewSm2DigestContext(EVP_PKEY* key, const uint8_t* id, int32_t idLength, int sign, EVP_PKEY_CTX** keyContext)
{
    *keyContext = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    EVP_MD_CTX* mdContext = EVP_MD_CTX_new();
    if (*keyContext == NULL || mdContext == NULL || EVP_PKEY_CTX_set1_id(*keyContext, id, (size_t)idLength) <= 0)
    {
        EVP_MD_CTX_free(mdContext);
        return NULL;
    }

    EVP_MD_CTX_set_pkey_ctx(mdContext, *keyContext);
    int ok = sign
        ? EVP_DigestSignInit_ex(mdContext, NULL, "SM3", NULL, NULL, key, NULL)
        : EVP_DigestVerifyInit_ex(mdContext, NULL, "SM3", NULL, NULL, key, NULL);
    if (ok != 1)
    {
        EVP_MD_CTX_free(mdContext);
        return NULL;
    }

    return mdContext;
}

int32_t TlsGwNative_Sm2Sign(EVP_PKEY* key, const uint8_t* id, int32_t idLength, const uint8_t* data, int32_t dataLength,
    uint8_t* signature, int32_t signatureCapacity, int32_t* signatureLength)
{
    ERR_clear_error();
    *signatureLength = 0;
    if (!IsSigningKey(key) || !IsValidId(id, idLength))
    {
        return 0;
    }

    if (dataLength < 0 || (data == NULL && dataLength != 0) || signature == NULL || signatureCapacity <= 0)
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return 0;
    }

    EVP_PKEY_CTX* keyContext = NULL;
    EVP_MD_CTX* mdContext = NewSm2DigestContext(key, id, idLength, 1, &keyContext);
    size_t length = (size_t)signatureCapacity;
    int32_t ok = mdContext != NULL && EVP_DigestSign(mdContext, signature, &length, data, (size_t)dataLength) == 1;
    if (ok)
    {
        *signatureLength = (int32_t)length;
    }

    EVP_MD_CTX_free(mdContext);
    EVP_PKEY_CTX_free(keyContext);
    return ok;
}

int32_t TlsGwNative_Sm2Verify(EVP_PKEY* key, const uint8_t* id, int32_t idLength, const uint8_t* data, int32_t dataLength,
    const uint8_t* signature, int32_t signatureLength)
{
    ERR_clear_error();
    if (!IsSigningKey(key) || !IsValidId(id, idLength))
    {
        return -1;
    }

    if (dataLength < 0 || (data == NULL && dataLength != 0) || signatureLength < 0 || (signature == NULL && signatureLength != 0))
    {
        ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
        return -1;
    }

    EVP_PKEY_CTX* keyContext = NULL;
    EVP_MD_CTX* mdContext = NewSm2DigestContext(key, id, idLength, 0, &keyContext);
    int32_t result = -1;
    if (mdContext != NULL)
    {
        // 0 is "does not verify"; a negative value (a signature that is not DER) is also just invalid.
        result = EVP_DigestVerify(mdContext, signature, (size_t)signatureLength, data, (size_t)dataLength) == 1 ? 1 : 0;
        ERR_clear_error();
    }

    EVP_MD_CTX_free(mdContext);
    EVP_PKEY_CTX_free(keyContext);
    return result;
}

EVP_PKEY* TlsGwNative_Sm2EcdhGenerate(void)
{
    ERR_clear_error();
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "SM2");
}

int32_t TlsGwNative_Sm2EcdhDerive(EVP_PKEY* key, const uint8_t* peerPoint, int32_t peerPointLength, uint8_t* secret, int32_t secretLength)
{
    ERR_clear_error();
    if (key == NULL || !EVP_PKEY_is_a(key, "EC") || secret == NULL || secretLength < TLSGW_SM2_SECRET_LENGTH)
    {
        ERR_raise_data(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT, "ECDH needs an EC key on the SM2 curve and a 32-byte buffer");
        return -1;
    }

    if (!IsUncompressedPoint(peerPoint, peerPointLength))
    {
        return 0;
    }

    // The peer key is not made with EVP_PKEY_fromdata: OpenSSL 3.0's EC key manager refuses to
    // import any key whose group is SM2 (ec_kmgmt.c, common_check_sm2), though it generates
    // them. So the peer takes our key's domain parameters (EVP_PKEY_copy_parameters) and then
    // the point (EVP_PKEY_set1_encoded_public_key, which rejects a point off the curve).
    int32_t result = -1;
    size_t length = (size_t)secretLength;
    EVP_PKEY_CTX* context = NULL;
    EVP_PKEY* peer = EVP_PKEY_new();
    if (peer == NULL || EVP_PKEY_copy_parameters(peer, key) != 1)
    {
        goto done;
    }

    if (EVP_PKEY_set1_encoded_public_key(peer, peerPoint, (size_t)peerPointLength) != 1)
    {
        result = 0;
        goto done;
    }

    // The quick public check (not infinity, coordinates in range, on the curve) is the whole
    // check on curveSM2: its cofactor is 1, so every point on the curve is in the group of order
    // n, and the full check's n*Q = infinity test (EVP_PKEY_public_check, which validate_peer = 1
    // runs) costs a fourth scalar multiplication per handshake (14 % of one) and proves nothing more.
    context = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
    if (context == NULL)
    {
        goto done;
    }

    if (EVP_PKEY_public_check_quick(context) != 1)
    {
        result = 0;
        goto done;
    }

    EVP_PKEY_CTX_free(context);
    context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (context == NULL || EVP_PKEY_derive_init(context) != 1)
    {
        goto done;
    }

    if (EVP_PKEY_derive_set_peer_ex(context, peer, 0) != 1)
    {
        result = 0;
        goto done;
    }

    if (EVP_PKEY_derive(context, secret, &length) == 1 && length == TLSGW_SM2_SECRET_LENGTH)
    {
        result = TLSGW_SM2_SECRET_LENGTH;
    }
    else
    {
        OPENSSL_cleanse(secret, (size_t)secretLength);
    }

done:
    EVP_PKEY_CTX_free(context);
    EVP_PKEY_free(peer);
    return result;
}
