/*
 * A domain's process and its walls: own network namespace (sv-<name>), own
 * uid, no capabilities, not dumpable (so /proc/PID/mem, fd and map_files stay
 * closed to other domains), and a seccomp allow-list that also forbids new
 * processes (threads only), so a domain is exactly one process and the
 * hypervisor can check its maps.
 *
 * The child stops itself (SIGSTOP) just before execve: a new domain is
 * created paused and runs its image when unpaused (SIGCONT).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv.h"
#include "sv/log.h"

extern char **environ;

/* Runs `ip netns ARGS...`: iproute2 keeps named namespaces the way every tool expects. */
static int run_ip_netns(const char *verb, const char *name)
{
    char *const argv[] = {"ip", "netns", (char *)verb, (char *)name, NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status, err;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    err = posix_spawnp(&pid, "ip", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err)
        return -err;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int netns_create(const char *name)
{
    char path[128];

    snprintf(path, sizeof(path), "/run/netns/%s", name);
    if (access(path, F_OK) == 0)
        return -EEXIST;
    return run_ip_netns("add", name);
}

void netns_delete(const char *name)
{
    if (name[0] && run_ip_netns("delete", name) < 0)
        log_warnx("could not delete network namespace %s", name);
}

/* System calls a domain image may make; everything else fails with EPERM. */
static const int allowed_syscalls[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(pwrite64),
    SCMP_SYS(open),
    SCMP_SYS(openat),
    SCMP_SYS(close),
    SCMP_SYS(close_range),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(stat),
    SCMP_SYS(lstat),
    SCMP_SYS(statx),
    SCMP_SYS(lseek),
    SCMP_SYS(mmap),
    SCMP_SYS(mprotect),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(brk),
    SCMP_SYS(msync),
    SCMP_SYS(mlock),
    SCMP_SYS(munlock),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigtimedwait),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(ioctl),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(pipe),
    SCMP_SYS(pipe2),
    SCMP_SYS(dup),
    SCMP_SYS(dup2),
    SCMP_SYS(dup3),
    SCMP_SYS(fcntl),
    SCMP_SYS(flock),
    SCMP_SYS(fsync),
    SCMP_SYS(fdatasync),
    SCMP_SYS(ftruncate),
    SCMP_SYS(getdents64),
    SCMP_SYS(getcwd),
    SCMP_SYS(chdir),
    SCMP_SYS(fchdir),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    SCMP_SYS(mkdir),
    SCMP_SYS(mkdirat),
    SCMP_SYS(rename),
    SCMP_SYS(renameat),
    SCMP_SYS(socket),
    SCMP_SYS(socketpair),
    SCMP_SYS(connect),
    SCMP_SYS(accept),
    SCMP_SYS(accept4),
    SCMP_SYS(bind),
    SCMP_SYS(listen),
    SCMP_SYS(sendto),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmmsg),
    SCMP_SYS(recvmmsg),
    SCMP_SYS(shutdown),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),
    SCMP_SYS(execve),
    SCMP_SYS(execveat),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(wait4),
    SCMP_SYS(waitid),
    SCMP_SYS(kill),
    SCMP_SYS(tgkill),
    SCMP_SYS(tkill),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getppid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(getgroups),
    SCMP_SYS(getresuid),
    SCMP_SYS(getresgid),
    SCMP_SYS(uname),
    SCMP_SYS(prctl),
    SCMP_SYS(arch_prctl),
    SCMP_SYS(set_tid_address),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(get_robust_list),
    SCMP_SYS(futex),
    SCMP_SYS(rseq),
    SCMP_SYS(membarrier),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(time),
    SCMP_SYS(getrlimit),
    SCMP_SYS(prlimit64),
    SCMP_SYS(setrlimit),
    SCMP_SYS(getrusage),
    SCMP_SYS(sysinfo),
    SCMP_SYS(times),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(select),
    SCMP_SYS(pselect6),
    SCMP_SYS(epoll_create),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_pwait2),
    SCMP_SYS(eventfd),
    SCMP_SYS(eventfd2),
    SCMP_SYS(timerfd_create),
    SCMP_SYS(timerfd_settime),
    SCMP_SYS(timerfd_gettime),
    SCMP_SYS(signalfd),
    SCMP_SYS(signalfd4),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(sched_setaffinity),
    SCMP_SYS(getrandom),
    SCMP_SYS(memfd_create),
    SCMP_SYS(umask),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(alarm),
    SCMP_SYS(pause),
    SCMP_SYS(getpriority),
    SCMP_SYS(setpriority),
    SCMP_SYS(fadvise64),
    SCMP_SYS(sendfile),
    SCMP_SYS(splice),
    SCMP_SYS(tee),
    SCMP_SYS(fchmod),
    SCMP_SYS(capget),
    SCMP_SYS(sched_getparam),
    SCMP_SYS(sched_getscheduler),
    SCMP_SYS(utimensat),
};

