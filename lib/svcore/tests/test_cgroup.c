/* Unit tests: sv_cgroup_kill empties a real cgroup, v2 (cgroup.kill) and v1
 * (SIGKILL to each listed process); sv_cgroup_delegate against a fake tree
 * of plain files and against the kernel's v2 rules (with hugetlb, the one
 * controller this test host's v2 hierarchy has).  The real cgroups need
 * root; skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv/cgroup.h"

/* Two processes in dir: a child and, after it forks, its orphan (a daemon
 * that left its parent, as `iperf3 -D` does).  Returns the child. */
static pid_t fill(const char *dir, pid_t *orphan)
{
    char procs[600], text[16];
    int p[2];
    pid_t pid;
    FILE *f;

    snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pid_t grandchild;

        f = fopen(procs, "w");
        if (!f || fprintf(f, "0") < 0 || fclose(f))
            _exit(1);
        grandchild = fork();
        if (grandchild == 0) {
            setsid();
            pause();
            _exit(0);
        }
        snprintf(text, sizeof(text), "%d", (int)grandchild);
        (void)!write(p[1], text, strlen(text));
        pause();
        _exit(0);
    }
    close(p[1]);
    memset(text, 0, sizeof(text));
    assert_true(read(p[0], text, sizeof(text) - 1) > 0);
    close(p[0]);
    *orphan = atoi(text);
    return pid;
}

/* Gone, or a zombie until its new parent (init) reaps it. */
static bool dead(pid_t pid)
{
    char path[64], buf[256], *p;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return true;
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    return p && (p = strrchr(buf, ')')) && p[2] == 'Z';
}

static void empties(const char *dir)
{
    pid_t orphan, child = fill(dir, &orphan);
    int status, n, tries = 0;

    while ((n = sv_cgroup_kill(dir)) > 0 && tries++ < 200)
        usleep(5000);
    assert_int_equal(n, 0);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (int i = 0; i < 100 && !dead(orphan); i++)
        usleep(10000);
    assert_true(dead(orphan));
    assert_int_equal(rmdir(dir), 0);
}

static void test_v2(void **state)
{
    char mnt[] = "/tmp/sv-cg2.XXXXXX", dir[64];

    (void)state;
    if (geteuid() != 0)
        skip();
    assert_non_null(mkdtemp(mnt));
    if (mount("none", mnt, "cgroup2", 0, NULL) < 0) {
        rmdir(mnt);
        skip(); /* no cgroup2 in this kernel or container */
    }
    snprintf(dir, sizeof(dir), "%s/sv-unit-%d", mnt, (int)getpid());
    assert_int_equal(mkdir(dir, 0755), 0);
    empties(dir);
    umount(mnt);
    rmdir(mnt);
}

