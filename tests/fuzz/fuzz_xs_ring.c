/*
 * libFuzzer target: the xenstore ring transport under a hostile domain.
 * The input fills the request ring and sets the four indices; the daemon
 * must read what is valid, refuse what is not, and never touch memory
 * outside the page.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dom0-tools/xenstored/conn.h"
#include "../../dom0-tools/xenstored/ring.h"
#include "../../dom0-tools/xenstored/xenstored.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void nothing(void *arg)
{
    (void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xenstore_domain_interface *intf = calloc(1, sizeof(*intf));
    struct xsd *xs = xsd_new();
    struct ring_port *port = ring_port_new(intf, nothing, NULL, nothing, NULL);
    struct conn *conn = conn_new(xs, 7, &ring_transport, port);
    XENSTORE_RING_IDX idx[4] = {0};
    int rc = 0;

    conn->privileged = false;
    /* Rounds of: 16 bytes of indices, then up to a ring of request bytes. */
    while (size >= sizeof(idx) && rc >= 0) {
        size_t n;

        memcpy(idx, data, sizeof(idx));
        data += sizeof(idx);
        size -= sizeof(idx);
        n = size < XENSTORE_RING_SIZE ? size : XENSTORE_RING_SIZE;
        memcpy(intf->req, data, n);
        data += n;
        size -= n;
        intf->req_cons = idx[0];
        intf->req_prod = idx[1];
        intf->rsp_cons = idx[2];
        intf->rsp_prod = idx[3];
        while ((rc = conn_input(conn)) == 1)
            ;
        if (rc >= 0)
            rc = conn_flush(conn);
    }
    conn_destroy(conn);
    xsd_free(xs);
    free(intf);
    return 0;
}
