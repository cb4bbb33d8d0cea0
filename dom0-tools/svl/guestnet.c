/*
 * A guest's network interface as its "hardware": for vif D, the toolstack
 * creates a veth pair in the domain's namespace (sv-<name>) with iproute2,
 * ethD for the programs, with the vif's MAC and IP, and nfD for netfront
 * (the hypervisor hands the domain packet sockets on it), one queue pair
 * per netif queue each, and sets them and lo up; for the guest's VF
 * interface N, TAP vfN owned by the domain's uid (the guest puts the VF's
 * MAC on it).  The namespace goes with the domain, and the devices with it.
 * A renamed domain's namespace gets its new name too (the hypervisor keeps
 * the first, sv-<created name>, until the domain ends).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "svl_internal.h"

extern char **environ;

/* Runs `ip ARGS...` (at most 23: a veth pair's queues take 15 after
 * -n NETNS); 0, -ENOPKG (no ip: said) or -EIO (its message goes to stderr,
 * ip's own). */
static int ip(struct svl_ctx *ctx, const char *const *args)
{
    const char *argv[24] = {"ip"};
    int argc = 1, status, err;
    pid_t pid;

    while (*args && argc < 23)
        argv[argc++] = *args++;
    argv[argc] = NULL;
    err = posix_spawnp(&pid, "ip", NULL, NULL, (char *const *)argv, environ);
    if (err == ENOENT)
        return svl_fail(ctx, -ENOPKG, "cannot run 'ip' (iproute2): not in PATH");
    if (err)
        return -err;
    if (waitpid(pid, &status, 0) < 0)
        return -errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Runs `ip -n NETNS ARGS...` (at most 20). */
static int ip_in(struct svl_ctx *ctx, const char *netns, const char *const *args)
{
    const char *argv[24] = {"-n", netns};
    int argc = 2;

    while (*args && argc < 22)
        argv[argc++] = *args++;
    argv[argc] = NULL;
    return ip(ctx, argv);
}

static long domain_uid(struct svl_ctx *ctx, uint32_t domid)
{
    char path[64], line[128];
    long uid = -1;
    pid_t pid;
    FILE *f;

    if (svl_domain_pid(ctx, domid, &pid) < 0)
        return -ESRCH;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Uid: %ld", &uid) == 1)
            break;
    if (f)
        fclose(f);
    return uid;
}

static void unplumb(struct svl_ctx *ctx, const char *name, const char *dev);

/*
 * TAP dev in the guest's namespace sv-<name>, owned by the domain's uid, up,
 * and the namespace's lo up (a VF's: it gets its headers and offloads from
 * the VF driver that attaches to it).  On failure nothing is left of it.
 */
static int tap_plumb(struct svl_ctx *ctx, uint32_t domid, const char *name, const char *dev)
{
    char netns[80], uid[24];
    long u = domain_uid(ctx, domid);
    int err;

    if (u < 0)
        return (int)u;
    snprintf(netns, sizeof(netns), "sv-%s", name);
    snprintf(uid, sizeof(uid), "%ld", u);
    err = ip_in(ctx, netns,
                (const char *[]){"tuntap", "add", "dev", dev, "mode", "tap", "user", uid, NULL});
    if (err)
        return err; /* not ours to delete: it may be there already */
    err = ip_in(ctx, netns, (const char *[]){"link", "set", dev, "up", NULL});
    if (!err)
        err = ip_in(ctx, netns, (const char *[]){"link", "set", "lo", "up", NULL});
    if (err)
        unplumb(ctx, name, dev);
    return err;
}

/*
 * The vif's veth pair: ethD and nfD, `queues` queue pairs each (ethD's TX
 * queue picks the packet socket, so the netif queue).  nfD answers nothing
 * of its own: no ARP (it would claim ethD's addresses, which are local in
 * this namespace, with its own MAC) and no IPv6 address (no neighbour or
 * router messages of its own into ethD).  Deleting ethD deletes nfD.
 */
static int veth_plumb(struct svl_ctx *ctx, const char *netns, const struct config_vif *vif,
                      const char *dev, const char *peer)
{
    char nq[16];
    int err;

    snprintf(nq, sizeof(nq), "%u", vif->queues ? vif->queues : 1);
    err = ip_in(ctx, netns,
                (const char *[]){"link", "add", dev, "numtxqueues", nq, "numrxqueues", nq, "type",
                                 "veth", "peer", "name", peer, "numtxqueues", nq, "numrxqueues", nq,
                                 NULL});
    if (err)
        return err; /* not ours to delete: it may be there already */
    err = ip_in(ctx, netns,
                (const char *[]){"link", "set", peer, "arp", "off", "addrgenmode", "none", NULL});
    if (!err)
        err = ip_in(ctx, netns, (const char *[]){"link", "set", peer, "up", NULL});
    if (!err)
        err = ip_in(ctx, netns,
                    (const char *[]){"link", "set", dev, "address", vif->mac, "up", NULL});
    if (!err)
        err = ip_in(ctx, netns, (const char *[]){"link", "set", "lo", "up", NULL});
    for (unsigned int i = 0; !err && i < vif->nr_ips; i++)
        err = ip_in(ctx, netns, (const char *[]){"addr", "add", vif->ip[i], "dev", dev, NULL});
    if (err)
        ip_in(ctx, netns, (const char *[]){"link", "delete", dev, NULL});
    return err;
}

int svl_guestnet_plumb(struct svl_ctx *ctx, uint32_t domid, const char *name,
                       const struct config_vif *vif)
{
    char netns[80], dev[16], peer[16];
    int err;

    (void)domid; /* a veth has no owner: the hypervisor makes the sockets */
    snprintf(netns, sizeof(netns), "sv-%s", name);
    snprintf(dev, sizeof(dev), "eth%u", vif->devid);
    snprintf(peer, sizeof(peer), "nf%u", vif->devid);
    err = veth_plumb(ctx, netns, vif, dev, peer);
    if (err)
        svl_fail(ctx, err, "vif %u: cannot set up %s in %s", vif->devid, dev, netns);
    return err;
}

int svl_guestnet_plumb_vf(struct svl_ctx *ctx, uint32_t domid, const char *name, unsigned devid)
{
    char dev[16];
    int err;

    snprintf(dev, sizeof(dev), "vf%u", devid);
    err = tap_plumb(ctx, domid, name, dev);
    if (err)
        svl_fail(ctx, err, "VF interface %u: cannot set up %s in sv-%s", devid, dev, name);
    return err;
}

static void unplumb(struct svl_ctx *ctx, const char *name, const char *dev)
{
    char netns[80];

    snprintf(netns, sizeof(netns), "sv-%s", name);
    ip_in(ctx, netns, (const char *[]){"link", "delete", dev, NULL});
}

void svl_guestnet_unplumb(struct svl_ctx *ctx, const char *name, unsigned devid)
{
    char dev[16];

    snprintf(dev, sizeof(dev), "eth%u", devid);
    unplumb(ctx, name, dev);
}

void svl_guestnet_unplumb_vf(struct svl_ctx *ctx, const char *name, unsigned devid)
{
    char dev[16];

    snprintf(dev, sizeof(dev), "vf%u", devid);
    unplumb(ctx, name, dev);
}

int svl_guestnet_alias(struct svl_ctx *ctx, uint32_t domid, const char *name)
{
    char netns[80], pid_arg[16];
    pid_t pid;
    int err;

    if ((err = svl_domain_pid(ctx, domid, &pid)) < 0)
        return err;
    snprintf(netns, sizeof(netns), "sv-%s", name);
    snprintf(pid_arg, sizeof(pid_arg), "%d", (int)pid);
    return ip(ctx, (const char *[]){"netns", "attach", netns, pid_arg, NULL});
}

void svl_guestnet_forget(struct svl_ctx *ctx, const char *name)
{
    char netns[80], path[100];

    snprintf(netns, sizeof(netns), "sv-%s", name);
    snprintf(path, sizeof(path), "/run/netns/%s", netns);
    if (access(path, F_OK) == 0)
        ip(ctx, (const char *[]){"netns", "delete", netns, NULL});
}
