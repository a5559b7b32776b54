#define _DEFAULT_SOURCE // timegm

#include "pal_verify_cache.h"
#include "pal_ssl.h"

#include <openssl/x509_vfy.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// What a server context can safely remember about a client's chain. Path validation is a pure
// function of the presented certificates, the context's trust store and CRLs (built once, never
// changed: a new trust bundle or CRL builds a new context), and the verification parameters
// (the context's, fixed) — except for the clock. So an entry holds the exact DER the client
// presented, the issuers the chain was built from, the parameters it was verified under, and the
// window in which nothing that verification could see changes: every certificate in the chain and
// every CRL of an issuer in it stays current, and no certificate in the store or from the client,
// and no such CRL, becomes valid (a CRL dated ahead, or a new intermediate, would be preferred by a
// full verification from then on). CRLs of other issuers cannot take part, so they do not narrow
// the window: one stale CRL in a file shared by many CAs must not turn the cache off for all.
// A hit outside that window, or on any byte or parameter of difference, verifies again.
// The authorizer is never cached: a hit calls the verify callback on the leaf as
// X509_verify_cert would, so the policy of the moment still decides.
//
// Direct-mapped: one entry per slot, a newcomer replaces whatever hashed there. The edge sees a
// fleet's few certificates over and over; 1024 slots of about 1-2 KiB each bound the memory.
#define SLOT_COUNT 1024
#define MAX_KEY_BYTES 8192 // a presented chain longer than this is verified every time

typedef struct
{
    uint64_t hash;
    uint8_t* der;            // leaf DER, then each presented (untrusted) certificate's DER
    size_t derLength;
    STACK_OF(X509)* issuers; // the verified chain above the leaf, references held
    unsigned long flags;     // the verification parameters it was verified under
    int depth;
    int authLevel;
    time_t validFrom;        // the latest start (notBefore, lastUpdate) already passed when verified
    time_t validUntil;       // the earliest end in play, or the earliest start still ahead
} Entry;

struct TlsGwVerifyCache
{
    const X509_STORE* store; // what the entries were verified against
    CRYPTO_RWLOCK* lock;
    Entry* slots[SLOT_COUNT];
    _Atomic int64_t hits;
};

TlsGwVerifyCache* TlsGwVerifyCache_New(const X509_STORE* store)
{
    TlsGwVerifyCache* cache = (TlsGwVerifyCache*)calloc(1, sizeof(TlsGwVerifyCache));
    if (cache == NULL)
    {
        return NULL;
    }

    cache->lock = CRYPTO_THREAD_lock_new();
    if (cache->lock == NULL)
    {
        free(cache);
        return NULL;
    }

    cache->store = store;
    return cache;
}

static void EntryFree(Entry* entry)
{
    if (entry != NULL)
    {
        free(entry->der);
        sk_X509_pop_free(entry->issuers, X509_free);
        free(entry);
    }
}

void TlsGwVerifyCache_Free(TlsGwVerifyCache* cache)
{
    if (cache == NULL)
    {
        return;
    }

    for (int i = 0; i < SLOT_COUNT; i++)
    {
        EntryFree(cache->slots[i]);
    }

    CRYPTO_THREAD_lock_free(cache->lock);
    free(cache);
}

int64_t TlsGwVerifyCache_Hits(const TlsGwVerifyCache* cache)
{
    return cache == NULL ? 0 : atomic_load_explicit(&cache->hits, memory_order_relaxed);
}

// Only a verification against the cache's own store, at the current time, with no names to match
// (a client context, which checks the upstream's host name per connection, gets no cache at all:
// pal_ctx.c installs one on server contexts only).
static int Cacheable(const TlsGwVerifyCache* cache, X509_STORE_CTX* storeCtx)
{
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(storeCtx);
    return X509_STORE_CTX_get0_store(storeCtx) == cache->store
        && (X509_VERIFY_PARAM_get_flags(param) & (X509_V_FLAG_USE_CHECK_TIME | X509_V_FLAG_NO_CHECK_TIME)) == 0
        && X509_VERIFY_PARAM_get0_host(param, 0) == NULL
        && X509_VERIFY_PARAM_get0_email(param) == NULL;
}

static int SameParameters(const Entry* entry, const X509_VERIFY_PARAM* param)
{
    return entry->flags == X509_VERIFY_PARAM_get_flags(param) && entry->depth == X509_VERIFY_PARAM_get_depth(param)
        && entry->authLevel == X509_VERIFY_PARAM_get_auth_level(param);
}

static int AppendDer(X509* certificate, uint8_t* key, size_t* length)
{
    int size = i2d_X509(certificate, NULL);
    if (size <= 0 || *length + (size_t)size > MAX_KEY_BYTES)
    {
        return 0;
    }

    uint8_t* cursor = key + *length;
    i2d_X509(certificate, &cursor);
    *length += (size_t)size;
    return 1;
}

