/* The domain's xenstore ring and port from its start info (see sv/store_ring.h). */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "sv/msg.h"
#include "sv/store_ring.h"
#include "sv/util.h"

enum { FD_RAM, FD_SHINFO, FD_GNTTAB, FD_STORE, FD_DOORBELL, FD_KICK };

int sv_store_ring_open(struct sv_store_ring *ring)
{
    struct sv_start_info si;
    int fds[SV_START_INFO_FDS];
    struct hcall hc = {.op = SV_HC_platform,
                       .cmd = SV_PLATFORM_start_info,
                       .count = 1,
                       .arg = &si,
                       .arg_len = sizeof(si),
                       .res = &si,
                       .res_cap = sizeof(si),
                       .fds_out = fds,
                       .nfds_max = SV_START_INFO_FDS};
    int chan, err;

    *ring = (struct sv_store_ring){.doorbell = -1, .kick = -1};
    if (!hcall_in_domain())
        return -ENOTSUP;
    chan = hcall_open();
    if (chan < 0)
        return chan;
    err = hcall(chan, &hc);
    close(chan);
    if (err < 0)
        return err;
    if (hc.nfds_out != SV_START_INFO_FDS) {
        msg_close_fds(fds, hc.nfds_out);
        return -EPROTO;
    }
    ring->intf = mmap(NULL, SV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[FD_STORE], 0);
    if (ring->intf == MAP_FAILED) {
        err = -errno;
        ring->intf = NULL;
        msg_close_fds(fds, SV_START_INFO_FDS);
        return err;
    }
    ring->port = si.store_port;
    ring->doorbell = fds[FD_DOORBELL];
    ring->kick = fds[FD_KICK];
    msg_close_fds(fds, FD_DOORBELL);
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
