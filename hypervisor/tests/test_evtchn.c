/* Unit tests: event channel ports, their crossed eventfd doorbells, close semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../evtchn.h"
#include "sv/abi/hypercall.h"

static struct evtchn_space spaces[3];
static shared_info_t shinfo_b;

static struct evtchn_space *resolve(domid_t domid)
{
    return domid < 3 && spaces[domid].ports ? &spaces[domid] : NULL;
}

static int setup(void **state)
{
    (void)state;
    evtchn_set_resolver(resolve);
    memset(&shinfo_b, 0, sizeof(shinfo_b));
    return evtchn_space_init(&spaces[1], 1, NULL) || evtchn_space_init(&spaces[2], 2, &shinfo_b);
}

static int teardown(void **state)
{
    (void)state;
    evtchn_space_destroy(&spaces[1]);
    evtchn_space_destroy(&spaces[2]);
    return 0;
}

static void close_fds(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static bool rang(int efd)
{
    eventfd_t v = 0;

    return eventfd_read(efd, &v) == 0 && v > 0;
}

/* Binds 1:pa (unbound for 2) to 2:pb; returns both ends' fds. */
static void bind_pair(int *pa, int *pb, int fa[2], int fb[2])
{
    *pa = evtchn_alloc_unbound(&spaces[1], 2, NULL, fa);
    assert_true(*pa > 0);
    *pb = evtchn_bind_interdomain(&spaces[2], 1, (evtchn_port_t)*pa, NULL, fb);
    assert_true(*pb > 0);
}

static void test_send_is_a_doorbell_write(void **state)
{
    int pa, pb, fa[2], fb[2];

    (void)state;
    bind_pair(&pa, &pb, fa, fb);
    /* a rings b's doorbell with the fd it already holds, and the other way */
    assert_int_equal(eventfd_write(fa[1], 1), 0);
    assert_true(rang(fb[0]));
    assert_int_equal(eventfd_write(fb[1], 1), 0);
    assert_true(rang(fa[0]));
    close_fds(fa);
    close_fds(fb);
}

