/*
 * libFuzzer target: xenstored's wire parser and request handlers.  The
 * input is a byte stream from a client, cut into reads of varying size;
 * the first byte picks a privileged (dom0) or an unprivileged (dom5)
 * connection.  A dom0 connection seeds a few nodes and a watch so that
 * requests meet permissions, transactions and watch events.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../dom0-tools/xenstored/conn.h"
#include "../../dom0-tools/xenstored/xenstored.h"
#include "../../dom0-tools/xenstored/tests/memconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void seed(struct memconn *d0)
{
    static const char w1[] = "/local/domain/5\0", p1[] = "/local/domain/5\0n5";
    static const char w2[] = "/tool/x\0value", watch[] = "/\0tok";

    memconn_send(d0, XS_INTRODUCE, 0,
                 "5\0"
                 "1\0"
                 "1",
                 6);
    memconn_send(d0, XS_MKDIR, 0, w1, sizeof(w1) - 1);
    memconn_send(d0, XS_SET_PERMS, 0, p1, sizeof(p1));
    memconn_send(d0, XS_WRITE, 0, w2, sizeof(w2) - 1);
    memconn_send(d0, XS_WATCH, 0, watch, sizeof(watch));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xsd *xs = xsd_new();
    struct memconn *d0 = memconn_new(xs, 0), *c;
    size_t off = 1, chunk;

    seed(d0);
    c = size && (data[0] & 1) ? memconn_new(xs, 5) : d0;
    while (off < size && c->conn) {
        chunk = 1 + (data[off - 1] % 64);
        if (chunk > size - off)
            chunk = size - off;
        if (memconn_feed(c, data + off, chunk) < 0 && c->conn)
            conn_destroy(c->conn);
        off += chunk;
        /* Replies are not the point here: drop them. */
        c->out_len = c->out_off = 0;
        d0->out_len = d0->out_off = 0;
    }
    if (c != d0)
        memconn_free(c);
    memconn_free(d0);
    xsd_free(xs);
    return 0;
}
