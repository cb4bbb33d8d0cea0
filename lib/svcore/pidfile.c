/* Locked pid files (see sv/pidfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sv/pidfile.h"
#include "sv/util.h"

#define PIDFD_REAP_WAIT_MS 5000

static struct flock whole_file(short type)
{
    return (struct flock){.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
}

int sv_pidfile_claim(const char *path)
{
    struct flock lk = whole_file(F_WRLCK);
    char text[24];
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644), err;

    if (fd < 0)
        return -errno;
    if (fcntl(fd, F_SETLK, &lk) < 0) {
        err = errno == EAGAIN || errno == EACCES ? -EEXIST : -errno;
        close(fd);
        return err;
    }
    err = ftruncate(fd, 0) < 0 ? -errno : 0;
    if (!err)
        err = sv_write_full(fd, text, (size_t)snprintf(text, sizeof(text), "%d\n", (int)getpid()));
    if (err) {
        close(fd);
        return err;
    }
    return fd;
}

pid_t sv_pidfile_owner(const char *path)
{
    struct flock lk = whole_file(F_WRLCK);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), err = 0;

    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fcntl(fd, F_GETLK, &lk) < 0)
        err = -errno;
    close(fd);
    if (err)
        return err;
    return lk.l_type == F_UNLCK ? 0 : lk.l_pid;
}

int sv_pidfile_pidfd(const char *path)
{
    pid_t pid = sv_pidfile_owner(path);
    int pidfd;

    if (pid <= 0)
        return pid ? pid : -ESRCH;
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        return -errno;
    /* The holder may have died and its pid gone to another process between
     * the two calls: only a pidfd opened while it held the lock is its. */
    if (sv_pidfile_owner(path) != pid) {
        close(pidfd);
        return -ESRCH;
    }
    return pidfd;
}

/* Whether pidfd's process has been reaped, not only ended: its fdinfo says
 * "Pid: -1" then (a zombie still answers kill(pid, 0)). */
static bool reaped(int pidfd)
{
    char path[64], line[128];
    bool gone = false;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "Pid:", 4))
            gone = atoi(line + 4) < 0;
    if (f)
        fclose(f);
    return gone;
}

int sv_pidfd_stop(int pidfd, int sig, int timeout_ms)
{
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int n;

    if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
        return -errno;
    while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ETIMEDOUT;
    /* Ended; whoever waits for its pid to be gone (kill -0) waits for its
     * parent to reap it: a little longer, at most PIDFD_REAP_WAIT_MS. */
    for (int i = 0; i < PIDFD_REAP_WAIT_MS / 10 && !reaped(pidfd); i++)
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    return 0;
}
