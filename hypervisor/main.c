/*
 * splitvisor: the hypervisor daemon and the command that boots and stops a
 * host.
 *
 *   splitvisor start [-F] [--config HOSTCFG] [--nic 'XNIC ARGS']... [--no-nic]
 *                    [--max-fds N]
 *                           boot: the hypervisor and its NICs (xnic device
 *                           models, from HOSTCFG's nic lines and --nic;
 *                           default one, --wire tap:sv-wire0);
 *                           and dom0's side (init-dom0 up: xenstored,
 *                           /local/domain/0); returns once requests are
 *                           accepted (-F: the hypervisor stays in the
 *                           foreground, no daemon); --max-fds: the
 *                           hypervisor's fd limit (default fs.nr_open)
 *   splitvisor stop         destroy every domain, stop everything
 *   splitvisor status       is it running, how many domains (exit status as
 *                           LSB's: 0 running, 3 not running, 4 unknown)
 * Which process is ours is the lock on its pid file (sv/pidfile.h).
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgreap.h"
#include "hv.h"
#include "pci.h"
#include "sv/hcall.h"
#include "sv/log.h"
#include "sv/pidfile.h"
#include "sv/util.h"

struct hv hv;

#define MAX_NIC_SPECS 4
#define DEFAULT_NIC   "--wire tap:sv-wire0"

static const char *nic_specs[MAX_NIC_SPECS];
static unsigned nr_nic_specs;
static unsigned long max_fds; /* --max-fds (0: as many as we may) */

static int rundir_file(char *buf, size_t len, const char *rel)
{
    return sv_rundir_path(buf, len, rel);
}

/* The live process holding the lock of <rundir>/rel: > 0, 0 when none,
 * -errno when it cannot be told (not root: the run directory is 0700). */
static pid_t pidfile_owner(const char *rel)
{
    char path[300];

    if (rundir_file(path, sizeof(path), rel) < 0)
        return -ENAMETOOLONG;
    return sv_pidfile_owner(path);
}

/* A pidfd of that process, never of whatever a stale file names. */
static int pidfile_pidfd(const char *rel)
{
    char path[300];

    if (rundir_file(path, sizeof(path), rel) < 0)
        return -ENAMETOOLONG;
    return sv_pidfile_pidfd(path);
}

static int copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;
    long n;

    if (in < 0)
        return -errno;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -errno;
    }
    while (!err && (n = sv_read_full(in, buf, sizeof(buf))) > 0)
        err = sv_write_full(out, buf, (size_t)n);
    close(in);
    close(out);
    return err;
}

/*
 * Domains run under their own uids and see only what their root holds
 * (sandbox.c): give them a world-readable copy of our libraries to bind
 * there, the build tree being anywhere (under /root, say).
 */
static int install_image_libs(void)
{
    char exe[256], libdir[300];
    struct dirent *de;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    DIR *dir;
    int err = 0;

    if (n < 0)
        return -errno;
    exe[n] = '\0';
    snprintf(libdir, sizeof(libdir), "%s/../lib", dirname(exe));
    if (rundir_file(hv.image_libdir, sizeof(hv.image_libdir), "lib") < 0)
        return -ENAMETOOLONG;
    if (mkdir(hv.image_libdir, 0755) < 0 && errno != EEXIST)
        return -errno;
    dir = opendir(libdir);
    if (!dir)
        return -errno;
    while (!err && (de = readdir(dir))) {
        char from[600], to[600];

        if (!strstr(de->d_name, ".so"))
            continue;
        snprintf(from, sizeof(from), "%s/%s", libdir, de->d_name);
        snprintf(to, sizeof(to), "%s/%s", hv.image_libdir, de->d_name);
        err = copy_file(from, to);
    }
    closedir(dir);
    return err;
}

/* While starting, error lines are also kept for whoever ran `splitvisor
 * start`, which has only our log otherwise. */
static bool starting;
static char start_errors[1024];