// The presented chain as bytes: the leaf, then every other certificate the client sent (libssl
// passes the leaf in the untrusted stack too; it is written once).
static int PresentedChain(X509_STORE_CTX* storeCtx, uint8_t* key, size_t* length)
{
    *length = 0;
    X509* leaf = X509_STORE_CTX_get0_cert(storeCtx);
    if (!AppendDer(leaf, key, length))
    {
        return 0;
    }

    STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(storeCtx);
    for (int i = 0; i < sk_X509_num(untrusted); i++)
    {
        if (sk_X509_value(untrusted, i) != leaf && !AppendDer(sk_X509_value(untrusted, i), key, length))
        {
            return 0;
        }
    }

    return 1;
}

static uint64_t Fnv1a(const uint8_t* data, size_t length)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < length; i++)
    {
        hash = (hash ^ data[i]) * 0x100000001b3ULL;
    }

    return hash;
}

static int ToUnixTime(const ASN1_TIME* time, time_t* out)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(time, &tm))
    {
        return 0;
    }

    *out = timegm(&tm);
    return 1;
}

// Narrows the window [from, until) for one certificate or CRL seen by the verification at `now`.
// A start already passed raises `from` (a clock set back must not hit); a start still ahead ends
// the window there, since from then on this object takes part. `end` (NULL: none) ends it too.
static int Narrow(const ASN1_TIME* start, const ASN1_TIME* end, time_t now, time_t* from, time_t* until)
{
    time_t t;
    if (start != NULL)
    {
        if (!ToUnixTime(start, &t))
        {
            return 0;
        }

        if (t > now)
        {
            *until = t < *until ? t : *until;
        }
        else
        {
            *from = t > *from ? t : *from;
        }
    }

    if (end != NULL)
    {
        if (!ToUnixTime(end, &t))
        {
            return 0;
        }

        *until = t < *until ? t : *until;
    }

    return 1;
}

// Whether a verification of `chain` could consult `crl`. OpenSSL looks a CRL up by the issuer name
// of the certificate it checks (RFC 5280 6.3.3); an indirect CRL, honoured only with extended CRL
// support, may cover any issuer. Same name, other key (a re-keyed CA) counts as relevant: erring
// that way only shortens a window.
static int CrlConcerns(const X509_CRL* crl, STACK_OF(X509)* chain, unsigned long flags)
{
    if ((flags & X509_V_FLAG_EXTENDED_CRL_SUPPORT) != 0)
    {
        return 1;
    }

    const X509_NAME* crlIssuer = X509_CRL_get_issuer(crl);
    for (int i = 0; i < sk_X509_num(chain); i++)
    {
        // -2 is a failed comparison: count it as a match, which can only shorten the window.
        int order = X509_NAME_cmp(crlIssuer, X509_get_issuer_name(sk_X509_value(chain, i)));
        if (order == 0 || order == -2)
        {
            return 1;
        }
    }

    return 0;
}

// Every certificate the client sent, every certificate in the store and every CRL of an issuer in
// the chain: those still to start end the window; those CRLs, when revocation is checked, also end
// it at their nextUpdate.
static int NarrowByCandidates(X509_STORE_CTX* storeCtx, STACK_OF(X509)* chain, time_t now, time_t* from, time_t* until)
{
    STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(storeCtx);
    for (int i = 0; i < sk_X509_num(untrusted); i++)
    {
        if (!Narrow(X509_get0_notBefore(sk_X509_value(untrusted, i)), NULL, now, from, until))
        {
            return 0;
        }
    }

    X509_STORE* store = X509_STORE_CTX_get0_store(storeCtx);
    if (store == NULL || !X509_STORE_lock(store))
    {
        return 0;
    }

    unsigned long flags = X509_VERIFY_PARAM_get_flags(X509_STORE_CTX_get0_param(storeCtx));
    int checkCrls = (flags & (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)) != 0;
    int ok = 1;
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
    for (int i = 0; ok && i < sk_X509_OBJECT_num(objects); i++)
    {
        X509_OBJECT* object = sk_X509_OBJECT_value(objects, i);
        X509* certificate = X509_OBJECT_get0_X509(object);
        X509_CRL* crl = X509_OBJECT_get0_X509_CRL(object);
        if (certificate != NULL)
        {
            ok = Narrow(X509_get0_notBefore(certificate), NULL, now, from, until);
        }
        else if (crl != NULL && checkCrls && CrlConcerns(crl, chain, flags))
        {
            ok = Narrow(X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl), now, from, until);
        }
    }

    X509_STORE_unlock(store);
    return ok;
}

// The window in which the chain verified at `now` stays verified (see the top of this file).
static int ValidityWindow(X509_STORE_CTX* storeCtx, STACK_OF(X509)* chain, time_t now, time_t* from, time_t* until)
{
    *from = 0;
    *until = (time_t)INT64_MAX;
    for (int i = 0; i < sk_X509_num(chain); i++)
    {
        X509* certificate = sk_X509_value(chain, i);
        if (!Narrow(X509_get0_notBefore(certificate), X509_get0_notAfter(certificate), now, from, until))
        {
            return 0;
        }
    }

    return NarrowByCandidates(storeCtx, chain, now, from, until) && now < *until;
}

