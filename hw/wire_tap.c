/* Wire backend "tap:NAME": a host TAP device, one frame per read/write. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wire.h"

static int tap_open(const char *name, int *fd, void **priv)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
    int t;

    (void)priv;
    if (!*name || strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    t = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t < 0)
        return -errno;
    strcpy(ifr.ifr_name, name);
    if (ioctl(t, TUNSETIFF, &ifr) < 0) {
        int err = -errno;

        close(t);
        return err;
    }
    *fd = t;
    return 0;
}

/* EAGAIN means "nothing waiting" (the fd is non-blocking). */
static int tap_send(int fd, void *priv, const uint8_t *frame, size_t len)
{
    (void)priv;
    return write(fd, frame, len) == (ssize_t)len ? 0 : -errno;
}

static long tap_recv(int fd, void *priv, uint8_t *buf, size_t len)
{
    ssize_t n = read(fd, buf, len);

    (void)priv;
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    return n;
}

static void tap_close(int fd, void *priv)
{
    (void)priv;
    close(fd);
}

const struct wire_ops wire_tap_ops = {"tap:", tap_open, tap_send, tap_recv, tap_close};