static int seccomp_install(void)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    int err = ctx ? 0 : -ENOMEM;

    for (size_t i = 0; !err && i < sizeof(allowed_syscalls) / sizeof(allowed_syscalls[0]); i++)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
    /* Threads yes, processes no: clone only with CLONE_THREAD; clone3 hides its
     * flags from seccomp, so it answers ENOSYS and libc falls back to clone. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (!err)
        err = seccomp_load(ctx);
    if (ctx)
        seccomp_release(ctx);
    return err;
}

/* Moves fd to number `to` (keeping it across exec); the source is closed. */
static int place_fd(int fd, int to)
{
    if (fd == to)
        return fcntl(fd, F_SETFD, 0);
    if (dup2(fd, to) < 0)
        return -1;
    close(fd);
    return 0;
}

/* In the child: never returns.  Errors go to the console pipe (stderr). */
static void sandbox_child(const struct domain *d, int netns_fd, const struct sandbox_fds *fds,
                          char *const argv[], char *const envp[])
{
    const char *step = "setns";

    if (setns(netns_fd, CLONE_NEWNET) < 0)
        goto fail;
    close(netns_fd);
    step = "fds";
    if (place_fd(fds->console_in, STDIN_FILENO) < 0 || dup2(fds->console_out, STDOUT_FILENO) < 0 ||
        dup2(fds->console_out, STDERR_FILENO) < 0 || place_fd(fds->hcall, 3) < 0 ||
        place_fd(fds->kernel, 4) < 0)
        goto fail;
    close_range(5, ~0U, 0);
    step = "uid";
    if (setsid() < 0 || setgroups(0, NULL) < 0 || setresgid(d->uid, d->uid, d->uid) < 0 ||
        setresuid(d->uid, d->uid, d->uid) < 0)
        goto fail;
    step = "prctl";
    if (prctl(PR_SET_DUMPABLE, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        goto fail;
    step = "chdir";
    if (chdir("/") < 0)
        goto fail;
    step = "seccomp";
    if (seccomp_install() < 0)
        goto fail;
    raise(SIGSTOP); /* created paused */
    step = "execve";
    syscall(SYS_execveat, 4, "", argv, envp, AT_EMPTY_PATH);
fail:
    dprintf(STDERR_FILENO, "splitvisor: domain %u: %s: %s\n", d->domid, step, strerror(errno));
    _exit(127);
}

static char **domain_env(const struct domain *d)
{
    static char vars[6][320];
    static char *envp[7];
    const char *level = getenv("SV_LOG_LEVEL");
    int n = 0;

    snprintf(vars[n], sizeof(vars[n]), "%s=3", SV_HCALL_FD_ENV), envp[n] = vars[n], n++;
    snprintf(vars[n], sizeof(vars[n]), "LD_LIBRARY_PATH=%s", hv.image_libdir), envp[n] = vars[n],
                                                                               n++;
    snprintf(vars[n], sizeof(vars[n]), "PATH=/usr/sbin:/usr/bin:/sbin:/bin"), envp[n] = vars[n],
                                                                              n++;
    snprintf(vars[n], sizeof(vars[n]), "SV_DOMAIN_NAME=%s", d->name), envp[n] = vars[n], n++;
    /* LeakSanitizer needs ptrace and fork, which the sandbox refuses. */
    snprintf(vars[n], sizeof(vars[n]), "ASAN_OPTIONS=detect_leaks=0"), envp[n] = vars[n], n++;
    if (level)
        snprintf(vars[n], sizeof(vars[n]), "SV_LOG_LEVEL=%s", level), envp[n] = vars[n], n++;
    envp[n] = NULL;
    return envp;
}

int sandbox_spawn(struct domain *d, const struct sandbox_fds *fds, char *const argv[])
{
    char path[128];
    char **envp = domain_env(d);
    int netns_fd, status;
    pid_t pid;

    snprintf(path, sizeof(path), "/run/netns/%s", d->netns);
    netns_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        close(netns_fd);
        return -errno;
    }
    if (pid == 0)
        sandbox_child(d, netns_fd, fds, argv, envp);
    close(netns_fd);
    /* Wait for the child to stop itself (or fail before). */
    while (waitpid(pid, &status, WUNTRACED) < 0)
        if (errno != EINTR)
            return -errno;
    if (!WIFSTOPPED(status)) {
        log_warnx("domain %u: sandbox setup failed (see its console)", d->domid);
        return -ECHILD;
    }
    d->pid = pid;
    return 0;
}
