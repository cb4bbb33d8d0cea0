/* The domain's xenstore ring and port from its start info (see sv/store_ring.h). */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "sv/msg.h"
#include "sv/store_ring.h"
#include "sv/util.h"

int sv_store_ring_open(struct sv_store_ring *ring)
{
    struct sv_start_info si;
    int fds[SV_START_INFO_FDS];
    int chan, err;

    *ring = (struct sv_store_ring){.doorbell = -1, .kick = -1};
    if (!hcall_in_domain())
        return -ENOTSUP;
    chan = hcall_open();
    if (chan < 0)
        return chan;
    err = hcall_start_info(chan, &si, fds);
    close(chan);
    if (err < 0)
        return err;
    ring->intf =
        mmap(NULL, SV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[SV_START_FD_STORE], 0);
    if (ring->intf == MAP_FAILED) {
        err = -errno;
        ring->intf = NULL;
        msg_close_fds(fds, SV_START_INFO_FDS);
        return err;
    }
    ring->port = si.store_port;
    ring->doorbell = fds[SV_START_FD_STORE_DOORBELL];
    ring->kick = fds[SV_START_FD_STORE_KICK];
    msg_close_fds(fds, SV_START_FD_STORE_DOORBELL);
    return 0;
}

void sv_store_ring_close(struct sv_store_ring *ring)
{
    if (ring->intf)
        munmap(ring->intf, SV_PAGE_SIZE);
    if (ring->doorbell >= 0)
        close(ring->doorbell);
    if (ring->kick >= 0)
        close(ring->kick);
    *ring = (struct sv_store_ring){.doorbell = -1, .kick = -1};
}
