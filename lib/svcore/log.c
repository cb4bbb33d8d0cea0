/* The logging API shared by every program: see include/sv/log.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sv/log.h"

static const char *log_progname = "splitvisor";
static enum log_level log_threshold = LOG_LEVEL_INFO;
static void (*log_sink)(int level, const char *line);
static bool log_tool_style;

static const char *const log_level_names[] = {
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARN] = "warn",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
};

int log_parse_level(const char *name)
{
    for (size_t i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++)
        if (strcasecmp(name, log_level_names[i]) == 0)
            return (int)i;
    return -1;
}

void log_init(const char *progname)
{
    const char *env = getenv("SV_LOG_LEVEL");
    const char *slash = strrchr(progname, '/');

    log_progname = slash ? slash + 1 : progname;
    log_tool_style = false;
    if (env && log_parse_level(env) >= 0)
        log_threshold = (enum log_level)log_parse_level(env);
}

void log_set_tool_style(void)
{
    log_tool_style = true;
}

void log_set_sink(void (*fn)(int level, const char *line))
{
    log_sink = fn;
}

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

enum log_level log_get_level(void)
{
    return log_threshold;
}

void log_vmsg(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
    int saved_errno = errno;
    char msg[1024];
    char stamp[32];
    struct timespec now;
    struct tm tm;

    if (level > log_threshold)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    clock_gettime(CLOCK_REALTIME, &now);
    localtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    if (with_errno) {
        size_t len = strlen(msg);

        snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved_errno));
    }
    if (!log_tool_style)
        fprintf(stderr, "%s.%03ld %s[%d] %s: %s\n", stamp, now.tv_nsec / 1000000, log_progname,
                (int)getpid(), log_level_names[level], msg);
    else if (level == LOG_LEVEL_WARN || level == LOG_LEVEL_DEBUG)
        fprintf(stderr, "%s: %s: %s\n", log_progname, level == LOG_LEVEL_WARN ? "warning" : "debug",
                msg);
    else
        fprintf(stderr, "%s: %s\n", log_progname, msg);
    if (log_sink) {
        char line[1100];

        snprintf(line, sizeof(line), "(%s) %s: %s", stamp, log_level_names[level], msg);
        log_sink((int)level, line);
    }
    errno = saved_errno;
}

#define LOG_FORWARD(level, with_errno)                                                             \
    do {                                                                                           \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_vmsg(level, with_errno, fmt, ap);                                                      \
        va_end(ap);                                                                                \
    } while (0)

void log_warn(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_WARN, 1);
}

void log_warnx(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_WARN, 0);
}

void log_error(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_ERROR, 1);
}

void log_errorx(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_ERROR, 0);
}

void log_info(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_INFO, 0);
}

void log_debug(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_DEBUG, 0);
}

void fatal(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_ERROR, 1);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    LOG_FORWARD(LOG_LEVEL_ERROR, 0);
    exit(1);
}

bool log_ratelimit(struct log_ratelimit *rl, uint64_t *suppressed)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec != rl->window) {
        rl->window = now.tv_sec;
        rl->in_window = 0;
    }
    if (rl->in_window >= rl->burst) {
        rl->suppressed++;
        return false;
    }
    rl->in_window++;
    *suppressed = rl->suppressed;
    rl->suppressed = 0;
    return true;
}

void log_warn_limited(struct log_ratelimit *rl, bool with_errno, const char *fmt, ...)
{
    int err = errno; /* the caller's, which the line before may change */
    uint64_t held_back;
    va_list ap;

    if (!log_ratelimit(rl, &held_back))
        return;
    if (held_back)
        log_warnx("%llu lines like the next not logged", (unsigned long long)held_back);
    errno = err;
    va_start(ap, fmt);
    log_vmsg(LOG_LEVEL_WARN, with_errno, fmt, ap);
    va_end(ap);
}
