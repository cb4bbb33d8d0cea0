/*
 * xenstored: the xenstore daemon of dom0.  Serves the xs_wire.h protocol on
 * a unix socket ($SPLITVISOR_RUNDIR/xenstored/socket) with one libevent
 * loop; by default it daemonizes once the socket listens, so whoever starts
 * it may connect as soon as it returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event2/event.h>

#include "sv/log.h"
#include "sv/pidfile.h"
#include "sv/util.h"
#include "control.h"
#include "hyp.h"
#include "sock.h"
#include "xenstored.h"

struct options {
    char socket[256];
    const char *pid_file;
    const char *log_file;
    int foreground;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: xenstored [-F|--foreground] [--socket PATH] "
               "[--pid-file PATH] [--log-file PATH]\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"socket", required_argument, NULL, 's'},   {"pid-file", required_argument, NULL, 'p'},
        {"log-file", required_argument, NULL, 'l'}, {"foreground", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "Fh", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (strlen(optarg) >= sizeof(o->socket))
                fatalx("socket path too long");
            strcpy(o->socket, optarg);
            break;
        case 'p':
            o->pid_file = optarg;
            break;
        case 'l':
            o->log_file = optarg;
            break;
        case 'F':
            o->foreground = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -EINVAL;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return -EINVAL;
    }
    if (!o->socket[0]) {
        if (mkdir(sv_rundir(), 0755) && errno != EEXIST)
            fatal("mkdir %s", sv_rundir());
        if (sv_rundir_path(o->socket, sizeof(o->socket), "xenstored") ||
            (mkdir(o->socket, 0755) && errno != EEXIST))
            fatal("mkdir %s", o->socket);
        if (sv_rundir_path(o->socket, sizeof(o->socket), "xenstored/socket"))
            fatalx("run directory path too long");
    }
    return 0;
}

/* Locked for our life (sv/pidfile.h): whoever stops us signals the lock's
 * holder, never what a stale file names.  The fd stays open. */
static void claim_pid_file(const char *path)
{
    int fd = sv_pidfile_claim(path);

    if (fd == -EEXIST)
        fatalx("pid file %s: another xenstored holds it", path);
    errno = -fd;
    if (fd < 0)
        fatal("pid file %s", path);
}

/* A daemon lets go of stdin/stdout; stderr (the log) stays with whoever
 * started it unless --log-file names a file. */
static void redirect_stdio(const char *log_file, int detach)
{
    int null = open("/dev/null", O_RDWR);

    if (null < 0)
        fatal("/dev/null");
    if (detach) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    close(null);
    if (log_file) {
        errno = -control_log_to(log_file);
        if (errno)
            fatal("log file %s", log_file);
    }
}

/* The parent returns only once the child owns the listening socket and has
 * locked the pid file that names it. */
static void daemonize(const struct options *o)
{
    int ready[2];
    pid_t pid;
    char c;

    if (pipe2(ready, O_CLOEXEC) < 0)
        fatal("pipe");
    pid = fork();
    if (pid < 0)
        fatal("fork");
    if (pid > 0) {
        close(ready[1]);
        _exit(read(ready[0], &c, 1) == 1 ? 0 : 1);
    }
    close(ready[0]);
    setsid();
    if (o->pid_file)
        claim_pid_file(o->pid_file);
    if (write(ready[1], "R", 1) != 1)
        fatal("ready pipe");
    close(ready[1]);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    log_info("signal %d: exiting", (int)sig);
    event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct event_base *base;
    struct sock_listener *l;
    struct event *sigterm, *sigint;
    struct xsd *xs;
    struct hyp *hyp;

    log_init(argv[0]);
    if (parse_options(argc, argv, &o))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    xs = xsd_new();
    base = event_base_new();
    if (!xs || !base)
        fatalx("out of memory");
    xs->control_files = true;
    l = sock_listen(xs, base, o.socket);
    if (!l)
        fatal("listen on %s", o.socket);
    /* Bound to the hypervisor (VIRQ_DOM_EXC) before a starter sees us ready. */
    hyp = hyp_open(xs, base);
    redirect_stdio(o.log_file, !o.foreground);
    if (!o.foreground)
        daemonize(&o);
    else if (o.pid_file)
        claim_pid_file(o.pid_file);
    /* libevent's epoll fd does not survive fork: reinitialise it. */
    if (event_reinit(base))
        fatalx("event_reinit");
    sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    sigint = evsignal_new(base, SIGINT, on_signal, base);
    if (!sigterm || !sigint || evsignal_add(sigterm, NULL) || evsignal_add(sigint, NULL))
        fatalx("signal events");
    log_info("listening on %s", o.socket);
    event_base_dispatch(base);
    hyp_close(hyp);
    sock_close(l);
    if (o.pid_file)
        unlink(o.pid_file);
    event_free(sigterm);
    event_free(sigint);
    xsd_free(xs);
    event_base_free(base);
    return 0;
}