static void start_sink(int level, const char *line)
{
    const char *msg = strstr(line, "error: ");
    size_t used = strlen(start_errors);

    hvlog_sink(level, line);
    if (starting && level == LOG_LEVEL_ERROR && msg)
        snprintf(start_errors + used, sizeof(start_errors) - used, "  %s\n", msg + 7);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    (void)arg;
    log_info("signal %d: shutting down", (int)sig);
    event_base_loopexit(hv.base, NULL);
}

/* Locked for our life: `stop` signals the lock's holder, never a pid that a
 * stale file names (sv/pidfile.h). */
static int write_pidfile(void)
{
    char path[300];
    int fd;

    if (rundir_file(path, sizeof(path), "splitvisor.pid") < 0)
        return -ENAMETOOLONG;
    fd = sv_pidfile_claim(path);
    if (fd == -EEXIST)
        log_errorx("another hypervisor holds %s", path);
    return fd < 0 ? fd : 0; /* fd kept open: the lock lives as long as we do */
}

static unsigned long read_sysctl(const char *path)
{
    FILE *f = fopen(path, "re");
    unsigned long value = 0;

    if (f) {
        if (fscanf(f, "%lu", &value) != 1)
            value = 0;
        fclose(f);
    }
    return value;
}

/* Every shareable frame, every port's doorbells and every channel is an fd
 * here: as many as the kernel allows one process (fs.nr_open) when we may
 * raise the hard limit, else the hard limit; or what --max-fds says. */
static void raise_fd_limit(void)
{
    unsigned long nr_open = max_fds ? max_fds : read_sysctl("/proc/sys/fs/nr_open");
    struct rlimit rl;

    if (nr_open && setrlimit(RLIMIT_NOFILE, &(struct rlimit){nr_open, nr_open}) == 0)
        return;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* What domains may make us hold in all: our fds, within what our mappings
 * allow, less what is kept for dom0 (quota.h). */
static void set_quota(void)
{
    unsigned long maps = read_sysctl("/proc/sys/vm/max_map_count");
    struct rlimit rl = {0};

    getrlimit(RLIMIT_NOFILE, &rl);
    quota_init(&hv.quota, rl.rlim_cur, maps ? maps : rl.rlim_cur);
    log_info("domains may make us hold %llu fds (limits: %llu fds, %lu mappings)",
             (unsigned long long)hv.quota.limit, (unsigned long long)rl.rlim_cur, maps);
}

/* Runs the hypervisor; writes one byte to ready_fd once it accepts requests. */
static int hv_run(int ready_fd)
{
    struct event *sigterm, *sigint;
    char sock[300];
    int err;

    starting = ready_fd >= 0;
    log_set_sink(start_sink);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    set_quota();
    err = sandbox_reserve_uids(&hv.uid_base);
    if (err) {
        log_errorx("cannot reserve a uid range for domains: %s", strerror(-err));
        return err;
    }
    log_info("domains run as uids %u + domid", (unsigned)hv.uid_base);
    hv.base = event_base_new();
    if (!hv.base)
        return -ENOMEM;
    err = install_image_libs();
    if (err)
        log_warnx("cannot install libraries for domain images: %s", strerror(-err));
    err = domain_init_dom0();
    if (!err)
        err = rundir_file(sock, sizeof(sock), SV_CONTROL_SOCKET);
    if (!err)
        err = control_listen(sock);
    for (unsigned i = 0; !err && i < nr_nic_specs; i++)
        err = pci_nic_start(nic_specs[i], i);
    if (!err)
        err = write_pidfile();
    if (err) {
        pci_nics_stop();
        starting = false; /* the starter has the reasons: not this summary */
        log_errorx("cannot start: %s", strerror(-err));
        if (ready_fd >= 0 && sv_write_full(ready_fd, "E", 1) == 0) /* 'E', then the reasons */
            sv_write_full(ready_fd, start_errors, strlen(start_errors));
        return err;
    }
    sigterm = evsignal_new(hv.base, SIGTERM, on_signal, NULL);
    sigint = evsignal_new(hv.base, SIGINT, on_signal, NULL);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);
    log_info("hypervisor %d.%d up, run directory %s", SV_VERSION_MAJOR, SV_VERSION_MINOR,
             sv_rundir());
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "R", 1);
        close(ready_fd);
    }
    starting = false;
    event_base_dispatch(hv.base);
    domain_destroy_all();
    cgreap_stop();
    pci_nics_stop();
    unlink(sock);
    rundir_file(sock, sizeof(sock), "splitvisor.pid");
    unlink(sock);
    log_info("hypervisor stopped");
    return 0;
}

