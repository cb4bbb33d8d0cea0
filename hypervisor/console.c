/*
 * Consoles and the hypervisor log.  A domain's stdout/stderr is a pipe the
 * hypervisor drains into <rundir>/console/<domid>.log (what `xl console`
 * follows), up to CONSOLE_LOG_MAX bytes, past which it drops what it drains so
 * that a chatty domain neither blocks nor fills the run directory; its stdin
 * is a pipe whose write end dom0 can ask for.  When a domain that failed
 * (crashed, or could not start) is destroyed its log's tail is kept as
 * <rundir>/console/<name>.last.log, for the last CONSOLE_LAST_KEEP names
 * only; other logs go with their domain.  The
 * hypervisor's own log lines are also kept in a ring for `xl dmesg`
 * (xc_readconsolering).
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv.h"
#include "sv/log.h"
#include "sv/util.h"

#define HVLOG_SIZE (64 * 1024)

static char hvlog_ring[HVLOG_SIZE];
static uint64_t hvlog_head; /* bytes ever written */
static uint64_t hvlog_cleared;

void hvlog_sink(int level, const char *line)
{
    (void)level;
    for (const char *p = line; *p; p++)
        hvlog_ring[hvlog_head++ % HVLOG_SIZE] = *p;
    hvlog_ring[hvlog_head++ % HVLOG_SIZE] = '\n';
}

size_t hvlog_read(char *buf, size_t cap, uint32_t *index, bool clear)
{
    uint64_t oldest = hvlog_head > HVLOG_SIZE ? hvlog_head - HVLOG_SIZE : 0;
    uint64_t from = *index;
    size_t n = 0;

    if (from < oldest)
        from = oldest;
    if (from < hvlog_cleared)
        from = hvlog_cleared;
    while (from < hvlog_head && n < cap)
        buf[n++] = hvlog_ring[from++ % HVLOG_SIZE];
    *index = (uint32_t)from;
    if (clear)
        hvlog_cleared = hvlog_head;
    return n;
}

/* Appends what the domain printed to its log while under CONSOLE_LOG_MAX. */
static void console_keep(struct domain *d, const char *buf, size_t len)
{
    static const char full[] = "\n[console log full: further output dropped]\n";

    if (d->console_bytes >= CONSOLE_LOG_MAX)
        return;
    if (len > CONSOLE_LOG_MAX - d->console_bytes)
        len = CONSOLE_LOG_MAX - d->console_bytes;
    if (sv_write_full(d->console_log, buf, len) < 0)
        log_warn("domain %u: console log", d->domid);
    d->console_bytes += len;
    if (d->console_bytes < CONSOLE_LOG_MAX)
        return;
    (void)sv_write_full(d->console_log, full, sizeof(full) - 1);
    log_warnx("domain %u (%s): console log reached %u bytes, dropping the rest", d->domid, d->name,
              CONSOLE_LOG_MAX);
}

static void console_drain(evutil_socket_t fd, short what, void *arg)
{
    struct domain *d = arg;
    char buf[4096];
    ssize_t n;

    (void)what;
    n = read(fd, buf, sizeof(buf));
    if (n > 0) {
        console_keep(d, buf, (size_t)n);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    event_del(d->console_ev); /* every writer is gone */
}

static int console_log_path(const struct domain *d, char *buf, size_t len)
{
    char rel[64];

    snprintf(rel, sizeof(rel), "console/%u.log", d->domid);
    return sv_rundir_path(buf, len, rel);
}

static void close_pair(const int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
}

int console_open(struct domain *d, struct sandbox_fds *fds)
{
    int out[2] = {-1, -1}, in[2] = {-1, -1};
    char path[300];
    int err;

    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0)
        goto out_err;
    if (console_log_path(d, path, sizeof(path)) < 0)
        goto out_err;
    d->console_log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (d->console_log < 0)
        goto out_err;
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    d->console_ev = event_new(hv.base, out[0], EV_READ | EV_PERSIST, console_drain, d);
    if (!d->console_ev || event_add(d->console_ev, NULL) < 0)
        goto out_err;
    d->console_out = out[0];
    d->console_in = in[1];
    fds->console_out = out[1];
    fds->console_in = in[0];
    return 0;

out_err:
    err = errno ? -errno : -ENOMEM;
    if (d->console_ev)
        event_free(d->console_ev);
    d->console_ev = NULL;
    if (d->console_log >= 0)
        close(d->console_log);
    d->console_log = -1;
    close_pair(out);
    close_pair(in);
    return err;
}

