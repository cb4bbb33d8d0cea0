/*
 * Unit tests of the hypervisor's PCI function table (pci.c): lookup by BDF,
 * the assignable and owner rules of the pci hypercalls, attach and detach
 * bookkeeping (ports in the owner's space, rollback of a failed attach) and
 * the IOMMU reference counts of device-mapped frames.  Real event channel
 * spaces and frames; the xnic device model is replaced by a recorder of its
 * control calls, and its process by a paused child of the test.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../hypercalls.h"
#include "../pci.h"
#include "sv/abi/xnic_ctl.h"

struct hv hv;

#define NFUNCS 3 /* the PF and two VFs */
#define NVEC   2

static struct {
    unsigned calls[XNIC_CTL_TYPE_MAX];
    uint16_t fail_type; /* answer this call -EIO */
    struct xnic_ctl_map last_map;
    struct xnic_ctl_attach last_attach;
    int peer; /* the device's end of the control socket */
    int replied_fds;
} dev;

static struct domain doms[3]; /* dom0, a running domU, one shut down */

/* The device model's process: a child that waits for pci_nics_stop()'s SIGTERM. */
int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0600); /* --control SOCK */

    (void)path, (void)fa, (void)attr, (void)envp;
    if (fd < 0)
        return errno;
    close(fd);
    *pid = fork();
    if (*pid == 0) {
        pause();
        _exit(0);
    }
    return *pid < 0 ? errno : 0;
}

int xnic_ctl_connect(const char *path)
{
    int sv[2];

    unlink(path);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    dev.peer = sv[1];
    return sv[0];
}

long xnic_ctl_recv(int sock, void *buf, size_t len, int *fds, unsigned *nfds)
{
    (void)sock, (void)buf, (void)len, (void)fds;
    *nfds = 0;
    return 0;
}

const char *xnic_ctl_fault_reason(uint32_t reason)
{
    (void)reason;
    return "test";
}

int xnic_ctl_call(int sock, uint16_t type, uint32_t func, const void *payload, size_t len,
                  const int *fds, unsigned nfds, void *reply, size_t reply_len,
                  xnic_ctl_fault_fn *on_fault, void *arg)
{
    (void)sock, (void)func, (void)fds, (void)nfds, (void)on_fault, (void)arg;
    assert_true(type < XNIC_CTL_TYPE_MAX);
    dev.calls[type]++;
    if (type == dev.fail_type)
        return -EIO;
    if (type == XNIC_CTL_ATTACH && len >= sizeof(dev.last_attach))
        memcpy(&dev.last_attach, payload, sizeof(dev.last_attach));
    if (type == XNIC_CTL_IOMMU_MAP && len >= sizeof(dev.last_map))
        memcpy(&dev.last_map, payload, sizeof(dev.last_map));
    if (type == XNIC_CTL_INFO) {
        struct xnic_ctl_info info = {.nfuncs = NFUNCS};

        for (unsigned i = 0; i < NFUNCS; i++)
            info.funcs[i] = (typeof(info.funcs[i])){
                .bdf = 3 << 8 | (i ? 0x10 : 0) << 3 | i, .nqueues = NVEC - 1, .nvec = NVEC};
        assert_true(reply_len >= sizeof(info));
        memcpy(reply, &info, sizeof(info));
    }
    return 0;
}

struct domain *domain_find(domid_t domid)
{
    for (unsigned i = 0; i < 3; i++)
        if (doms[i].domid == domid)
            return &doms[i];
    return NULL;
}

int hc_reply_fd(struct hc_ctx *ctx, int fd)
{
    (void)ctx;
    assert_true(fd >= 0);
    close(fd);
    dev.replied_fds++;
    return 0;
}

static char dir[] = "/tmp/sv-test-pci-XXXXXX";

static int setup(void **state)
{
    (void)state;
    memset(&dev, 0, sizeof(dev));
    hv.base = event_base_new();
    if (!hv.base || !mkdtemp(dir) || setenv("SPLITVISOR_RUNDIR", dir, 1) ||
        setenv("SPLITVISOR_LOGDIR", dir, 1))
        return -1;
    for (unsigned i = 0; i < 3; i++) {
        doms[i] = (struct domain){.domid = (domid_t)(i * 5),
                                  .state = i == 2 ? DOMAIN_SHUTDOWN : DOMAIN_RUNNING};
        doms[i].p2m.ram_fd = -1;
        if (evtchn_space_init(&doms[i].ev, doms[i].domid, NULL) < 0)
            return -1;
    }
    return pci_nic_start("--wire none", 0);
}

