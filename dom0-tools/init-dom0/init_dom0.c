/*
 * init-dom0: dom0's side of a host, brought up once the hypervisor answers
 * and taken down after it, as Xen's xenstored.service and xen-init-dom0 do
 * at boot.  `splitvisor start` and `stop` run it (it is beside them); the
 * hypervisor daemon itself knows nothing of xenstore.
 *
 *   init-dom0 up     start xenstored (it daemonizes once it accepts
 *                    requests) and write dom0's home /local/domain/0
 *   init-dom0 down   stop the xenstored the run directory's pid file names
 *
 * Exit status 0, or 1 with the reason on stderr.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "sv/pidfile.h"
#include "sv/util.h"

static int start_xenstored(void)
{
    char exe[256], prog[300], pidfile[300], log_path[300];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    pid_t pid;
    int status;

    exe[n > 0 ? n : 0] = '\0';
    snprintf(prog, sizeof(prog), "%s/xenstored", dirname(exe));
    if (sv_rundir_path(pidfile, sizeof(pidfile), "xenstored.pid") < 0 ||
        sv_logdir_path(log_path, sizeof(log_path), "xenstored.log") < 0)
        return -ENAMETOOLONG;
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        execl(prog, "xenstored", "--pid-file", pidfile, "--log-file", log_path, (char *)NULL);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return -EIO;
    return 0;
}

/* dom0's home, as Xen's xen-init-dom0 writes it at boot: tools and guests
 * find Domain-0 under /local/domain/0 like any domain. */
static int write_dom0_home(void)
{
    struct xs_handle *h = xs_open(0);
    bool ok;

    if (!h)
        return -errno;
    ok = xs_write(h, XBT_NULL, "/local/domain/0/domid", "0", 1) &&
         xs_write(h, XBT_NULL, "/local/domain/0/name", "Domain-0", 8);
    xs_close(h);
    return ok ? 0 : -EIO;
}

/* The xenstored the pid file's lock holder is, never whatever a stale
 * file names (sv/pidfile.h). */
static void stop_xenstored(void)
{
    char path[300];
    int pidfd = sv_rundir_path(path, sizeof(path), "xenstored.pid") < 0 ? -ENAMETOOLONG
                                                                        : sv_pidfile_pidfd(path);

    if (pidfd < 0)
        return;
    if (sv_pidfd_stop(pidfd, SIGTERM, 5000) == -ETIMEDOUT)
        sv_pidfd_stop(pidfd, SIGKILL, 1000);
    close(pidfd);
}

static int up(void)
{
    int err = start_xenstored();

    if (err) {
        fprintf(stderr, "splitvisor: xenstored failed to start (see %s/xenstored.log)\n",
                sv_logdir());
        return 1;
    }
    err = write_dom0_home();
    if (err) {
        fprintf(stderr, "splitvisor: cannot write dom0's home /local/domain/0: %s\n",
                strerror(-err));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "up"))
        return up();
    if (argc == 2 && !strcmp(argv[1], "down")) {
        stop_xenstored();
        return 0;
    }
    fprintf(stderr, "usage: init-dom0 up|down\n");
    return 2;
}
