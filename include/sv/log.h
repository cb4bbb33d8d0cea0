/*
 * The one logging API of every Splitvisor program (daemons, domain images,
 * tools, tests).  Modelled on OpenBSD's log.c: log_warn() appends strerror of
 * the errno in force, log_warnx() does not; every function preserves errno.
 *
 * Messages go to stderr (daemons point stderr at their log file) as
 *   "<YYYY-MM-DD HH:MM:SS.mmm> <prog>[<pid>] <level>: <message>"
 * (local time, dated: the logs last, see sv_logdir() in sv/util.h), or, for
 * a command a person runs (xl), as "<prog>: warning: <message>" (errors and
 * information without the level word); and are filtered by level:
 * SV_LOG_LEVEL=debug|info|warn|error in the environment, or log_set_level().
 */
#ifndef SV_LOG_H
#define SV_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <time.h>

enum log_level {
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
};

/* Names the program in every line; reads SV_LOG_LEVEL; daemon lines.  Safe
 * to call again (a command's fork that becomes a daemon does). */
void log_init(const char *progname);
/* Lines as a command line tool writes them, not dated daemon lines. */
void log_set_tool_style(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "debug", "info", "warn" or "error"; -1 when unknown. */
int log_parse_level(const char *name);

/* Also hands every line that passes the filter to fn (the hypervisor's dmesg ring). */
void log_set_sink(void (*fn)(int level, const char *line));

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);   /* warning, with errno */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);  /* warning */
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);  /* error, with errno */
void log_errorx(const char *fmt, ...) LOG_PRINTF(1, 2); /* error */
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_vmsg(enum log_level level, int with_errno, const char *fmt, va_list ap);

/* Lines a peer can cause (faults, protocol errors): at most burst a second
 * go out; the rest are counted and told with the next one that does. */
struct log_ratelimit {
    unsigned burst;      /* 0: none go out */
    time_t window;       /* the second being counted (CLOCK_MONOTONIC) */
    unsigned in_window;  /* lines let out in it */
    uint64_t suppressed; /* held back since the last line let out */
};

/* true when a line may go out now, with *suppressed the lines held back
 * before it; false when it is held back (and counted). */
bool log_ratelimit(struct log_ratelimit *rl, uint64_t *suppressed);
/* A warning (with errno when with_errno) through rl: when it goes out after
 * lines were held back, a line before it says how many. */
void log_warn_limited(struct log_ratelimit *rl, bool with_errno, const char *fmt, ...)
    LOG_PRINTF(3, 4);

/* Log an error (with/without errno) and exit(1). */
noreturn void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
