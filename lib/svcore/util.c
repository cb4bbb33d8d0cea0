/* Run- and log-directory resolution and full-length fd I/O shared by all programs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/util.h"

/* The directory an environment variable names, else dflt; no trailing slash. */
static const char *env_dir(const char *var, const char *dflt, char *dir, size_t size)
{
    const char *env = getenv(var);
    size_t len;

    if (!env || !*env || strlen(env) >= size)
        return dflt;
    strcpy(dir, env);
    len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    return dir;
}

static int dir_path(char *buf, size_t len, const char *dir, const char *rel)
{
    int n = snprintf(buf, len, "%s/%s", dir, rel);

    return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

const char *sv_rundir(void)
{
    static char dir[256];

    return env_dir("SPLITVISOR_RUNDIR", SV_DEFAULT_RUNDIR, dir, sizeof(dir));
}

int sv_rundir_path(char *buf, size_t len, const char *rel)
{
    return dir_path(buf, len, sv_rundir(), rel);
}

const char *sv_logdir(void)
{
    static char dir[256];
    const char *rundir = sv_rundir();

    /* An instance of its own keeps its logs with it: side by side, two
     * instances would mix their lines in one file. */
    return env_dir("SPLITVISOR_LOGDIR",
                   strcmp(rundir, SV_DEFAULT_RUNDIR) ? rundir : SV_DEFAULT_LOGDIR, dir,
                   sizeof(dir));
}

int sv_logdir_path(char *buf, size_t len, const char *rel)
{
    return dir_path(buf, len, sv_logdir(), rel);
}

long sv_read_full(int fd, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (long)done;
}

int sv_write_full(int fd, const void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        done += (size_t)n;
    }
    return 0;
}

bool sv_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned digit = (unsigned)(*s - '0');

        if (digit > 9 || v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}
