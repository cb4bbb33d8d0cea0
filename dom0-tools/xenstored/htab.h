/*
 * A string-keyed hash table (chained, grows at load 1): the index of
 * xenstored's node store and transaction overlays.  The table copies keys;
 * values belong to the caller.
 */
#ifndef XSD_HTAB_H
#define XSD_HTAB_H

#include <stdbool.h>
#include <stddef.h>

struct htab;

/* NULL when out of memory.  htab_free() frees keys, not values. */
struct htab *htab_new(void);
void htab_free(struct htab *h);

void *htab_get(const struct htab *h, const char *key);
/* Inserts or replaces; *old (may be NULL) receives the replaced value.
 * Returns 0 or -ENOMEM. */
int htab_put(struct htab *h, const char *key, void *val, void **old);
/* Removes key and returns its value (NULL when absent). */
void *htab_del(struct htab *h, const char *key);
size_t htab_count(const struct htab *h);

/* Calls fn for every entry until it returns false.  fn must not change h. */
void htab_foreach(const struct htab *h, bool (*fn)(const char *key, void *val, void *arg),
                  void *arg);

#endif