static int prepare_rundir(void)
{
    char path[300];

    if (mkdir(sv_rundir(), 0700) < 0 && errno != EEXIST)
        return -errno;
    /* dom0's alone: a domain sees none of it (lib/ is bound into its root). */
    chmod(sv_rundir(), 0700);
    if (rundir_file(path, sizeof(path), "console") < 0)
        return -ENAMETOOLONG;
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/* Forks the daemon, its stderr on <logdir>/splitvisor.log; waits until it
 * is ready, or says why it is not. */
static int start_daemon(void)
{
    char log_path[300], answer[1100];
    int pipefd[2];
    long n;
    pid_t pid;

    if (sv_logdir_path(log_path, sizeof(log_path), "splitvisor.log") < 0 ||
        pipe2(pipefd, O_CLOEXEC))
        return -EIO;
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

        close(pipefd[0]);
        setsid();
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        _exit(hv_run(pipefd[1]) ? 1 : 0);
    }
    close(pipefd[1]);
    n = sv_read_full(pipefd[0], answer, sizeof(answer) - 1);
    close(pipefd[0]);
    if (n > 0 && answer[0] == 'R')
        return 0;
    answer[n > 1 ? n : 1] = '\0';
    fprintf(stderr, "splitvisor: the hypervisor failed to start%s\n%s(see %s)\n", n > 1 ? ":" : "",
            n > 1 ? answer + 1 : "", log_path);
    return -EIO;
}

static int add_nic_spec(const char *spec)
{
    if (nr_nic_specs == MAX_NIC_SPECS) {
        fprintf(stderr, "splitvisor: start: more than %d NICs\n", MAX_NIC_SPECS);
        return -E2BIG;
    }
    nic_specs[nr_nic_specs++] = spec;
    return 0;
}

/* One host config line: blank, a # comment, or nic = "XNIC ARGS" ('' too). */
static int host_config_line(const char *line)
{
    char spec[512], *copy;
    int end = -1, err;

    line += strspn(line, " \t\r\n");
    if (!*line || *line == '#')
        return 0;
    if (sscanf(line, "nic = \"%511[^\"]\" %n", spec, &end) != 1 || end < 0)
        sscanf(line, "nic = '%511[^']' %n", spec, &end);
    if (end < 0 || (line[end] && line[end] != '#'))
        return -EINVAL;
    copy = strdup(spec); /* the specs live as long as the process */
    if (!copy)
        return -ENOMEM;
    err = add_nic_spec(copy);
    if (err)
        free(copy);
    return err;
}

/* The host config file: the NICs to start, one nic line each (docs/xnic.md). */
static int read_host_config(const char *path)
{
    char *line = NULL; /* whole lines: a long comment is still one line */
    size_t cap = 0;
    unsigned lineno = 0;
    FILE *f = fopen(path, "re");
    int err = 0;

    if (!f) {
        fprintf(stderr, "splitvisor: %s: %s\n", path, strerror(errno));
        return -ENOENT;
    }
    while (!err && getline(&line, &cap, f) >= 0) {
        lineno++;
        err = host_config_line(line);
        if (err == -EINVAL)
            fprintf(stderr, "splitvisor: %s:%u: expected nic = \"XNIC ARGS\"\n", path, lineno);
    }
    free(line);
    fclose(f);
    return err;
}