static int teardown(void **state)
{
    char path[300];

    (void)state;
    pci_nics_stop();
    for (unsigned i = 0; i < 3; i++)
        evtchn_space_destroy(&doms[i].ev);
    close(dev.peer);
    event_base_free(hv.base);
    snprintf(path, sizeof(path), "%s/nic0.log", dir);
    unlink(path);
    rmdir(dir);
    strcpy(dir + strlen(dir) - 6, "XXXXXX");
    return 0;
}

typedef int handler_fn(struct hc_ctx *ctx);

static int req(handler_fn *fn, struct domain *caller, uint32_t domid, const char *bdf)
{
    struct sv_pci_req r = {.domid = domid};
    struct hc_ctx ctx = {.caller = caller, .arg = &r, .arg_len = sizeof(r)};

    memcpy(r.bdf, bdf, strnlen(bdf, sizeof(r.bdf)));
    return fn(&ctx);
}

#define PF  "0000:03:00.0"
#define VF1 "0000:03:10.1"
#define VF2 "0000:03:10.2"

static unsigned list(struct domain *caller, struct sv_pci_func *out)
{
    static char buf[SV_HC_MAX_MSG];
    struct hc_ctx ctx = {.caller = caller, .arg = buf};
    int n = hc_pci_list(&ctx);

    assert_true(n >= 0);
    assert_int_equal(ctx.res_len, (size_t)n * sizeof(*out));
    memcpy(out, buf, ctx.res_len);
    return (unsigned)n;
}

static void test_list_and_find(void **state)
{
    struct sv_pci_func f[NFUNCS];

    (void)state;
    assert_int_equal(list(&doms[0], f), NFUNCS);
    assert_string_equal(f[0].bdf, PF);
    assert_string_equal(f[2].bdf, VF2);
    assert_int_equal(f[2].func, 2);
    assert_int_equal(f[2].owner, DOMID_INVALID);
    assert_false(f[2].assignable);
    /* A domain sees only what it owns. */
    assert_int_equal(list(&doms[1], f), 0);
    /* BDFs compare without case; an unknown one is no device. */
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, "0000:03:10.1"), 0);
    assert_int_equal(req(hc_pci_assignable_remove, &doms[0], 0, "0000:03:10.1"), 0);
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, "0000:03:10.3"), -ENODEV);
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, "0000:04:00.0"), -ENODEV);
    assert_int_equal(req(hc_pci_detach, &doms[0], 5, ""), -ENODEV);
    assert_int_equal(req(hc_pci_stats, &doms[0], 0, "garbage"), -ENODEV);
}

/* A caller's BDF without its terminator is cut at the field's end, never read past it. */
static void test_unterminated_bdf(void **state)
{
    struct sv_pci_req *r = test_malloc(sizeof(*r));
    struct hc_ctx ctx = {.caller = &doms[0], .arg = r, .arg_len = sizeof(*r)};

    (void)state;
    memset(r, 'x', sizeof(*r));
    memcpy(r->bdf, VF1, strlen(VF1));
    assert_int_equal(hc_pci_assignable_add(&ctx), -ENODEV);
    memset(r->bdf, 0, sizeof(r->bdf));
    memcpy(r->bdf, VF1, strlen(VF1));
    r->bdf[SV_BDF_SIZE - 1] = 'x'; /* padding that is not a NUL */
    assert_int_equal(hc_pci_assignable_add(&ctx), 0);
    assert_int_equal(r->bdf[SV_BDF_SIZE - 1], '\0');
    test_free(r);
}

