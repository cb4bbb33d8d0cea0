/*
 * xl's monitor process: one per run directory runs libsvl's monitor
 * (svl_monitor_run: on_poweroff, on_reboot, on_crash of every domain).  The
 * first `xl create` starts it; the later ones find its lock held.  It logs
 * to monitor.log in the log directory; its pid is in <rundir>/monitor.pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sv/log.h"
#include "sv/util.h"
#include "xl.h"

/* What libsvl says, in monitor.log. */
static void monitor_log(void *arg, enum svl_level level, const char *msg)
{
    (void)arg;
    if (level == SVL_INFO)
        log_info("%s", msg);
    else
        log_warnx("%s", msg);
}

static void detach(void)
{
    char path[400];
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log_fd = -1;

    if (sv_logdir_path(path, sizeof(path), "monitor.log") == 0)
        log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    setsid();
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    if (log_fd >= 0)
        dup2(log_fd, STDERR_FILENO);
}

/* Records the monitor's pid in <rundir>/monitor.pid (for the operator). */
static void write_pid(void)
{
    char path[400];
    FILE *f;

    if (sv_rundir_path(path, sizeof(path), "monitor.pid") < 0 || !(f = fopen(path, "we")))
        return;
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

int xl_monitor_start(void)
{
    char path[400];
    int lock = -1, err = 0;
    pid_t pid;

    if (sv_rundir_path(path, sizeof(path), "monitor.lock") < 0)
        return xl_error("cannot start the monitor: run directory path too long");
    lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0)
        return xl_error("cannot start the monitor: %s: %s", path, strerror(errno));
    /* Held for as long as a monitor runs: taken here, it passes to the
     * child (the same open file), so no second one can start. */
    if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK)
            err = xl_error("cannot start the monitor: lock %s: %s", path, strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        err = xl_error("cannot start the monitor: %s", strerror(errno));
        goto out;
    }
    if (pid > 0)
        goto out;
    /* The child: a fresh connection, not the parent's. */
    detach();
    log_init("xl-monitor");
    write_pid();
    svl_close(&xl_ctx);
    if (svl_open(&xl_ctx, monitor_log, NULL) == 0)
        svl_monitor_run(&xl_ctx);
    _exit(0);
out:
    close(lock);
    return err;
}