static int parse_start_args(int argc, char **argv, bool *foreground)
{
    bool no_nic = false;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-F") || !strcmp(argv[i], "--foreground"))
            *foreground = true;
        else if (!strcmp(argv[i], "--no-nic"))
            no_nic = true;
        else if (!strcmp(argv[i], "--nic") && i + 1 < argc) {
            if (add_nic_spec(argv[++i]) < 0)
                return -E2BIG;
        } else if (!strcmp(argv[i], "--max-fds") && i + 1 < argc) {
            char *end;

            max_fds = strtoul(argv[++i], &end, 10);
            if (*end || max_fds < 2 * QUOTA_MIN_RESERVE) {
                fprintf(stderr, "splitvisor: start: --max-fds: at least %u\n",
                        2 * QUOTA_MIN_RESERVE);
                return -EINVAL;
            }
        } else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            if (read_host_config(argv[++i]) < 0)
                return -EINVAL;
        } else {
            fprintf(stderr, "splitvisor: start: unexpected '%s'\n", argv[i]);
            return -EINVAL;
        }
    }
    if (no_nic)
        nr_nic_specs = 0;
    else if (nr_nic_specs == 0)
        nic_specs[nr_nic_specs++] = DEFAULT_NIC;
    return 0;
}

static void sibling_path(char *buf, size_t len, const char *prog)
{
    char exe[256];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    exe[n > 0 ? n : 0] = '\0';
    snprintf(buf, len, "%s/%s", dirname(exe), prog);
}

/* dom0's side of the host (xenstored, /local/domain/0) is init-dom0's,
 * beside us: `init-dom0 up|down`; 0, or 1 (it said why). */
static int init_dom0(const char *verb)
{
    char prog[300];
    pid_t pid;
    int status;

    sibling_path(prog, sizeof(prog), "init-dom0");
    pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        execl(prog, "init-dom0", verb, (char *)NULL);
        fprintf(stderr, "splitvisor: cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return 1;
    return 0;
}

static void stop_xenstored(void)
{
    init_dom0("down");
}

/* Every program domains need, found before anything starts. */
static bool in_path(const char *prog)
{
    const char *path = getenv("PATH");

    for (const char *p = path ? path : ""; *p; p += *p == ':') {
        size_t n = strcspn(p, ":");
        char file[600];

        snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, prog);
        if (n && access(file, X_OK) == 0)
            return true;
        p += n;
    }
    return false;
}

/* xenstored and dom0's home, once the hypervisor answers; 0 or 1 (said). */
static int start_dom0_side(void)
{
    if (init_dom0("up"))
        return 1;
    printf("splitvisor: hypervisor running (pid %d), xenstored (pid %d), run directory %s\n",
           (int)pidfile_owner("splitvisor.pid"), (int)pidfile_owner("xenstored.pid"), sv_rundir());
    fflush(stdout);
    return 0;
}

/*
 * -F: the hypervisor is this process (a service manager's main pid); a
 * helper brings up dom0's side once it answers, and tells it to stop if
 * that fails.  xenstored goes down with it.
 */
static int run_foreground(void)
{
    int ready[2], status = 0, err;
    pid_t helper;
    char c;

    if (pipe2(ready, O_CLOEXEC) < 0)
        return 1;
    helper = fork();
    if (helper < 0)
        return 1;
    if (helper == 0) {
        close(ready[1]);
        if (read(ready[0], &c, 1) != 1 || c != 'R')
            _exit(1);
        if (start_dom0_side()) {
            kill(getppid(), SIGTERM);
            _exit(1);
        }
        _exit(0);
    }
    close(ready[0]);
    err = hv_run(ready[1]);
    close(ready[1]);
    waitpid(helper, &status, 0);
    stop_xenstored();
    return err || !WIFEXITED(status) || WEXITSTATUS(status) ? 1 : 0;
}

static int cmd_stop(void);