static void test_v1(void **state)
{
    char parent[512], dir[600];

    (void)state;
    if (geteuid() != 0 || sv_cgroup_dir(getpid(), "pids", parent, sizeof(parent)) != 1)
        skip();
    snprintf(dir, sizeof(dir), "%s/sv-unit-%d", parent, (int)getpid());
    assert_int_equal(mkdir(dir, 0755), 0);
    empties(dir);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void expect(const char *dir, const char *name, const char *text)
{
    char path[600], got[256] = "";
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    assert_non_null(f);
    if (!fgets(got, sizeof(got), f))
        got[0] = '\0';
    fclose(f);
    assert_string_equal(got, text);
}

/* The fake tree, removed by fake_teardown even when an assertion failed. */
static char fake_own[32];

/* A fake cgroup own as the kernel shows it: its sv-host already made
 * (the kernel makes the files of a new cgroup; plain files do not). */
static void fake_tree(char *own, const char *controllers, const char *procs)
{
    char host[600];

    assert_non_null(mkdtemp(own));
    snprintf(fake_own, sizeof(fake_own), "%s", own);
    put(own, "cgroup.controllers", controllers);
    put(own, "cgroup.procs", procs);
    put(own, "cgroup.subtree_control", "");
    snprintf(host, sizeof(host), "%s/%s", own, SV_CGROUP_HOST);
    assert_int_equal(mkdir(host, 0755), 0);
    put(host, "cgroup.procs", "");
}

static void fake_remove(const char *own)
{
    char cmd[700];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", own);
    assert_int_equal(system(cmd), 0);
    fake_own[0] = '\0';
}

static int fake_teardown(void **state)
{
    (void)state;
    if (fake_own[0])
        fake_remove(fake_own);
    return 0;
}

/* sv_cgroup_delegate for pid 4242 on a fake tree. */
static int delegate_fake(char *own, const char *controllers, const char *procs, pid_t *other)
{
    fake_tree(own, controllers, procs);
    return sv_cgroup_delegate(own, sv_cgroup_controllers, SV_CGROUP_NCONTROLLERS, 4242, other);
}

/* Nothing moved to sv-host, nothing enabled. */
static void expect_untouched(const char *own)
{
    char host[600];

    snprintf(host, sizeof(host), "%s/%s", own, SV_CGROUP_HOST);
    expect(host, "cgroup.procs", "");
    expect(own, "cgroup.subtree_control", "");
}

static void test_delegate_fake(void **state)
{
    char own[] = "/tmp/sv-cgfake.XXXXXX", host[600];
    pid_t other = -1;

    (void)state;
    assert_int_equal(delegate_fake(own, "cpuset cpu io memory hugetlb pids\n", "4242\n", &other),
                     3);
    assert_int_equal(other, 0);
    snprintf(host, sizeof(host), "%s/%s", own, SV_CGROUP_HOST);
    expect(host, "cgroup.procs", "4242");
    expect(own, "cgroup.subtree_control", "+memory +pids +cpu");
    fake_remove(own);
}

/* Only what own offers is asked for; none: nothing moves. */
static void test_delegate_fake_offered(void **state)
{
    char own[] = "/tmp/sv-cgfake.XXXXXX";
    pid_t other = -1;

    (void)state;
    assert_int_equal(delegate_fake(own, "cpu pids\n", "4242\n", &other), 2);
    expect(own, "cgroup.subtree_control", "+pids +cpu");
    fake_remove(own);

    strcpy(own, "/tmp/sv-cgfake.XXXXXX");
    assert_int_equal(delegate_fake(own, "hugetlb io\n", "4242\n", &other), -ENOENT);
    expect_untouched(own);
    fake_remove(own);
}

/* A process we did not start (the shell that ran us) shares our cgroup:
 * refused, named, and nothing moved or enabled. */
static void test_delegate_fake_other(void **state)
{
    char own[] = "/tmp/sv-cgfake.XXXXXX";
    pid_t other = 0;

    (void)state;
    assert_int_equal(delegate_fake(own, "memory pids cpu\n", "777\n4242\n", &other), -EBUSY);
    assert_int_equal(other, 777);
    expect_untouched(own);
    fake_remove(own);
}

/* Writes text to dir/name: 0 or -errno (what the kernel said). */
static int cg_write(const char *dir, const char *name, const char *text)
{
    char path[600];
    int fd, err = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    if (write(fd, text, strlen(text)) < 0)
        err = -errno;
    close(fd);
    return err;
}

/* A child in cgroup dir that waits for a byte on *go (or dies). */
static pid_t child_in(const char *dir, int *go)
{
    int p[2];
    pid_t pid;
    char c;

    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
            _exit(0);
        _exit(100 + c);
    }
    close(p[0]);
    *go = p[1];
    {
        char text[16];

        snprintf(text, sizeof(text), "%d", (int)pid);
        assert_int_equal(cg_write(dir, "cgroup.procs", text), 0);
    }
    return pid;
}

/* What test_delegate_kernel made, undone by kernel_teardown even when an
 * assertion failed half-way. */