static void test_status_and_close(void **state)
{
    int pa, pb, fa[2], fb[2];
    evtchn_status_t st = {.port = 0};

    (void)state;
    bind_pair(&pa, &pb, fa, fb);
    st.port = (evtchn_port_t)pa;
    assert_int_equal(evtchn_status(&spaces[1], &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 2);
    assert_int_equal(st.u.interdomain.port, pb);
    /* closing b leaves a unbound (bindable by 2 again), as Xen does */
    assert_int_equal(evtchn_close(&spaces[2], (evtchn_port_t)pb), 0);
    assert_int_equal(evtchn_status(&spaces[1], &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    st.port = (evtchn_port_t)pb;
    assert_int_equal(evtchn_status(&spaces[2], &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    close_fds(fb);
    /* rebinding reuses the doorbell a already rings */
    pb = evtchn_bind_interdomain(&spaces[2], 1, (evtchn_port_t)pa, NULL, fb);
    assert_true(pb > 0);
    assert_int_equal(eventfd_write(fa[1], 1), 0);
    assert_true(rang(fb[0]));
    close_fds(fa);
    close_fds(fb);
}

/* The peer's domain dying (its space destroyed) is a close of each of its ports. */
static void test_peer_death(void **state)
{
    int pa, pb, fa[2], fb[2];
    evtchn_status_t st;

    (void)state;
    bind_pair(&pa, &pb, fa, fb);
    evtchn_space_destroy(&spaces[2]);
    st = (evtchn_status_t){.port = (evtchn_port_t)pa};
    assert_int_equal(evtchn_status(&spaces[1], &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    /* A send to the dead peer is dropped, as on any unbound port. */
    assert_int_equal(evtchn_send(&spaces[1], (evtchn_port_t)pa), 0);
    close_fds(fa);
    close_fds(fb);
}

static void test_bind_checks(void **state)
{
    int pa, fa[2], fb[2];

    (void)state;
    pa = evtchn_alloc_unbound(&spaces[1], 1, NULL, fa); /* for domain 1 itself */
    assert_int_equal(evtchn_bind_interdomain(&spaces[2], 1, (evtchn_port_t)pa, NULL, fb), -EINVAL);
    assert_int_equal(evtchn_bind_interdomain(&spaces[2], 1, 4095, NULL, fb), -EINVAL);
    assert_int_equal(evtchn_bind_interdomain(&spaces[2], 1, 0, NULL, fb), -EINVAL);
    assert_int_equal(evtchn_bind_interdomain(&spaces[2], 9, 1, NULL, fb), -ESRCH);
    assert_int_equal(evtchn_close(&spaces[1], 0), -EINVAL);
    assert_int_equal(evtchn_close(&spaces[1], SV_EVTCHN_PORTS), -EINVAL);
    close_fds(fa);
}

static void test_virq_raise_sets_pending(void **state)
{
    int fds[2], again[2];
    int port = evtchn_bind_virq(&spaces[2], VIRQ_DOM_EXC, NULL, fds);

    (void)state;
    assert_true(port > 0);
    assert_int_equal(fds[1], -1);
    assert_int_equal(evtchn_bind_virq(&spaces[2], VIRQ_DOM_EXC, NULL, again), -EEXIST);
    evtchn_raise_virq(&spaces[2], VIRQ_DOM_EXC);
    assert_true(rang(fds[0]));
    assert_true(shinfo_b.evtchn_pending[0] & (1UL << port));
    assert_int_equal(evtchn_send(&spaces[2], (evtchn_port_t)port), -EINVAL);
    close(fds[0]);
}

static void test_release_owner(void **state)
{
    int fa[2], fb[2];
    int owner1 = 1, owner2 = 2;
    int p1 = evtchn_alloc_unbound(&spaces[1], 2, &owner1, fa);
    int p2 = evtchn_alloc_unbound(&spaces[1], 2, &owner2, fb);
    evtchn_status_t st = {.port = (evtchn_port_t)p1};

    (void)state;
    evtchn_release_owner(&spaces[1], &owner1);
    assert_int_equal(evtchn_status(&spaces[1], &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    st.port = (evtchn_port_t)p2;
    assert_int_equal(evtchn_status(&spaces[1], &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    close_fds(fa);
    close_fds(fb);
}

/* max_event_channels and the shared budget: each port is charged its
 * doorbells until closed; a refused port leaves nothing charged. */
static void test_port_limits(void **state)
{
    struct quota q = {.limit = 6};
    int fds[2], ports[3];

    (void)state;
    spaces[1].max_port = 2;
    spaces[1].quota = &q;
    for (int i = 0; i < 2; i++) {
        ports[i] = evtchn_alloc_unbound(&spaces[1], 2, NULL, fds);
        assert_true(ports[i] > 0);
        close_fds(fds);
    }
    assert_int_equal(q.used, 4); /* two eventfds each */
    assert_int_equal(evtchn_alloc_unbound(&spaces[1], 2, NULL, fds), -ENOSPC);
    assert_int_equal(evtchn_close(&spaces[1], (evtchn_port_t)ports[0]), 0);
    assert_int_equal(q.used, 2);
    spaces[1].max_port = 100;
    ports[0] = evtchn_alloc_unbound(&spaces[1], 2, NULL, fds);
    close_fds(fds);
    ports[2] = evtchn_bind_virq(&spaces[1], VIRQ_DEBUG, NULL, fds);
    close_fds(fds);
    assert_true(ports[0] > 0 && ports[2] > 0);
    assert_int_equal(q.used, 5); /* a VIRQ has one doorbell */
    assert_int_equal(evtchn_alloc_unbound(&spaces[1], 2, NULL, fds), -ENOSPC);
    assert_int_equal(q.used, 5);
    evtchn_space_destroy(&spaces[1]);
    assert_int_equal(q.used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_is_a_doorbell_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_death, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virq_raise_sets_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_limits, setup, teardown),
    };
    return cmocka_run_group_tests_name("evtchn", tests, NULL, NULL);
}
