/* String-keyed chained hash table for the node store (see htab.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

struct hent {
    struct hent *next;
    void *val;
    char key[];
};

struct htab {
    struct hent **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return (size_t)h;
}

struct htab *htab_new(void)
{
    struct htab *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->nbuckets = 64;
    h->buckets = calloc(h->nbuckets, sizeof(*h->buckets));
    if (!h->buckets) {
        free(h);
        return NULL;
    }
    return h;
}

void htab_free(struct htab *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nbuckets; i++) {
        struct hent *e = h->buckets[i], *next;

        for (; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(h->buckets);
    free(h);
}

static struct hent **slot_of(const struct htab *h, const char *key)
{
    struct hent **p = &h->buckets[hash(key) & (h->nbuckets - 1)];

    while (*p && strcmp((*p)->key, key) != 0)
        p = &(*p)->next;
    return p;
}

void *htab_get(const struct htab *h, const char *key)
{
    struct hent *e = *slot_of(h, key);

    return e ? e->val : NULL;
}

/* Doubling failure is harmless: the table just stays denser. */
static void grow(struct htab *h)
{
    size_t n = h->nbuckets * 2;
    struct hent **b = calloc(n, sizeof(*b));

    if (!b)
        return;
    for (size_t i = 0; i < h->nbuckets; i++) {
        struct hent *e = h->buckets[i], *next;

        for (; e; e = next) {
            size_t j = hash(e->key) & (n - 1);

            next = e->next;
            e->next = b[j];
            b[j] = e;
        }
    }
    free(h->buckets);
    h->buckets = b;
    h->nbuckets = n;
}

int htab_put(struct htab *h, const char *key, void *val, void **old)
{
    struct hent **p = slot_of(h, key);
    size_t klen;

    if (old)
        *old = *p ? (*p)->val : NULL;
    if (*p) {
        (*p)->val = val;
        return 0;
    }
    klen = strlen(key) + 1;
    *p = malloc(sizeof(**p) + klen);
    if (!*p)
        return -ENOMEM;
    memcpy((*p)->key, key, klen);
    (*p)->val = val;
    (*p)->next = NULL;
    if (++h->count > h->nbuckets)
        grow(h);
    return 0;
}

void *htab_del(struct htab *h, const char *key)
{
    struct hent **p = slot_of(h, key), *e = *p;
    void *val;

    if (!e)
        return NULL;
    *p = e->next;
    val = e->val;
    free(e);
    h->count--;
    return val;
}

size_t htab_count(const struct htab *h)
{
    return h->count;
}

void htab_foreach(const struct htab *h, bool (*fn)(const char *key, void *val, void *arg),
                  void *arg)
{
    for (size_t i = 0; i < h->nbuckets; i++)
        for (struct hent *e = h->buckets[i]; e; e = e->next)
            if (!fn(e->key, e->val, arg))
                return;
}
