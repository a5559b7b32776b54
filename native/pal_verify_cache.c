#define _DEFAULT_SOURCE // timegm

#include "pal_verify_cache.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// What a server context can safely remember about a client's chain. Path validation is a pure
// function of the presented certificates, the context's trust store and CRLs (built once, never
// changed: a new trust bundle or CRL builds a new context), and the verification parameters
// (the context's, fixed) — except for the clock. So an entry holds the exact DER the client
// presented, the issuers the chain was built from, and the window in which every certificate and
// CRL used was current; a hit outside that window, or on any byte of difference, verifies again.
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
    time_t validFrom;        // latest notBefore (and CRL lastUpdate) in play
    time_t validUntil;       // earliest notAfter (and CRL nextUpdate) in play
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

// Only a server verifying a client chain against the cache's own store, at the current time, with
// no names to match: a client context checks the upstream's host name, which differs per
// connection, so it never uses this.
static int Cacheable(const TlsGwVerifyCache* cache, X509_STORE_CTX* storeCtx)
{
    if (X509_STORE_CTX_get0_store(storeCtx) != cache->store)
    {
        return 0;
    }

    SSL* ssl = (SSL*)X509_STORE_CTX_get_ex_data(storeCtx, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (ssl == NULL || !SSL_is_server(ssl))
    {
        return 0;
    }

    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(storeCtx);
    return (X509_VERIFY_PARAM_get_flags(param) & (X509_V_FLAG_USE_CHECK_TIME | X509_V_FLAG_NO_CHECK_TIME)) == 0
        && X509_VERIFY_PARAM_get0_host(param, 0) == NULL
        && X509_VERIFY_PARAM_get0_email(param) == NULL;
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

// The presented chain as bytes: the leaf, then every certificate the client sent.
static int PresentedChain(X509_STORE_CTX* storeCtx, uint8_t* key, size_t* length)
{
    *length = 0;
    if (!AppendDer(X509_STORE_CTX_get0_cert(storeCtx), key, length))
    {
        return 0;
    }

    STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(storeCtx);
    for (int i = 0; i < sk_X509_num(untrusted); i++)
    {
        if (!AppendDer(sk_X509_value(untrusted, i), key, length))
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

// Narrows [from, until] to [notBefore/lastUpdate, notAfter/nextUpdate]; 0 if a time is unreadable.
static int Narrow(const ASN1_TIME* start, const ASN1_TIME* end, time_t* from, time_t* until)
{
    struct tm tm;
    if (start != NULL)
    {
        if (!ASN1_TIME_to_tm(start, &tm))
        {
            return 0;
        }

        time_t t = timegm(&tm);
        *from = t > *from ? t : *from;
    }

    if (end != NULL)
    {
        if (!ASN1_TIME_to_tm(end, &tm))
        {
            return 0;
        }

        time_t t = timegm(&tm);
        *until = t < *until ? t : *until;
    }

    return 1;
}

// The window in which the chain just verified stays verified: every certificate in it is within
// its validity, and, when revocation is checked, every CRL in the store is current.
static int ValidityWindow(X509_STORE_CTX* storeCtx, STACK_OF(X509)* chain, time_t* from, time_t* until)
{
    *from = 0;
    *until = (time_t)INT64_MAX;
    for (int i = 0; i < sk_X509_num(chain); i++)
    {
        X509* certificate = sk_X509_value(chain, i);
        if (!Narrow(X509_get0_notBefore(certificate), X509_get0_notAfter(certificate), from, until))
        {
            return 0;
        }
    }

    unsigned long flags = X509_VERIFY_PARAM_get_flags(X509_STORE_CTX_get0_param(storeCtx));
    if ((flags & (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)) == 0)
    {
        return 1;
    }

    X509_STORE* store = X509_STORE_CTX_get0_store(storeCtx);
    if (store == NULL || !X509_STORE_lock(store))
    {
        return 0;
    }

    int ok = 1;
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
    for (int i = 0; ok && i < sk_X509_OBJECT_num(objects); i++)
    {
        X509_OBJECT* object = sk_X509_OBJECT_value(objects, i);
        if (X509_OBJECT_get_type(object) == X509_LU_CRL)
        {
            X509_CRL* crl = X509_OBJECT_get0_X509_CRL(object);
            ok = Narrow(X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl), from, until);
        }
    }

    X509_STORE_unlock(store);
    return ok;
}

// A hit: the leaf the client sent this time, over the issuers remembered. NULL if not cached.
static STACK_OF(X509)* Lookup(TlsGwVerifyCache* cache, uint64_t hash, const uint8_t* key, size_t length, X509* leaf)
{
    STACK_OF(X509)* chain = NULL;
    time_t now = time(NULL);
    if (!CRYPTO_THREAD_read_lock(cache->lock))
    {
        return NULL;
    }

    const Entry* entry = cache->slots[hash % SLOT_COUNT];
    if (entry != NULL && entry->hash == hash && entry->derLength == length && memcmp(entry->der, key, length) == 0
        && now >= entry->validFrom && now < entry->validUntil)
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

static void Remember(TlsGwVerifyCache* cache, X509_STORE_CTX* storeCtx, uint64_t hash, const uint8_t* key, size_t length)
{
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(storeCtx);
    Entry* entry = (Entry*)calloc(1, sizeof(Entry));
    if (chain == NULL || sk_X509_num(chain) < 1 || entry == NULL
        || !ValidityWindow(storeCtx, chain, &entry->validFrom, &entry->validUntil)
        || (entry->der = (uint8_t*)malloc(length)) == NULL
        || (entry->issuers = sk_X509_new_reserve(NULL, sk_X509_num(chain) - 1)) == NULL)
    {
        EntryFree(entry);
        return;
    }

    entry->hash = hash;
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
    X509* leaf = X509_STORE_CTX_get0_cert(storeCtx);
    STACK_OF(X509)* chain = Lookup(cache, hash, key, length, leaf);
    if (chain == NULL)
    {
        int verified = X509_verify_cert(storeCtx);
        if (verified == 1 && X509_STORE_CTX_get_error(storeCtx) == X509_V_OK)
        {
            Remember(cache, storeCtx, hash, key, length);
        }

        return verified;
    }

    // What X509_verify_cert leaves behind for libssl (the verified chain, no error), then the
    // callback at the leaf, where the authorizer runs (pal_ctx.c VerifyCallback).
    atomic_fetch_add_explicit(&cache->hits, 1, memory_order_relaxed);
    X509_STORE_CTX_set0_verified_chain(storeCtx, chain);
    X509_STORE_CTX_set_error(storeCtx, X509_V_OK);
    X509_STORE_CTX_set_error_depth(storeCtx, 0);
    X509_STORE_CTX_set_current_cert(storeCtx, leaf);
    X509_STORE_CTX_verify_cb callback = X509_STORE_CTX_get_verify_cb(storeCtx);
    return callback == NULL ? 1 : callback(1, storeCtx);
}
