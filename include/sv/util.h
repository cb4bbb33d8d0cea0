/* Small helpers every module uses: array sizes, run- and log-directory paths. */
#ifndef SV_UTIL_H
#define SV_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SV_PAGE_SHIFT 12
#define SV_PAGE_SIZE  (1UL << SV_PAGE_SHIFT)

/* Default run directory; SPLITVISOR_RUNDIR overrides it so that independent
 * instances (parallel tests) run side by side. */
#define SV_DEFAULT_RUNDIR "/run/splitvisor"

/* The run directory in force (never NULL, no trailing slash). */
const char *sv_rundir(void);

/*
 * Writes "<rundir>/<rel>" into buf.  Returns 0, or -ENAMETOOLONG when it does
 * not fit.
 */
int sv_rundir_path(char *buf, size_t len, const char *rel);

/* Where the daemons' logs last (splitvisor.log, xenstored.log, nicN.log),
 * rotated by logrotate (dist/logrotate): the run directory is a tmpfs and
 * keeps only sockets, pids and consoles.  SPLITVISOR_LOGDIR overrides it;
 * an instance with a run directory of its own (SPLITVISOR_RUNDIR) logs there. */
#define SV_DEFAULT_LOGDIR "/var/log/splitvisor"

/* The log directory in force (never NULL, no trailing slash). */
const char *sv_logdir(void);
/* "<logdir>/<rel>", as sv_rundir_path. */
int sv_logdir_path(char *buf, size_t len, const char *rel);

/* Reads/writes a whole fd, retrying on EINTR and short counts; -errno on error
 * (sv_read_full returns the bytes read, short only at end of file). */
long sv_read_full(int fd, void *buf, size_t len);
int sv_write_full(int fd, const void *buf, size_t len);

/* A decimal number of digits only (no sign, space or base prefix, which
 * strtoul would take) and at most max; false when s is not one. */
bool sv_parse_uint(const char *s, unsigned long max, unsigned long *out);

#endif
