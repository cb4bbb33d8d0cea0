/*
 * Splitvisor's additions to libxenstore's <xenstore.h> API.
 */
#ifndef SV_XS_EXT_H
#define SV_XS_EXT_H

#include <xenstore.h>

/* Watch events a handle keeps queued for a caller that has not read them;
 * an event identical to one still queued is coalesced into it, and past
 * this many new ones are dropped (and counted). */
#define XS_EVENT_QUEUE_MAX 4096

/* Watch events dropped on h because its queue was full, since the last
 * call (which resets the count).  A caller that sees a non-zero count has
 * missed changes: it must read again what its watches cover. */
unsigned long xs_watch_overflow(struct xs_handle *h);

/* Reads n nodes with one wait for xenstored instead of n: every request is
 * sent, then every reply taken.  values[i] is what xs_read() would give
 * (NUL-terminated, the caller frees it) or NULL when that node could not
 * be read (absent, not permitted).  0, or -errno when xenstored could not
 * be reached (then every value is NULL). */
int xs_read_many(struct xs_handle *h, xs_transaction_t t, const char *const *paths, unsigned int n,
                 char **values);

#endif
