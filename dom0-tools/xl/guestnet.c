/*
 * A guest's network interface as its "hardware": for vif D, xl creates TAP
 * ethD in the domain's namespace (sv-<name>) with iproute2, owned by the
 * domain's uid (so its netfront can attach without privileges), with the
 * vif's MAC and IP, vnet headers (offloads) and multi-queue, and sets it and
 * lo up; for the guest's VF interface N, TAP vfN (the guest puts the VF's
 * MAC on it).  The namespace goes with the domain, and the TAP with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv/hcall.h"
#include "xl.h"

extern char **environ;

/* Runs `ip -n NETNS ARGS...`; 0 or -EIO (its message goes to stderr). */
static int ip_in(const char *netns, const char *const *args)
{
    const char *argv[16] = {"ip", "-n", netns};
    int argc = 3, status, err;
    pid_t pid;

    while (*args && argc < 15)
        argv[argc++] = *args++;
    argv[argc] = NULL;
    err = posix_spawnp(&pid, "ip", NULL, NULL, (char *const *)argv, environ);
    if (err == ENOENT) {
        xl_error("cannot run 'ip' (iproute2): not in PATH");
        return -ENOPKG;
    }
    if (err)
        return -err;
    if (waitpid(pid, &status, 0) < 0)
        return -errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static long domain_uid(uint32_t domid)
{
    struct sv_domctl_lookup l = {.domid = domid};
    char path[64], line[128];
    long uid = -1;
    FILE *f;

    if (hcall_domctl_lookup(xl_chan, &l) < 0 || !l.pid)
        return -ESRCH;
    snprintf(path, sizeof(path), "/proc/%u/status", l.pid);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Uid: %ld", &uid) == 1)
            break;
    if (f)
        fclose(f);
    return uid;
}

static void unplumb(const char *name, const char *dev);

/*
 * TAP dev in the guest's namespace sv-<name>, owned by the domain's uid, up
 * (with mac when given), and the namespace's lo up.  A vif's TAP carries
 * virtio-net headers and one queue per netif queue (vnet); a VF's gets its
 * headers and offloads from the VF driver that attaches to it.
 * On failure nothing is left of it.
 */
static int tap_plumb(uint32_t domid, const char *name, const char *dev, bool vnet, const char *mac)
{
    char netns[80], uid[24];
    long u = domain_uid(domid);
    int err;

    if (u < 0)
        return (int)u;
    snprintf(netns, sizeof(netns), "sv-%s", name);
    snprintf(uid, sizeof(uid), "%ld", u);
    err = ip_in(netns, (const char *[]){"tuntap", "add", "dev", dev, "mode", "tap", "user", uid,
                                        vnet ? "vnet_hdr" : NULL, "multi_queue", NULL});
    if (err)
        return err; /* not ours to delete: it may be there already */
    err = mac ? ip_in(netns, (const char *[]){"link", "set", dev, "address", mac, "up", NULL})
              : ip_in(netns, (const char *[]){"link", "set", dev, "up", NULL});
    if (!err)
        err = ip_in(netns, (const char *[]){"link", "set", "lo", "up", NULL});
    if (err)
        unplumb(name, dev);
    return err;
}

int guestnet_plumb(uint32_t domid, const char *name, const struct config_vif *vif)
{
    char netns[80], dev[16];
    int err;

    snprintf(netns, sizeof(netns), "sv-%s", name);
    snprintf(dev, sizeof(dev), "eth%u", vif->devid);
    err = tap_plumb(domid, name, dev, true, vif->mac);
    for (unsigned int i = 0; !err && i < vif->nr_ips; i++) {
        err = ip_in(netns, (const char *[]){"addr", "add", vif->ip[i], "dev", dev, NULL});
        if (err)
            unplumb(name, dev);
    }
    if (err)
        xl_error("vif %u: cannot set up %s in %s", vif->devid, dev, netns);
    return err;
}

int guestnet_plumb_vf(uint32_t domid, const char *name, unsigned devid)
{
    char dev[16];
    int err;

    snprintf(dev, sizeof(dev), "vf%u", devid);
    err = tap_plumb(domid, name, dev, false, NULL);
    if (err)
        xl_error("VF interface %u: cannot set up %s in sv-%s", devid, dev, name);
    return err;
}

static void unplumb(const char *name, const char *dev)
{
    char netns[80];

    snprintf(netns, sizeof(netns), "sv-%s", name);
    ip_in(netns, (const char *[]){"link", "delete", dev, NULL});
}

void guestnet_unplumb(const char *name, unsigned devid)
{
    char dev[16];

    snprintf(dev, sizeof(dev), "eth%u", devid);
    unplumb(name, dev);
}

void guestnet_unplumb_vf(const char *name, unsigned devid)
{
    char dev[16];

    snprintf(dev, sizeof(dev), "vf%u", devid);
    unplumb(name, dev);
}