static void test_assignment_rules(void **state)
{
    struct sv_pci_func f[NFUNCS];

    (void)state;
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), -EPERM);
    /* Making a function assignable resets it, once. */
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, VF1), 0);
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, VF1), 0);
    assert_int_equal(dev.calls[XNIC_CTL_FLR], 1);
    /* Only to a running domain; dom0 (hostpf) gets only a PF that is not
     * assignable, never a VF. */
    assert_int_equal(req(hc_pci_attach, &doms[0], 0, VF1), -EBUSY);
    assert_int_equal(req(hc_pci_attach, &doms[0], 0, VF2), -EBUSY);
    assert_int_equal(req(hc_pci_attach, &doms[0], 10, VF1), -ESRCH);
    assert_int_equal(req(hc_pci_attach, &doms[0], 99, VF1), -ESRCH);
    assert_int_equal(dev.calls[XNIC_CTL_ATTACH], 0);
    dev.calls[XNIC_CTL_IOMMU_MAP] = 0;
    assert_int_equal(req(hc_pci_attach, &doms[0], 0, PF), 0);
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_MAP], 0); /* no RAM of dom0's mapped */
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, PF), -EBUSY);
    assert_int_equal(req(hc_pci_detach, &doms[0], 0, PF), 0);
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, PF), 0);
    assert_int_equal(req(hc_pci_attach, &doms[0], 0, PF), -EBUSY);
    dev.calls[XNIC_CTL_ATTACH] = dev.calls[XNIC_CTL_DETACH] = 0;
    dev.calls[XNIC_CTL_FLR] = 1; /* VF1's, above */

    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), 0);
    assert_int_equal(dev.calls[XNIC_CTL_ATTACH], 1);
    assert_int_equal(dev.last_map.count, doms[1].p2m.ram_pages);
    assert_int_equal(list(&doms[1], f), 1);
    assert_string_equal(f[0].bdf, VF1);
    assert_int_equal(f[0].owner, 5);
    assert_true(f[0].assignable);

    /* One owner at a time; an owned function stays assignable. */
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), -EBUSY);
    assert_int_equal(req(hc_pci_assignable_remove, &doms[0], 0, VF1), -EBUSY);
    /* The host's reset leaves it where it is (the owner finds its queues stopped). */
    assert_int_equal(req(hc_pci_reset, &doms[0], 0, VF1), 0);
    assert_int_equal(dev.calls[XNIC_CTL_FLR], 2);
    assert_int_equal(dev.calls[XNIC_CTL_DETACH], 0);
    assert_int_equal(list(&doms[1], f), 1);
    assert_int_equal(req(hc_pci_reset, &doms[0], 0, "0000:03:10.7"), -ENODEV);
    /* Detach names the owner. */
    assert_int_equal(req(hc_pci_detach, &doms[0], 0, VF1), -ENOENT);
    assert_int_equal(req(hc_pci_detach, &doms[0], 5, VF2), -ENOENT);
    assert_int_equal(req(hc_pci_detach, &doms[0], 5, VF1), 0);
    assert_int_equal(dev.calls[XNIC_CTL_DETACH], 1);
    assert_int_equal(list(&doms[1], f), 0);
    assert_int_equal(req(hc_pci_detach, &doms[0], 5, VF1), -ENOENT);
    assert_int_equal(req(hc_pci_assignable_remove, &doms[0], 0, VF1), 0);
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), -EPERM);
}

static int open_fn(struct domain *caller, const char *bdf, struct sv_pci_open *o)
{
    struct hc_ctx ctx = {.caller = caller, .arg = o, .arg_len = sizeof(*o)};

    memset(o, 0, sizeof(*o));
    memcpy(o->bdf, bdf, strnlen(bdf, sizeof(o->bdf)));
    return hc_pci_open(&ctx);
}

/* The vectors are ports of the owner; closing one of them closes the function to it. */
static void test_vectors_and_open(void **state)
{
    struct sv_pci_open o;

    (void)state;
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, VF2), 0);
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF2), 0);
    assert_int_equal(open_fn(&doms[0], VF2, &o), -ENODEV);
    assert_int_equal(open_fn(&doms[1], VF1, &o), -ENODEV);
    assert_int_equal(open_fn(&doms[1], VF2, &o), 0);
    assert_int_equal(o.nvec, NVEC);
    assert_int_equal(dev.replied_fds, 1 + 2 * NVEC); /* regs, doorbells, vectors */
    for (unsigned v = 0; v < NVEC; v++)
        assert_int_equal(doms[1].ev.ports[o.ports[v]].state, EVTCHN_PIRQ);
    assert_int_equal(evtchn_close(&doms[1].ev, o.ports[1]), 0);
    assert_int_equal(open_fn(&doms[1], VF2, &o), -ENOENT);
    /* The owner's death takes back what it owned, and its remaining ports. */
    pci_release_domain(&doms[0]);
    assert_int_equal(dev.calls[XNIC_CTL_DETACH], 0);
    pci_release_domain(&doms[1]);
    assert_int_equal(dev.calls[XNIC_CTL_DETACH], 1);
    assert_int_equal(doms[1].ev.ports[o.ports[0]].state, EVTCHN_FREE);
}

/* A device that refuses the attach leaves the function unowned and no port behind. */
static void test_failed_attach_rolls_back(void **state)
{
    struct sv_pci_func f[NFUNCS];
    struct sv_pci_open o;

    (void)state;
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, VF1), 0);
    dev.fail_type = XNIC_CTL_IOMMU_MAP;
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), -EIO);
    assert_int_equal(dev.calls[XNIC_CTL_DETACH], 1);
    assert_int_equal(list(&doms[1], f), 0);
    for (evtchn_port_t p = 1; p <= doms[1].ev.max_port; p++)
        assert_int_equal(doms[1].ev.ports[p].state, EVTCHN_FREE);
    dev.fail_type = 0;
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), 0);
    assert_int_equal(open_fn(&doms[1], VF1, &o), 0);
}

/* A driver domain's death parks its PF (no FLR, no DMA, no owner); a
 * successor takes it over with its switch, anyone else gets it reset; a
 * VF's owner dying, or a PF's that had it by a plain attach, resets it. */
