/*
 * A domain's process and its walls: own network namespace (sv-<name>), own
 * mount namespace (a read-only tmpfs root with the libraries, /dev/null and
 * friends and a /proc showing only itself), own uid from the instance's
 * reserved range, no capabilities, not dumpable even after exec (so
 * /proc/PID/mem, fd and map_files stay closed to any other uid and to its
 * own), and a seccomp allow-list that also forbids new processes (threads
 * sharing the fd table only), a second exec, AF_UNIX sockets and dropping
 * the OFD locks that show a grant mapping still held (p2m.h), so a domain
 * is exactly one process running its image.
 *
 * The child stops itself (SIGSTOP) just before execve: a new domain is
 * created paused and runs its image when unpaused (SIGCONT).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/event.h>

#include "hv.h"
#include "sv/cgroup.h"
#include "cgreap.h"
#include "sv/log.h"
#include "sv/util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: exec allowed even where vm.memfd_noexec says no */
#endif

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
    if (err == ENOENT) { /* not "No such file", which would name no file */
        log_errorx("cannot run 'ip' (iproute2): not in PATH");
        return -ENOPKG;
    }
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

/* What `ip netns delete` does, without spawning it: the spawn and its wait
 * were 35-50 ms of the hypervisor's one loop, every guest's hypercalls
 * waiting, at each destroy.  The namespace itself goes when its last user
 * does (the domain's process is dead by now). */
void netns_delete(const char *name)
{
    char path[128];

    if (!name[0])
        return;
    snprintf(path, sizeof(path), "/run/netns/%s", name);
    if ((umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) ||
        (unlink(path) < 0 && errno != ENOENT))
        log_warn("could not delete network namespace %s", name);
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
    SCMP_SYS(rt_sigpending),
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
    SCMP_SYS(fchmod),
    SCMP_SYS(capget),
    SCMP_SYS(sched_getparam),
    SCMP_SYS(sched_getscheduler),
    SCMP_SYS(utimensat),
};

