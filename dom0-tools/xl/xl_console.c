/*
 * xl console: shows what the domain has printed (its console log) and follows
 * it, forwarding our input to the domain's stdin.  On a terminal the input is
 * raw and Ctrl-] leaves, as in Xen; it also ends when the domain is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sv/util.h"
#include "xl.h"

#define CONSOLE_ESCAPE 0x1d /* Ctrl-] */

static bool domain_alive(uint32_t domid)
{
    xc_domaininfo_t info;

    return xc_domain_getinfolist(xl_ctx.xch, domid, 1, &info) == 1 && info.domain == domid &&
           !(info.flags & XEN_DOMINF_shutdown);
}

/* Copies what the log gained since last time; false at an error. */
static bool pump_log(int log_fd)
{
    char buf[4096];
    ssize_t n;

    while ((n = read(log_fd, buf, sizeof(buf))) > 0)
        if (sv_write_full(STDOUT_FILENO, buf, (size_t)n) < 0)
            return false;
    return n == 0;
}

/* Forwards stdin; false when the user asked to leave. */
static bool pump_input(int in_fd, bool *input_open)
{
    char buf[256];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

    if (n <= 0) {
        *input_open = false;
        return true;
    }
    if (isatty(STDIN_FILENO) && memchr(buf, CONSOLE_ESCAPE, (size_t)n))
        return false;
    if (in_fd >= 0)
        sv_write_full(in_fd, buf, (size_t)n);
    return true;
}

static void console_loop(uint32_t domid, int log_fd, int in_fd)
{
    bool input_open = true;

    for (;;) {
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};

        if (!pump_log(log_fd))
            return;
        if (!domain_alive(domid)) {
            pump_log(log_fd);
            return;
        }
        if (poll(&pfd, input_open ? 1 : 0, 100) > 0 && !pump_input(in_fd, &input_open))
            return;
    }
}

int cmd_console(int argc, char **argv)
{
    uint32_t domid;
    int status = xl_domain_arg(argc, argv, 0, &domid);

    return status ? status : xl_console_attach(domid);
}

int xl_console_attach(uint32_t domid)
{
    struct termios saved, raw;
    char rel[64], path[400];
    bool tty = isatty(STDIN_FILENO);
    int log_fd, in_fd;

    snprintf(rel, sizeof(rel), "console/%u.log", domid);
    if (sv_rundir_path(path, sizeof(path), rel) < 0 || (log_fd = open(path, O_RDONLY)) < 0)
        return xl_error("domain %u has no console log (%s)", domid, strerror(errno));
    in_fd = svl_console_input(&xl_ctx, domid); /* none: output only */
    if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    console_loop(domid, log_fd, in_fd);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    close(log_fd);
    if (in_fd >= 0)
        close(in_fd);
    return 0;
}