static struct {
    char mnt[32], top[64], own[96], host[128];
    bool mounted, root_enabled;
    pid_t children[2];
} kt;

static int kernel_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++)
        if (kt.children[i] > 0) {
            kill(kt.children[i], SIGKILL);
            waitpid(kt.children[i], NULL, 0);
        }
    rmdir(kt.host);
    rmdir(kt.own);
    rmdir(kt.top);
    if (kt.root_enabled)
        cg_write(kt.mnt, "cgroup.subtree_control", "-hugetlb");
    if (kt.mounted)
        umount(kt.mnt);
    rmdir(kt.mnt);
    return 0;
}

static void test_delegate_kernel(void **state)
{
    static const char *const hugetlb[] = {"hugetlb"};
    char text[64] = "";
    int go, go2, status;
    pid_t other = 0;
    FILE *f;

    (void)state;
    if (geteuid() != 0)
        skip();
    strcpy(kt.mnt, "/tmp/sv-cg2.XXXXXX");
    assert_non_null(mkdtemp(kt.mnt));
    kt.mounted = mount("none", kt.mnt, "cgroup2", 0, NULL) == 0;
    if (!kt.mounted)
        skip();
    snprintf(kt.top, sizeof(kt.top), "%s/cgroup.subtree_control", kt.mnt);
    f = fopen(kt.top, "r");
    if (f) {
        kt.root_enabled = !(fgets(text, sizeof(text), f) && strstr(text, "hugetlb"));
        fclose(f);
    }
    if (kt.root_enabled && cg_write(kt.mnt, "cgroup.subtree_control", "+hugetlb") < 0) {
        kt.root_enabled = false;
        skip(); /* no hugetlb in this v2 hierarchy */
    }
    snprintf(kt.top, sizeof(kt.top), "%s/sv-unit-deleg-%d", kt.mnt, (int)getpid());
    snprintf(kt.own, sizeof(kt.own), "%s/own", kt.top);
    snprintf(kt.host, sizeof(kt.host), "%s/%s", kt.own, SV_CGROUP_HOST);
    assert_int_equal(mkdir(kt.top, 0755), 0);
    assert_int_equal(cg_write(kt.top, "cgroup.subtree_control", "+hugetlb"), 0);
    assert_int_equal(mkdir(kt.own, 0755), 0);

    /* The rule this works around: no controllers below a cgroup holding a process. */
    kt.children[0] = child_in(kt.own, &go);
    assert_int_equal(cg_write(kt.own, "cgroup.subtree_control", "+hugetlb"), -EBUSY);

    /* Another process beside it: refused, nothing moved. */
    kt.children[1] = child_in(kt.own, &go2);
    assert_int_equal(sv_cgroup_delegate(kt.own, hugetlb, 1, kt.children[0], &other), -EBUSY);
    assert_int_equal(other, kt.children[1]);
    assert_int_equal(access(kt.host, F_OK), -1);
    close(go2);
    assert_int_equal(waitpid(kt.children[1], &status, 0), kt.children[1]);
    kt.children[1] = 0;

    /* Alone: into sv-host, and the kernel enables hugetlb below own. */
    assert_int_equal(sv_cgroup_delegate(kt.own, hugetlb, 1, kt.children[0], &other), 1);
    expect(kt.own, "cgroup.subtree_control", "hugetlb\n");
    snprintf(text, sizeof(text), "%d\n", (int)kt.children[0]);
    expect(kt.host, "cgroup.procs", text);
    expect(kt.own, "cgroup.procs", "");
    close(go);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_delegate_fake, fake_teardown),
        cmocka_unit_test_teardown(test_delegate_fake_offered, fake_teardown),
        cmocka_unit_test_teardown(test_delegate_fake_other, fake_teardown),
        cmocka_unit_test_teardown(test_delegate_kernel, kernel_teardown),
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v1),
    };
    return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