static void test_pf_parked_at_owner_death(void **state)
{
    struct sv_pci_func f[NFUNCS];
    struct frame fr = {.mfn = 42, .fd = -1};

    (void)state;
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, PF), 0);
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, VF1), 0);
    assert_int_equal(req(hc_pci_take_over, &doms[0], 5, PF), 0); /* nothing parked: plain */
    assert_int_equal(dev.last_attach.flags, 0);
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), 0);
    dev.calls[XNIC_CTL_FLR] = 0;
    pci_release_domain(&doms[1]);
    assert_int_equal(dev.calls[XNIC_CTL_PARK], 1);
    assert_int_equal(dev.calls[XNIC_CTL_DETACH], 1); /* the VF */
    assert_int_equal(list(&doms[0], f), NFUNCS);
    assert_int_equal(f[0].owner, DOMID_INVALID);
    /* No longer the owner: a frame it maps now goes to no context. */
    dev.calls[XNIC_CTL_IOMMU_BACKING] = 0;
    assert_int_equal(pci_iommu_map_frame(&doms[1], &fr, false), 0);
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_BACKING], 0);

    assert_int_equal(req(hc_pci_take_over, &doms[0], 5, PF), 0);
    assert_int_equal(dev.last_attach.flags, XNIC_ATTACH_TAKEOVER);
    pci_release_domain(&doms[1]);
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, PF), 0); /* not a successor */
    assert_int_equal(dev.last_attach.flags, 0);
    pci_release_domain(&doms[1]); /* nor a driver domain: reset */
    assert_int_equal(dev.calls[XNIC_CTL_PARK], 2);
    assert_int_equal(dev.calls[XNIC_CTL_DETACH], 2);
    assert_int_equal(req(hc_pci_take_over, &doms[0], 5, PF), 0);
    assert_int_equal(dev.last_attach.flags, 0);
    assert_int_equal(dev.calls[XNIC_CTL_FLR], 0);
    /* Made assignable again, a parked PF is reset. */
    pci_release_domain(&doms[1]);
    assert_int_equal(dev.calls[XNIC_CTL_PARK], 3);
    assert_int_equal(req(hc_pci_assignable_remove, &doms[0], 0, PF), 0);
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, PF), 0);
    assert_int_equal(dev.calls[XNIC_CTL_FLR], 1);
    assert_int_equal(req(hc_pci_take_over, &doms[0], 5, PF), 0);
    assert_int_equal(dev.last_attach.flags, 0);
}

static void map(struct frame *fr, bool readonly, int err, unsigned perms)
{
    dev.last_map.perms = 0;
    assert_int_equal(pci_iommu_map_frame(&doms[1], fr, readonly), err);
    assert_int_equal(dev.last_map.perms, perms);
}

/* The device may write a granted frame only while a writable mapping of it exists. */
static void test_grant_frame_refcounts(void **state)
{
    struct frame fr = {.mfn = 42, .fd = -1};
    const unsigned r = IOMMU_PERM_READ, rw = IOMMU_PERM_READ | IOMMU_PERM_WRITE;

    (void)state;
    assert_int_equal(req(hc_pci_assignable_add, &doms[0], 0, VF1), 0);
    assert_int_equal(req(hc_pci_attach, &doms[0], 5, VF1), 0);
    dev.calls[XNIC_CTL_IOMMU_BACKING] = 0;
    map(&fr, true, 0, r);
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_BACKING], 1);
    assert_int_equal(dev.last_map.iova, PCI_GRANT_IOVA_BASE + (42 << 12));
    map(&fr, false, 0, rw);
    map(&fr, false, 0, 0); /* already writable: no remap */
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_BACKING], 1);
    pci_iommu_unmap_frame(&doms[1], &fr, false);
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_DEL_BACKING], 0);
    dev.last_map.perms = 0;
    pci_iommu_unmap_frame(&doms[1], &fr, false);
    assert_int_equal(dev.last_map.perms, r);
    pci_iommu_unmap_frame(&doms[1], &fr, true);
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_DEL_BACKING], 1);
    /* Another domain's frame never enters this context. */
    dev.calls[XNIC_CTL_IOMMU_MAP] = 0;
    assert_int_equal(pci_iommu_map_frame(&doms[0], &fr, false), 0);
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_MAP], 0);
    /* A refused map leaves no backing. */
    dev.fail_type = XNIC_CTL_IOMMU_MAP;
    assert_int_equal(pci_iommu_map_frame(&doms[1], &fr, false), -EIO);
    assert_int_equal(dev.calls[XNIC_CTL_IOMMU_DEL_BACKING], 2);
    dev.fail_type = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_and_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unterminated_bdf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assignment_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vectors_and_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_attach_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pf_parked_at_owner_death, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grant_frame_refcounts, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
