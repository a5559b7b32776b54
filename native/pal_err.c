#include "pal_err.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

// The managed classifier relies on these numbers; fail the build if OpenSSL ever moves them.
_Static_assert(TlsGwReason_CertificateVerifyFailed == SSL_R_CERTIFICATE_VERIFY_FAILED, "reason");
_Static_assert(TlsGwReason_HttpRequest == SSL_R_HTTP_REQUEST, "reason");
_Static_assert(TlsGwReason_NoSharedCipher == SSL_R_NO_SHARED_CIPHER, "reason");
_Static_assert(TlsGwReason_PacketLengthTooLong == SSL_R_PACKET_LENGTH_TOO_LONG, "reason");
_Static_assert(TlsGwReason_PeerDidNotReturnCertificate == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, "reason");
_Static_assert(TlsGwReason_NoProtocolsAvailable == SSL_R_NO_PROTOCOLS_AVAILABLE, "reason");
_Static_assert(TlsGwReason_NoApplicationProtocol == SSL_R_NO_APPLICATION_PROTOCOL, "reason");
_Static_assert(TlsGwReason_UnsupportedProtocol == SSL_R_UNSUPPORTED_PROTOCOL, "reason");
_Static_assert(TlsGwReason_WrongVersionNumber == SSL_R_WRONG_VERSION_NUMBER, "reason");
_Static_assert(TlsGwReason_UnexpectedEofWhileReading == SSL_R_UNEXPECTED_EOF_WHILE_READING, "reason");
_Static_assert(TlsGwReason_UnexpectedMessage == SSL_R_UNEXPECTED_MESSAGE, "reason");
_Static_assert(TlsGwReason_BadPacketLength == SSL_R_BAD_PACKET_LENGTH, "reason");
_Static_assert(TlsGwReason_AlertBase == SSL_AD_REASON_OFFSET, "reason");
_Static_assert(TLSGW_ERR_LIB_SSL == ERR_LIB_SSL, "lib");

int32_t TlsGwNative_ErrGetNext(int32_t* lib, int32_t* reason, char* text, int32_t textLength)
{
    const char* data = NULL;
    int flags = 0;
    unsigned long error = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
    if (error == 0)
    {
        return 0;
    }

    *lib = ERR_GET_LIB(error);
    *reason = ERR_GET_REASON(error);
    if (text != NULL && textLength > 0)
    {
        ERR_error_string_n(error, text, (size_t)textLength);
        if (data != NULL && (flags & ERR_TXT_STRING) != 0 && data[0] != '\0')
        {
            size_t used = strlen(text);
            if (used + 3 < (size_t)textLength)
            {
                snprintf(text + used, (size_t)textLength - used, " (%s)", data);
            }
        }
    }

    return 1;
}

void TlsGwNative_ErrClear(void)
{
    ERR_clear_error();
}