static int cmd_start(int argc, char **argv)
{
    bool foreground = false;
    pid_t pid;
    int err;

    if (parse_start_args(argc, argv, &foreground) < 0)
        return 2;
    if (geteuid() != 0) {
        fprintf(stderr, "splitvisor: start must run as root\n");
        return 1;
    }
    if (!in_path("ip")) {
        fprintf(stderr, "splitvisor: no 'ip' command (iproute2) in PATH: domains need it for "
                        "their network namespaces\n");
        return 1;
    }
    pid = pidfile_owner("splitvisor.pid");
    if (pid > 0) {
        fprintf(stderr, "splitvisor: already running in %s (pid %d)\n", sv_rundir(), (int)pid);
        return 1;
    }
    err = prepare_rundir();
    if (err) {
        fprintf(stderr, "splitvisor: %s: %s\n", sv_rundir(), strerror(-err));
        return 1;
    }
    /* Lasting logs: they name domains and addresses, root's alone. */
    if (mkdir(sv_logdir(), 0750) < 0 && errno != EEXIST) {
        fprintf(stderr, "splitvisor: log directory %s: %s\n", sv_logdir(), strerror(errno));
        return 1;
    }
    /* Before we fork: what we start stays in the leaf we move to. */
    sandbox_cgroups_init();
    if (foreground)
        return run_foreground();
    err = start_daemon();
    if (err)
        return 1;
    if (start_dom0_side()) {
        cmd_stop();
        return 1;
    }
    return 0;
}

static int cmd_stop(void)
{
    int pidfd = pidfile_pidfd("splitvisor.pid");
    uint32_t unused = 0;
    int chan, err;

    if (pidfd < 0) {
        stop_xenstored(); /* one a dead hypervisor left */
        fprintf(stderr, "splitvisor: not running in %s%s%s\n", sv_rundir(),
                pidfd == -ESRCH ? "" : ": ", pidfd == -ESRCH ? "" : strerror(-pidfd));
        return 1;
    }
    chan = hcall_open();
    err = chan < 0 ? chan : hcall_sysctl_shutdown(chan, &unused);
    if (chan >= 0)
        close(chan);
    /* Asked to shut down, it destroys its domains first: only wait (signal 0). */
    err = sv_pidfd_stop(pidfd, err < 0 ? SIGTERM : 0, 10000);
    close(pidfd);
    stop_xenstored();
    if (err) {
        fprintf(stderr, "splitvisor: the hypervisor did not stop: %s\n", strerror(-err));
        return 1;
    }
    printf("splitvisor: stopped\n");
    return 0;
}

static int cmd_status(void)
{
    struct sv_sysctl_physinfo pi = {0};
    pid_t pid = pidfile_owner("splitvisor.pid");
    int chan, err;

    if (pid < 0) { /* LSB's 4: unknown */
        printf("splitvisor: cannot tell whether it runs in %s: %s (root can)\n", sv_rundir(),
               strerror(-pid));
        return 4;
    }
    if (!pid) {
        printf("splitvisor: not running (%s)\n", sv_rundir());
        return 3;
    }
    chan = hcall_open();
    err = chan < 0 ? chan : hcall_sysctl_physinfo(chan, &pi);
    if (chan >= 0)
        close(chan);
    if (err < 0) {
        printf("splitvisor: pid %d not answering: %s\n", (int)pid, strerror(-err));
        return 1;
    }
    printf("splitvisor: running (pid %d), %u domain(s) besides dom0, run directory %s\n", (int)pid,
           pi.nr_domains - 1, sv_rundir());
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: splitvisor start [-F] [--config HOSTCFG] [--nic 'XNIC ARGS']... [--no-nic]\n"
            "                        [--max-fds N]\n"
            "       splitvisor stop | status\n"
            "  HOSTCFG: lines nic = \"XNIC ARGS\", one per NIC (# comments)\n"
            "  default NIC: --nic '%s' (see docs/xnic.md for XNIC ARGS)\n"
            "  run directory: $SPLITVISOR_RUNDIR (default %s)\n",
            DEFAULT_NIC, SV_DEFAULT_RUNDIR);
}

int main(int argc, char **argv)
{
    log_init("splitvisor");
    if (argc < 2) {
        usage();
        return 2;
    }
    if (!strcmp(argv[1], "start"))
        return cmd_start(argc - 1, argv + 1);
    if (!strcmp(argv[1], "stop"))
        return cmd_stop();
    if (!strcmp(argv[1], "status"))
        return cmd_status();
    usage();
    return 2;
}
