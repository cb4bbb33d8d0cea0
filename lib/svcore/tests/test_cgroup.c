/* Unit tests: sv_cgroup_kill empties a real cgroup, v2 (cgroup.kill) and v1
 * (SIGKILL to each listed process).  Needs root; skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v1),
    };
    return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
