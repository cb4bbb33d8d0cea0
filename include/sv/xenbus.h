/*
 * xenbus helpers for split drivers (frontends and backends): values under a
 * device directory, the XenbusState handshake, and transactions retried on
 * EAGAIN, over a libxenstore handle.  Modelled on Mini-OS's xenbus.c.
 *
 * Errors are negative errno (the xenstore error of the failing request).
 * dir is a device directory such as "device/vif/0" (relative to the
 * caller's home) or "/local/domain/1/backend/vif/2/0".
 */
#ifndef SV_XENBUS_H
#define SV_XENBUS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

/* Transactions conflicting this many times in a row give up with -EAGAIN. */
#define XENBUS_MAX_RETRIES 64

/* "<dir>/<node>" into buf (len bytes): 0 or -ENAMETOOLONG. */
int xenbus_path(char *buf, size_t len, const char *dir, const char *node);

/* The value of dir/node as a NUL-terminated string in *value (caller
 * frees).  0 or -errno (-ENOENT when absent). */
int xenbus_read(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                char **value);
int xenbus_write(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                 const char *value);
int xenbus_printf(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* sscanf of dir/node: the number of items converted, -EINVAL when none,
 * or -errno from the read. */
int xenbus_scanf(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *node,
                 const char *fmt, ...) __attribute__((format(scanf, 5, 6)));

/* A node of a device directory, for xenbus_read_many(). */
struct xenbus_key {
    const char *dir, *node;
};
/* The values of n keys (values[i] NULL when absent or unreadable, else
 * the caller frees it) with one wait for xenstored instead of n: what a
 * backend reads at each state change of its frontend, on a thread that
 * serves others meanwhile.  0 or -errno (then every value is NULL). */
int xenbus_read_many(struct xs_handle *h, xs_transaction_t t, const struct xenbus_key *keys,
                     unsigned int n, char **values);

/* Runs fn(h, t, arg) in a transaction and commits; a conflict (EAGAIN at
 * commit) runs it again, up to XENBUS_MAX_RETRIES times.  fn returns 0 or
 * -errno; a failure aborts the transaction and is returned. */
int xenbus_transaction(struct xs_handle *h,
                       int (*fn)(struct xs_handle *h, xs_transaction_t t, void *arg), void *arg);

/* dir/state (XenbusStateUnknown when absent or unparsable). */
XenbusState xenbus_read_state(struct xs_handle *h, xs_transaction_t t, const char *dir);
/* The state a state node's value (NULL: absent) names, as xenbus_read_state(). */
XenbusState xenbus_parse_state(const char *value);
/* Sets dir/state in a transaction retried on EAGAIN (nothing is written
 * when the state is already that).  0 or -errno; -ENOENT, nothing written,
 * when dir/state does not exist (the device was removed). */
int xenbus_switch_state(struct xs_handle *h, const char *dir, XenbusState state);

/* Watches the peer's dir/state with token; xenbus_unwatch_state() ends
 * exactly that watch.  0 or -errno (E2BIG: the domain's watch quota). */
int xenbus_watch_state(struct xs_handle *h, const char *peer_dir, const char *token);
int xenbus_unwatch_state(struct xs_handle *h, const char *peer_dir, const char *token);
/*
 * Waits until peer_dir/state reaches want (or any state >= want with
 * at_least), re-reading it on each watch event, for up to timeout_ms.  Every
 * pending watch event of h is consumed: give the waiter a handle of its own
 * with only the state watch.  0 (*got = the state), -ETIMEDOUT or -errno.
 */
int xenbus_wait_state(struct xs_handle *h, const char *peer_dir, XenbusState want, bool at_least,
                      int timeout_ms, XenbusState *got);

#endif