/* Counts the kept consoles (console/NAME.last.log) and removes the oldest
 * when there are more than CONSOLE_LAST_KEEP: the count before. */
static unsigned console_trim_oldest(void)
{
    struct {
        char name[SV_DOMAIN_NAME_MAX + 16];
        struct timespec mtime;
    } oldest = {0};
    char dirpath[300];
    struct dirent *e;
    struct stat st;
    unsigned n = 0;
    DIR *dir;

    if (sv_rundir_path(dirpath, sizeof(dirpath), "console") < 0 || !(dir = opendir(dirpath)))
        return 0;
    while ((e = readdir(dir))) {
        size_t len = strlen(e->d_name);

        if (len < 9 || strcmp(e->d_name + len - 9, ".last.log") || len >= sizeof(oldest.name) ||
            fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!n++ || st.st_mtim.tv_sec < oldest.mtime.tv_sec ||
            (st.st_mtim.tv_sec == oldest.mtime.tv_sec &&
             st.st_mtim.tv_nsec < oldest.mtime.tv_nsec)) {
            strcpy(oldest.name, e->d_name);
            oldest.mtime = st.st_mtim;
        }
    }
    if (n > CONSOLE_LAST_KEEP && unlinkat(dirfd(dir), oldest.name, 0) < 0) {
        log_warn("console/%s: removing the oldest kept console", oldest.name);
        n = 0; /* do not try again */
    }
    closedir(dir);
    return n;
}

/* A host that creates and destroys domains of ever new names (a test farm,
 * a crash loop under changing names) keeps a bounded run directory. */
static void console_trim_last(void)
{
    while (console_trim_oldest() > CONSOLE_LAST_KEEP + 1)
        ;
}

/*
 * A failed domain's log becomes console/<name>.last.log: its last
 * CONSOLE_LAST_MAX bytes, where the reason a domain crashed or could not
 * start is (xl create and the monitor name it).  One per name, replaced by
 * the next failure's, for the last CONSOLE_LAST_KEEP names.
 */
static void console_keep_last(const struct domain *d, const char *path)
{
    char rel[SV_DOMAIN_NAME_MAX + 24], last[300], buf[4096];
    int in = open(path, O_RDONLY | O_CLOEXEC), out = -1;
    off_t size;
    ssize_t n;

    snprintf(rel, sizeof(rel), "console/%s.last.log", d->name);
    if (in < 0 && errno == ENOENT)
        return; /* it failed before it had a console */
    if (in < 0 || sv_rundir_path(last, sizeof(last), rel) < 0)
        goto out;
    size = lseek(in, 0, SEEK_END);
    if (size < 0 || lseek(in, size > CONSOLE_LAST_MAX ? size - CONSOLE_LAST_MAX : 0, SEEK_SET) < 0)
        goto out;
    out = open(last, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (sv_write_full(out, buf, (size_t)n) < 0)
            break;
out:
    if (out < 0) {
        log_warn("domain %u (%s): keeping its last console output", d->domid, d->name);
    } else {
        close(out);
        console_trim_last();
    }
    if (in >= 0)
        close(in);
}

void console_close(struct domain *d, enum console_end end)
{
    char path[300];

    if (d->console_ev) {
        /* Keep what the domain wrote last before it went. */
        console_drain(d->console_out, EV_READ, d);
        event_free(d->console_ev);
        d->console_ev = NULL;
    }
    if (d->console_out >= 0)
        close(d->console_out);
    if (d->console_in >= 0)
        close(d->console_in);
    if (d->console_log >= 0)
        close(d->console_log);
    d->console_out = d->console_in = d->console_log = -1;
    if (end != CONSOLE_LOG_LEAVE && console_log_path(d, path, sizeof(path)) == 0) {
        if (end == CONSOLE_LOG_KEEP_LAST)
            console_keep_last(d, path);
        unlink(path);
    }
}