/* What glibc's pthread_create passes (besides TLS and tid bookkeeping). */
#define THREAD_CLONE_FLAGS                                                                         \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static int seccomp_allow_rules(scmp_filter_ctx ctx)
{
    int err = 0;

    for (size_t i = 0; !err && i < sizeof(allowed_syscalls) / sizeof(allowed_syscalls[0]); i++)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
    /* Threads yes, processes no, and a thread shares everything: a domain
     * is one process (its pid is what the hypervisor watches, reaps and
     * charges), whose threads share one fd table (CLONE_FILES).
     * clone3 hides its flags from seccomp, so it answers ENOSYS and libc
     * falls back to clone. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, THREAD_CLONE_FLAGS, THREAD_CLONE_FLAGS));
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* Exec would make the domain dumpable again (a readable image) or give it
     * a new image: the hypervisor lets the first execveat (ours, the image's)
     * through and then closes the listener, after which the kernel answers
     * ENOSYS.  execve is refused outright. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execveat), 0);
    return err;
}

/* Calls allowed above but not with these arguments.  A second filter, with
 * ALLOW as default: the kernel runs both and the refusal wins, where
 * libseccomp would let an unconditional allow of the same call win.  An int
 * argument is compared on its low 32 bits, the ones the kernel reads. */
static int seccomp_argument_rules(scmp_filter_ctx ctx)
{
    /* Not dumpable must stay so (see sandbox_child). */
    int err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prctl), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, PR_SET_DUMPABLE));

    /* No AF_UNIX socket of its own: its channels are the hypervisor's
     * socketpairs, whose far end it does not hold, and nothing else of a
     * domain's needs to pass descriptors. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX));
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socketpair), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX));
    /* Nor a page of a frame held past the last reference to its file (what
     * proves an unmap, p2m.h): a zero-copy send
     * pins the pages it sends until the skb is freed (a peer, or the TAP it
     * leaves by, that does not read keeps them); splice, tee and sendfile,
     * refused in the allow-list, put page references into pipes. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setsockopt), 2,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, SOL_SOCKET),
                               SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, SO_ZEROCOPY));
    /* Its packet sockets come shaped by the hypervisor (SV_PLATFORM_open_pktsock):
     * no PACKET_RX_RING/TX_RING (host memory mapped into it, and the ring code
     * behind CVE-2017-7308 and CVE-2020-14386), no other fanout group, no
     * vnet header or bypass turned off (architecture.md). */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setsockopt), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, SOL_PACKET));
    /* Nor drop the lock that shows a grant mapping's fd is still held
     * (frame_open_held, p2m.h): an OFD lock goes with the last reference to
     * its open file description, which is the truth the hypervisor asks
     * for, or with F_OFD_SETLK(W) on it, which would be a lie.  POSIX locks
     * and flock() are other owners' and cannot touch it. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fcntl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, F_OFD_SETLK));
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fcntl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, F_OFD_SETLKW));
    return err;
}

/* Loads both filters; *listener is the allow-list's notification fd. */
static int seccomp_install(int *listener)
{
    scmp_filter_ctx allow = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    scmp_filter_ctx args = seccomp_init(SCMP_ACT_ALLOW);
    int err = allow && args ? 0 : -ENOMEM;

    if (!err)
        err = seccomp_allow_rules(allow);
    if (!err)
        err = seccomp_argument_rules(args);
    /* This order: the allow-list has no seccomp(2). */
    if (!err)
        err = seccomp_load(args);
    if (!err)
        err = seccomp_load(allow);
    if (!err) {
        *listener = seccomp_notify_fd(allow);
        if (*listener < 0)
            err = *listener;
    }
    if (allow)
        seccomp_release(allow);
    if (args)
        seccomp_release(args);
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

/*
 * An exec-only copy of the image (root's, mode 0111), read-only fd.  Exec of
 * a file the caller may not read leaves the process non-dumpable (the kernel
 * applies fs.suid_dumpable, 0 by default), where exec of a readable one --
 * the image as dom0 opened it -- resets it to dumpable whatever was set
 * before.  The writable fd is closed: exec refuses a file open for writing.
 */
static int exec_only_copy(int image)
{
    char path[64];
    struct stat st;
    off_t off = 0;
    int fd, ro = -1;

    if (fstat(image, &st) < 0)
        return -1;
    fd = memfd_create("sv-image", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) /* before Linux 6.3: exec allowed anyway */
        fd = memfd_create("sv-image", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    while (off < st.st_size)
        if (sendfile(fd, image, &off, (size_t)(st.st_size - off)) <= 0)
            goto out;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (fchmod(fd, 0111) == 0)
        ro = open(path, O_RDONLY | O_CLOEXEC);
out:
    close(fd);
    return ro;
}

/*
 * What a domain may use.  Memory: its RAM (pages of the RAM memfd it
 * touches are charged to it) and SV_DOMAIN_MEMORY_OVERHEAD for the process
 * itself -- heap, stacks, page tables, the image copy and, in the ASan
 * build the tests run, shadow memory and the allocator's quarantine (see
 * docs/architecture.md for what was measured).  Tasks: threads, as a
 * domain has no other processes (pids.max, and RLIMIT_NPROC, which counts
 * the tasks of its uid, its alone).  Descriptors: RLIMIT_NOFILE.
 */
#define SANDBOX_MAX_TASKS 64
#define SANDBOX_MAX_FILES 1024

/* Writes value to file name of cgroup dir; a file the kernel lacks (swap
 * accounting off) is not an error when optional. */
static int cgroup_set(const char *dir, const char *name, unsigned long long value, bool optional)
{
    char path[320], text[24];
    int fd, err;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return optional && errno == ENOENT ? 0 : -errno;
    err = sv_write_full(fd, text, (size_t)snprintf(text, sizeof(text), "%llu", value));
    close(fd);
    return err;
}

static int cgroup_limit(const struct domain *d, const char *controller, int version,
                        const char *dir)
{
    unsigned long long memory = d->memory_kb * 1024 + SV_DOMAIN_MEMORY_OVERHEAD;
    int err = 0;

    if (!strcmp(controller, "memory") && version == 1) {
        err = cgroup_set(dir, "memory.limit_in_bytes", memory, false);
        if (!err)
            err = cgroup_set(dir, "memory.memsw.limit_in_bytes", memory, true);
    } else if (!strcmp(controller, "memory")) {
        err = cgroup_set(dir, "memory.max", memory, false);
        if (!err)
            err = cgroup_set(dir, "memory.swap.max", 0, true);
    } else if (!strcmp(controller, "pids")) {
        err = cgroup_set(dir, "pids.max", SANDBOX_MAX_TASKS, false);
    }
    /* cpu: the default weight, the same as every other domain's, however
     * many threads each runs. */
    return err;
}

/* Why domains have no cgroups with controllers, when the start found out
 * (sandbox_cgroups_init): said again in the log at the first domain. */
static char cgroups_why[640];

void sandbox_cgroups_init(void)
{
    char own[256];
    pid_t other = 0;
    int err = -ENOENT;

    for (size_t i = 0; err == -ENOENT && i < SV_CGROUP_NCONTROLLERS; i++)
        if (sv_cgroup_dir(getpid(), sv_cgroup_controllers[i], own, sizeof(own)) == 2)
            err = sv_cgroup_delegate(own, sv_cgroup_controllers, SV_CGROUP_NCONTROLLERS, getpid(),
                                     &other);
    if (err > 0)
        log_info("cgroup v2: host daemons in %s/%s, %d controllers for domains", own,
                 SV_CGROUP_HOST, err);
    else if (other)
        snprintf(cgroups_why, sizeof(cgroups_why),
                 "cgroup v2: %s also holds pid %d, which splitvisor did not start, so it "
                 "cannot hand memory, pids and cpu to domains: they run with rlimits only; "
                 "start splitvisor.service (Delegate=yes) or run `systemd-run --scope -p "
                 "Delegate=yes splitvisor start`",
                 own, (int)other);
    else if (err != -ENOENT)
        snprintf(cgroups_why, sizeof(cgroups_why),
                 "cgroup v2: cannot make %s a parent of domains' cgroups (%s): domains run with "
                 "rlimits only",
                 own, strerror(-err));
    if (cgroups_why[0])
        log_warnx("%s", cgroups_why);
}

/* Makes d's cgroup for controller beside ours (once per directory).  Its
 * name has the domid besides the name, so that a domain created under the
 * name of one just destroyed does not wait for the cgroup of the dead one,
 * whose killed tasks may take a while to exit (cgreap.c). */
static int cgroup_make(struct domain *d, const char *controller)
{
    char parent[256], dir[256];
    int version = sv_cgroup_dir(getpid(), controller, parent, sizeof(parent));
    char *leaf = strrchr(parent, '/');
    bool made = false;

    if (version < 0)
        return version;
    /* v2: beside the leaf the start moved us to, not in it. */
    if (version == 2 && leaf && !strcmp(leaf + 1, SV_CGROUP_HOST))
        *leaf = '\0';
    if (snprintf(dir, sizeof(dir), "%s/%s.%u", parent, d->netns, d->domid) >= (int)sizeof(dir))
        return -ENAMETOOLONG;
    for (unsigned i = 0; i < d->ncgroups; i++)
        made |= !strcmp(d->cgroups[i], dir);
    if (!made) {
        /* A leftover of an instance that died: it holds no process. */
        if (mkdir(dir, 0755) < 0 && (errno != EEXIST || rmdir(dir) < 0 || mkdir(dir, 0755) < 0))
            return -errno;
        snprintf(d->cgroups[d->ncgroups++], sizeof(d->cgroups[0]), "%s", dir);
    }
    return cgroup_limit(d, controller, version, dir);
}

/* A host without these controllers (or that does not let us use them)
 * runs domains with the rlimits only: said once. */
static int sandbox_cgroups_make(struct domain *d)
{
    static bool warned;
    int err = 0;

    for (size_t i = 0; !err && i < SV_CGROUP_NCONTROLLERS; i++) {
        err = cgroup_make(d, sv_cgroup_controllers[i]);
        if (err == -ENOENT || err == -EBUSY || err == -EACCES || err == -EROFS) {
            if (!warned && cgroups_why[0])
                log_warnx("%s", cgroups_why);
            else if (!warned)
                log_warnx("no %s cgroup for domains: %s (docs/architecture.md)",
                          sv_cgroup_controllers[i], strerror(-err));
            warned = true;
            err = 0;
        }
    }
    return err;
}

/* In the child: into its cgroups first, so everything it allocates from
 * here on (the image copy too) is charged to it. */
static int cgroups_join(const struct domain *d)
{
    for (unsigned i = 0; i < d->ncgroups; i++) {
        char path[320];
        int fd;

        snprintf(path, sizeof(path), "%s/cgroup.procs", d->cgroups[i]);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
            return -1;
        close(fd);
    }
    return 0;
}

static int set_limits(void)
{
    const struct {
        int resource;
        rlim_t value;
    } limits[] = {
        {RLIMIT_NOFILE, SANDBOX_MAX_FILES},
        {RLIMIT_NPROC, SANDBOX_MAX_TASKS},
        {RLIMIT_CORE, 0},
    };

    for (size_t i = 0; i < ARRAY_SIZE(limits); i++)
        if (setrlimit(limits[i].resource, &(struct rlimit){limits[i].value, limits[i].value}) < 0)
            return -1;
    return 0;
}

/* fs.suid_dumpable 1 would make an exec of the exec-only image dumpable
 * (0 and 2 leave it not dumpable to anyone without CAP_SYS_PTRACE). */
static bool exec_keeps_undumpable(void)
{
    char value = '0';
    int fd = open("/proc/sys/fs/suid_dumpable", O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        if (read(fd, &value, 1) != 1)
            value = '1';
        close(fd);
    }
    return value != '1';
}

/* Binds src at dst (both ours), read-only. */
static int bind_ro(const char *src, const char *dst)
{
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
        return -1;
    return mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
}

/* Gives the new root what the host has at `path` (relative to /): the same
 * symbolic link, or the directory bound read-only; nothing if it has none. */
static int mirror_host_dir(const char *path)
{
    char host[64], target[256];
    ssize_t n;

    snprintf(host, sizeof(host), "/%s", path);
    n = readlink(host, target, sizeof(target) - 1);
    if (n >= 0) {
        target[n] = '\0';
        return symlink(target, path);
    }
    if (errno == ENOENT)
        return 0;
    if (mkdir(path, 0755) < 0)
        return -1;
    return bind_ro(host, path);
}

/* Binds the host's file `host` at the same path (relative) inside the new root. */
static int bind_file(const char *host, bool read_only)
{
    const char *path = host + 1;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0)
        return -1;
    close(fd);
    if (read_only)
        return bind_ro(host, path);
    return mount(host, path, NULL, MS_BIND, NULL);
}

/* Where the new root is built, in the child's own mount namespace (the host
 * keeps its /tmp). */
#define SANDBOX_ROOT_AT "/tmp"

/*
 * The domain's root: a small tmpfs, read-only once built, holding the host's
 * /usr (libraries, the dynamic loader) and /lib* links read-only, our
 * libraries at SANDBOX_LIBDIR, /etc/ld.so.cache, /dev/null, zero, full,
 * random and urandom, and a /proc that shows the domain itself and nothing
 * else (hidepid: processes it may not ptrace, i.e. all others, are absent).
 * No /run, /tmp, /sys, /home or rest of /etc: no host socket (the control
 * socket, xenstored's), no run directory, no other domain's files.
 */
static int sandbox_root(void)
{
    static const char *const libdirs[] = {"lib", "lib64", "lib32", "libx32"};
    static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                          "/dev/urandom"};
    char ours[64];
    int lib, err = -1;

    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -1;
    /* Our libraries may live under SANDBOX_ROOT_AT: reach them by an fd
     * (opened in the new namespace: a bind takes its source from there). */
    lib = open(hv.image_libdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (lib < 0)
        return -1;
    snprintf(ours, sizeof(ours), "/proc/self/fd/%d", lib);
    if (mount("sv-root", SANDBOX_ROOT_AT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=64k,mode=0755") < 0 ||
        chdir(SANDBOX_ROOT_AT) < 0)
        goto out;
    if (mkdir("usr", 0755) < 0 || bind_ro("/usr", "usr") < 0)
        goto out;
    for (size_t i = 0; i < sizeof(libdirs) / sizeof(libdirs[0]); i++)
        if (mirror_host_dir(libdirs[i]) < 0)
            goto out;
    if (mkdir("etc", 0755) < 0 ||
        (access("/etc/ld.so.cache", F_OK) == 0 && bind_file("/etc/ld.so.cache", true) < 0))
        goto out;
    if (mkdir("dev", 0755) < 0)
        goto out;
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
        if (bind_file(devices[i], false) < 0)
            goto out;
    if (mkdir("splitvisor", 0755) < 0 || mkdir(SANDBOX_LIBDIR + 1, 0755) < 0 ||
        bind_ro(ours, SANDBOX_LIBDIR + 1) < 0)
        goto out;
    if (mkdir("proc", 0555) < 0 ||
        mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible") < 0)
        goto out;
    /* pivot_root(".", "."): the old root ends up on top, unmounted at once. */
    if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        goto out;
    err = mount(NULL, "/", NULL,
                MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
out:
    close(lib);
    return err;
}

/*
 * In the child: never returns.  Errors go to the console pipe (stderr).
 *
 * Not dumpable is what keeps /proc/PID/mem, fd, map_files and ptrace closed
 * to processes of the same uid; exec resets it to dumpable unless the image
 * is unreadable to the new uid, hence the exec-only copy; seccomp then keeps
 * the domain from setting it back (prctl) or exec'ing something readable.
 */
static void sandbox_child(const struct domain *d, int netns_fd, const struct sandbox_fds *fds,
                          char *const argv[], char *const envp[])
{
    const char *step = "setns";
    int image, listener, err;

    if (setns(netns_fd, CLONE_NEWNET) < 0)
        goto fail;
    close(netns_fd);
    step = "cgroups";
    if (cgroups_join(d) < 0)
        goto fail;
    step = "fs.suid_dumpable is 1, so the image would run dumpable";
    errno = EPERM;
    if (!exec_keeps_undumpable())
        goto fail;
    step = "image";
    image = exec_only_copy(fds->kernel);
    if (image < 0)
        goto fail;
    step = "fds";
    if (place_fd(fds->console_in, STDIN_FILENO) < 0 || dup2(fds->console_out, STDOUT_FILENO) < 0 ||
        dup2(fds->console_out, STDERR_FILENO) < 0 || place_fd(fds->hcall, 3) < 0 ||
        dup3(image, SANDBOX_IMAGE_FD, O_CLOEXEC) < 0)
        goto fail;
    close_range(SANDBOX_IMAGE_FD + 1, ~0U, 0);
    step = "mount namespace";
    if (sandbox_root() < 0)
        goto fail;
    step = "rlimits";
    if (set_limits() < 0)
        goto fail;
    step = "uid";
    if (setsid() < 0 || setgroups(0, NULL) < 0 || setresgid(d->uid, d->uid, d->uid) < 0 ||
        setresuid(d->uid, d->uid, d->uid) < 0)
        goto fail;
    step = "prctl";
    if (prctl(PR_SET_DUMPABLE, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        goto fail;
    step = "seccomp";
    err = seccomp_install(&listener);
    if (!err && listener != SANDBOX_NOTIFY_FD &&
        (dup3(listener, SANDBOX_NOTIFY_FD, O_CLOEXEC) < 0 || close(listener) < 0))
        err = -errno;
    if (err) {
        errno = -err;
        goto fail;
    }
    raise(SIGSTOP); /* created paused */
    step = "execve";
    syscall(SYS_execveat, SANDBOX_IMAGE_FD, "", argv, envp, AT_EMPTY_PATH);
fail:
    dprintf(STDERR_FILENO, "splitvisor: domain %u: %s: %s\n", d->domid, step, strerror(errno));
    _exit(127);
}

static char **domain_env(const struct domain *d)
{
    static char vars[5][320];
    static char *envp[6];
    const char *level = getenv("SV_LOG_LEVEL");
    int n = 0;

    snprintf(vars[n], sizeof(vars[n]), "%s=3", SV_HCALL_FD_ENV), envp[n] = vars[n], n++;
    snprintf(vars[n], sizeof(vars[n]), "LD_LIBRARY_PATH=%s", SANDBOX_LIBDIR), envp[n] = vars[n],
                                                                              n++;
    snprintf(vars[n], sizeof(vars[n]), "PATH=/usr/sbin:/usr/bin:/sbin:/bin"), envp[n] = vars[n],
                                                                              n++;
    snprintf(vars[n], sizeof(vars[n]), "SV_DOMAIN_NAME=%s", d->name), envp[n] = vars[n], n++;
    if (level)
        snprintf(vars[n], sizeof(vars[n]), "SV_LOG_LEVEL=%s", level), envp[n] = vars[n], n++;
    envp[n] = NULL;
    return envp;
}

/* The domain's first execveat: its image, from our child's code.  Let it
 * through and close the listener: every later one fails (ENOSYS). */
static void sandbox_first_exec(evutil_socket_t fd, short what, void *arg)
{
    struct domain *d = arg;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;

    (void)what;
    /* Readable may only mean the child is gone (POLLHUP), and receiving
     * then would block. */
    if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) && seccomp_notify_alloc(&req, &resp) == 0 &&
        seccomp_notify_receive(fd, req) == 0) {
        resp->id = req->id;
        if (req->pid == (uint32_t)d->pid)
            resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        else
            resp->error = -EPERM;
        if (seccomp_notify_respond(fd, resp) < 0)
            log_warnx("domain %u: its image did not start (seccomp)", d->domid);
    }
    if (req)
        seccomp_notify_free(req, resp);
    event_free(d->exec_ev);
    d->exec_ev = NULL;
    close(d->exec_fd);
    d->exec_fd = -1;
}

/* After the child stopped: its pidfd and the listener of its first exec. */
static int sandbox_watch(struct domain *d)
{
    d->pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
    if (d->pidfd < 0)
        return -errno;
    d->exec_fd = (int)syscall(SYS_pidfd_getfd, d->pidfd, SANDBOX_NOTIFY_FD, 0);
    if (d->exec_fd < 0)
        return -errno;
    d->exec_ev = event_new(hv.base, d->exec_fd, EV_READ, sandbox_first_exec, d);
    if (!d->exec_ev || event_add(d->exec_ev, NULL) < 0)
        return -ENOMEM;
    return 0;
}

int sandbox_spawn(struct domain *d, const struct sandbox_fds *fds, char *const argv[])
{
    char path[128];
    char **envp = domain_env(d);
    int netns_fd, status, err;
    pid_t pid;

    err = sandbox_cgroups_make(d);
    if (err)
        return err;
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
    return sandbox_watch(d);
}

void sandbox_release(struct domain *d)
{
    if (d->exec_ev)
        event_free(d->exec_ev);
    d->exec_ev = NULL;
    if (d->exec_fd >= 0)
        close(d->exec_fd);
    d->exec_fd = -1;
    /* Called once the process is gone: what else it holds (programs xl
     * exec started in it) ends with it, without the loop waiting. */
    for (unsigned i = 0; i < d->ncgroups; i++)
        cgreap_add(d->cgroups[i], d->domid);
    d->ncgroups = 0;
}

/*
 * Each running instance owns a range of UID_RANGE uids (a domain runs as
 * base + domid): the first range whose lock file under UID_LOCKDIR it can
 * flock.  The lock lives as long as the hypervisor (the fd is never closed;
 * the kernel drops it when the process ends, even killed), and its domains
 * die with it (PR_SET_PDEATHSIG), so two live instances never share a uid.
 */
#define UID_FIRST   100000000u
#define UID_RANGE   65536u
#define UID_RANGES  4096u
#define UID_LOCKDIR "/run/splitvisor-uids"

int sandbox_reserve_uids(uid_t *base)
{
    char path[64];

    if (mkdir(UID_LOCKDIR, 0700) < 0 && errno != EEXIST)
        return -errno;
    for (unsigned i = 0; i < UID_RANGES; i++) {
        int fd, err;

        snprintf(path, sizeof(path), "%s/%u", UID_LOCKDIR, i);
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *base = UID_FIRST + i * UID_RANGE;
            return 0; /* fd kept: the lock is ours for life */
        }
        err = errno;
        close(fd);
        if (err != EWOULDBLOCK)
            return -err;
    }
    return -EUSERS;
}