// A hit: the leaf the client sent this time, over the issuers remembered. NULL if not cached.
static STACK_OF(X509)* Lookup(TlsGwVerifyCache* cache, uint64_t hash, const uint8_t* key, size_t length, X509* leaf,
                              const X509_VERIFY_PARAM* param, time_t now)
{
    STACK_OF(X509)* chain = NULL;
    if (!CRYPTO_THREAD_read_lock(cache->lock))
    {
        return NULL;
    }

    const Entry* entry = cache->slots[hash % SLOT_COUNT];
    if (entry != NULL && entry->hash == hash && entry->derLength == length && memcmp(entry->der, key, length) == 0
        && now >= entry->validFrom && now < entry->validUntil && SameParameters(entry, param))
    {
        int count = sk_X509_num(entry->issuers);
        chain = sk_X509_new_reserve(NULL, count + 1);
        if (chain != NULL)
        {
            X509_up_ref(leaf);
            sk_X509_push(chain, leaf);
            for (int i = 0; i < count; i++)
            {
                X509* issuer = sk_X509_value(entry->issuers, i);
                X509_up_ref(issuer);
                sk_X509_push(chain, issuer);
            }
        }
    }

    CRYPTO_THREAD_unlock(cache->lock);
    return chain;
}

static void Remember(TlsGwVerifyCache* cache, X509_STORE_CTX* storeCtx, uint64_t hash, const uint8_t* key, size_t length, time_t now)
{
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(storeCtx);
    Entry* entry = (Entry*)calloc(1, sizeof(Entry));
    if (chain == NULL || sk_X509_num(chain) < 1 || entry == NULL
        || !ValidityWindow(storeCtx, chain, now, &entry->validFrom, &entry->validUntil)
        || (entry->der = (uint8_t*)malloc(length)) == NULL
        || (entry->issuers = sk_X509_new_reserve(NULL, sk_X509_num(chain) - 1)) == NULL)
    {
        EntryFree(entry);
        return;
    }

    const X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(storeCtx);
    entry->hash = hash;
    entry->flags = X509_VERIFY_PARAM_get_flags(param);
    entry->depth = X509_VERIFY_PARAM_get_depth(param);
    entry->authLevel = X509_VERIFY_PARAM_get_auth_level(param);
    entry->derLength = length;
    memcpy(entry->der, key, length);
    for (int i = 1; i < sk_X509_num(chain); i++)
    {
        X509* issuer = sk_X509_value(chain, i);
        X509_up_ref(issuer);
        sk_X509_push(entry->issuers, issuer);
    }

    if (!CRYPTO_THREAD_write_lock(cache->lock))
    {
        EntryFree(entry);
        return;
    }

    Entry* previous = cache->slots[hash % SLOT_COUNT];
    cache->slots[hash % SLOT_COUNT] = entry;
    CRYPTO_THREAD_unlock(cache->lock);
    EntryFree(previous);
}

int TlsGwVerifyCache_Verify(X509_STORE_CTX* storeCtx, void* arg)
{
    TlsGwVerifyCache* cache = (TlsGwVerifyCache*)arg;
    uint8_t key[MAX_KEY_BYTES];
    size_t length;
    if (cache == NULL || !Cacheable(cache, storeCtx) || !PresentedChain(storeCtx, key, &length))
    {
        return X509_verify_cert(storeCtx);
    }

    uint64_t hash = Fnv1a(key, length);
    time_t now = time(NULL);
    X509* leaf = X509_STORE_CTX_get0_cert(storeCtx);
    STACK_OF(X509)* chain = Lookup(cache, hash, key, length, leaf, X509_STORE_CTX_get0_param(storeCtx), now);
    if (chain == NULL)
    {
        int verified = X509_verify_cert(storeCtx);
        if (verified == 1 && X509_STORE_CTX_get_error(storeCtx) == X509_V_OK)
        {
            Remember(cache, storeCtx, hash, key, length, now);
        }

        return verified;
    }

    // What X509_verify_cert leaves behind for libssl (the verified chain, no error), then the
    // callback at the leaf, where the authorizer runs (pal_ctx.c VerifyCallback).
    atomic_fetch_add_explicit(&cache->hits, 1, memory_order_relaxed);
    SSL* ssl = (SSL*)X509_STORE_CTX_get_ex_data(storeCtx, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (ssl != NULL)
    {
        TlsGwSsl_MarkChainFromCache(ssl);
    }

    X509_STORE_CTX_set0_verified_chain(storeCtx, chain);
    X509_STORE_CTX_set_error(storeCtx, X509_V_OK);
    X509_STORE_CTX_set_error_depth(storeCtx, 0);
    X509_STORE_CTX_set_current_cert(storeCtx, leaf);
    X509_STORE_CTX_verify_cb callback = X509_STORE_CTX_get_verify_cb(storeCtx);
    return callback == NULL ? 1 : callback(1, storeCtx);
}
