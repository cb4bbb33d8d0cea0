/*
 * Unit tests of the hypercall dispatcher (channel.c) over a real socket
 * pair and a real event loop, with every handler replaced by a recorder:
 * what reaches a handler, what a malformed or unauthorised request gets
 * back, and which requests cost the sender its channel.
 */
#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../fdreap.h"
#include "../hypercalls.h"
#include "sv/log.h"
#include "sv/msg.h"

struct hv hv;

static struct {
    const char *called; /* the handler last called */
    size_t arg_len;
    int ret; /* what the handlers answer */
    int released;
    int reaped;
    bool defer;         /* the handlers defer their reply */
    struct channel *ch; /* the channel of the call last deferred */
    int marked_up;      /* domain_mark_up() calls */
    int cancelled;      /* wait_cancel() of a channel that waited */
} rec;

#define HC_STUB(name, op, cmd, type, max, dom0)                                                    \
    int hc_##name(struct hc_ctx *ctx)                                                              \
    {                                                                                              \
        rec.called = #name;                                                                        \
        rec.arg_len = ctx->arg_len;                                                                \
        if (rec.defer) {                                                                           \
            rec.ch = ctx->ch;                                                                      \
            ctx->ch->wait = (struct hc_wait *)&rec; /* opaque here: any non-NULL, it waits */      \
            channel_defer(ctx);                                                                    \
        }                                                                                          \
        return rec.ret;                                                                            \
    }
SV_HYPERCALLS(HC_STUB)
#undef HC_STUB

struct domain *domain_find(domid_t domid)
{
    (void)domid;
    return NULL;
}

void domain_release_owner(struct domain *d, const void *owner)
{
    (void)d, (void)owner;
    rec.released++;
}

void domain_mark_up(struct domain *d)
{
    d->up = true;
    rec.marked_up++;
}

void wait_cancel(struct channel *ch)
{
    rec.cancelled += ch->wait != NULL;
    ch->wait = NULL;
}

void fdreap_close(const int *fds, int n)
{
    msg_close_fds(fds, n);
    rec.reaped++;
}

struct fixture {
    struct domain dom;
    int client;
};

static int setup_as(void **state, domid_t domid)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    int sv[2];

    memset(&rec, 0, sizeof(rec));
    hv.base = event_base_new();
    quota_init(&hv.quota, 1000, 1000);
    if (!f || !hv.base || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    f->dom.domid = domid;
    f->dom.state = DOMAIN_RUNNING;
    f->client = sv[1];
    if (channel_add(sv[0], &f->dom, 0) < 0)
        return -1;
    *state = f;
    return 0;
}

static int setup_dom0(void **state)
{
    return setup_as(state, 0);
}

static int setup_domu(void **state)
{
    return setup_as(state, 7);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    channel_close_domain(&f->dom);
    close(f->client);
    event_base_free(hv.base);
    test_free(f);
    return 0;
}

/* Sends a request with len bytes of arguments and serves it: the reply's
 * ret, or 1 when the hypervisor closed the channel instead. */
static int call(struct fixture *f, uint32_t op, uint32_t cmd, uint32_t count, size_t len)
{
    static char args[SV_HC_MAX_MSG];
    struct hc_request req = {op, cmd, count, (uint32_t)len};
    union {
        struct hc_reply rep;
        char bytes[SV_HC_MAX_MSG];
    } in;
    ssize_t n;

    memset(args, 0x5a, len);
    assert_int_equal(msg_send(f->client, &req, sizeof(req), args, len, NULL, 0, 0), 0);
    event_base_loop(hv.base, EVLOOP_ONCE);
    n = msg_recv(f->client, &in, sizeof(in), NULL, NULL);
    if (n == 0)
        return 1;
    assert_true(n >= (ssize_t)sizeof(in.rep));
    assert_int_equal(in.rep.len, (size_t)n - sizeof(in.rep));
    if (in.rep.ret >= 0)
        for (size_t i = 0; i < in.rep.len; i++)
            assert_int_equal((unsigned char)in.bytes[sizeof(in.rep) + i], 0x5a);
    else
        assert_int_equal(in.rep.len, 0);
    return in.rep.ret;
}

static void a_well_formed_call_reaches_its_handler(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(
        call(f, __HYPERVISOR_event_channel_op, EVTCHNOP_send, 1, sizeof(evtchn_send_t)), 0);
    assert_string_equal(rec.called, "evtchn_send");
    assert_int_equal(rec.arg_len, sizeof(evtchn_send_t));
}

static void a_batch_up_to_its_limit_is_one_call(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(
        call(f, __HYPERVISOR_grant_table_op, GNTTABOP_copy, 1024, 1024 * sizeof(gnttab_copy_t)), 0);
    assert_string_equal(rec.called, "gnttab_copy");
    assert_int_equal(rec.arg_len, 1024 * sizeof(gnttab_copy_t));
}

/* Requests the dispatcher refuses before any handler sees them. */
static void malformed_requests_get_an_error(void **state)
{
    static const struct {
        const char *why;
        uint32_t op, cmd, count;
        size_t len;
        int ret;
    } cases[] = {
        {"unknown op", 0x7fff, 0, 1, 0, -ENOSYS},
        {"unknown sub-op", __HYPERVISOR_event_channel_op, 0x7fff, 1, 8, -ENOSYS},
        {"no argument", __HYPERVISOR_event_channel_op, EVTCHNOP_send, 0, 0, -EINVAL},
        {"a batch of a plain call", __HYPERVISOR_event_channel_op, EVTCHNOP_send, 2,
         2 * sizeof(evtchn_send_t), -EINVAL},
        {"over the batch limit", __HYPERVISOR_grant_table_op, GNTTABOP_copy, 1025,
         1025 * sizeof(gnttab_copy_t), -EINVAL},
        {"short argument", __HYPERVISOR_event_channel_op, EVTCHNOP_send, 1,
         sizeof(evtchn_send_t) - 1, -EINVAL},
        {"trailing bytes", __HYPERVISOR_event_channel_op, EVTCHNOP_send, 1,
         sizeof(evtchn_send_t) + 1, -EINVAL},
    };
    struct fixture *f = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rec.called = NULL;
        if (call(f, cases[i].op, cases[i].cmd, cases[i].count, cases[i].len) != cases[i].ret)
            fail_msg("%s: not %d", cases[i].why, cases[i].ret);
        if (rec.called)
            fail_msg("%s: reached %s", cases[i].why, rec.called);
    }
}

static void a_handler_error_returns_no_results(void **state)
{
    struct fixture *f = *state;

    rec.ret = -ENOENT;
    assert_int_equal(
        call(f, __HYPERVISOR_event_channel_op, EVTCHNOP_status, 1, sizeof(evtchn_status_t)),
        -ENOENT); /* call() checks the reply carries nothing */
}

static void dom0_only_calls_are_refused_to_domains(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(call(f, SV_HC_domctl, SV_DOMCTL_destroy, 1, sizeof(struct sv_domctl)), -EPERM);
    assert_null(rec.called);
    assert_int_equal(
        call(f, SV_HC_sysctl, SV_SYSCTL_physinfo, 1, sizeof(struct sv_sysctl_physinfo)), 0);
    assert_string_equal(rec.called, "sysctl_physinfo");
}

static void dom0_may_make_them(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(call(f, SV_HC_domctl, SV_DOMCTL_destroy, 1, sizeof(struct sv_domctl)), 0);
    assert_string_equal(rec.called, "domctl_destroy");
}

/* A domain is up at its first call, whatever the call. */
static void a_domains_first_call_marks_it_up(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(call(f, SV_HC_domctl, SV_DOMCTL_destroy, 1, sizeof(struct sv_domctl)), -EPERM);
    assert_true(f->dom.up);
    assert_int_equal(
        call(f, SV_HC_sysctl, SV_SYSCTL_physinfo, 1, sizeof(struct sv_sysctl_physinfo)), 0);
    assert_int_equal(rec.marked_up, 1);
}

/* Sends a wait_up that the handler defers; 0 once it is deferred. */
static int call_deferred(struct fixture *f)
{
    struct hc_request req = {SV_HC_domctl, SV_DOMCTL_wait_up, 1, sizeof(struct sv_domctl_wait)};
    struct sv_domctl_wait w = {.domid = 3, .timeout_ms = 100};

    assert_int_equal(msg_send(f->client, &req, sizeof(req), &w, sizeof(w), NULL, 0, 0), 0);
    event_base_loop(hv.base, EVLOOP_NONBLOCK);
    return rec.ch ? 0 : -1;
}

/* Non-blocking read of the client's reply: its ret, or 1 for none yet. */
static int reply_now(struct fixture *f, size_t *len)
{
    union {
        struct hc_reply rep;
        char bytes[SV_HC_MAX_MSG];
    } in;
    ssize_t n = recv(f->client, &in, sizeof(in), MSG_DONTWAIT);

    if (n < 0 && errno == EAGAIN)
        return 1;
    assert_true(n >= (ssize_t)sizeof(in.rep));
    *len = in.rep.len;
    return in.rep.ret;
}

/* A deferred call gets no reply, and its channel is not read, until its
 * answer; then the channel serves again.  The hypervisor and dom0's own
 * calls never count as a domain coming up. */
static void a_deferred_call_is_answered_later(void **state)
{
    struct fixture *f = *state;
    struct sv_domctl_wait w = {.domid = 3, .timeout_ms = 100};
    size_t len = 0;

    rec.defer = true;
    assert_int_equal(call_deferred(f), 0);
    assert_string_equal(rec.called, "domctl_wait_up");
    assert_int_equal(reply_now(f, &len), 1);
    /* A second request waits unread behind the first. */
    rec.called = NULL;
    rec.defer = false;
    assert_int_equal(call_deferred(f), 0);
    assert_null(rec.called);
    rec.ch->wait = NULL;
    channel_answer(rec.ch, -ETIMEDOUT, &w, sizeof(w));
    assert_int_equal(reply_now(f, &len), -ETIMEDOUT);
    assert_int_equal(len, 0);
    event_base_loop(hv.base, EVLOOP_NONBLOCK);
    assert_string_equal(rec.called, "domctl_wait_up");
    assert_int_equal(reply_now(f, &len), 0);
    assert_int_equal(len, sizeof(w));
    assert_false(f->dom.up);
    assert_int_equal(rec.marked_up, 0);
}

/* A channel that goes while its call waits drops the wait. */
static void a_waiting_channel_that_goes_drops_its_wait(void **state)
{
    struct fixture *f = *state;

    rec.defer = true;
    assert_int_equal(call_deferred(f), 0);
    channel_close_domain(&f->dom);
    assert_int_equal(rec.cancelled, 1);
    assert_int_equal(f->dom.nchannels, 0);
}

/* Less than a request header is no request: the channel goes (and what the
 * domain owned through it), the hypervisor stays. */
static void a_runt_costs_the_channel(void **state)
{
    struct fixture *f = *state;
    char runt[4] = {0};
    char buf[16];

    assert_int_equal(msg_send(f->client, runt, sizeof(runt), NULL, 0, NULL, 0, 0), 0);
    event_base_loop(hv.base, EVLOOP_ONCE);
    assert_int_equal(msg_recv(f->client, buf, sizeof(buf), NULL, NULL), 0);
    assert_int_equal(rec.released, 1);
    assert_int_equal(f->dom.nchannels, 0);
}

/* Domains may not pass descriptors: the socket refuses them (Linux 6.16's
 * SO_PASSRIGHTS), or else they are closed off the loop and the channel goes. */
static void a_domain_sending_descriptors_is_refused(void **state)
{
    struct fixture *f = *state;
    struct hc_request req = {__HYPERVISOR_event_channel_op, EVTCHNOP_send, 1,
                             sizeof(evtchn_send_t)};
    evtchn_send_t arg = {0};
    int fd = dup(0), err;
    char buf[16];

    err = msg_send(f->client, &req, sizeof(req), &arg, sizeof(arg), &fd, 1, 0);
    close(fd);
    if (err == -EPERM)
        return;
    assert_int_equal(err, 0);
    event_base_loop(hv.base, EVLOOP_ONCE);
    assert_int_equal(msg_recv(f->client, buf, sizeof(buf), NULL, NULL), 0);
    assert_int_equal(rec.reaped, 1);
    assert_null(rec.called);
}

static void a_domain_has_a_bounded_number_of_channels(void **state)
{
    struct fixture *f = *state;
    int sv[2];

    while (f->dom.nchannels < DOMAIN_MAX_CHANNELS) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
        assert_int_equal(channel_add(sv[0], &f->dom, 0), 0);
        close(sv[1]);
    }
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    assert_int_equal(channel_add(sv[0], &f->dom, 0), -EMFILE);
    assert_int_equal(fcntl(sv[0], F_GETFD), -1); /* closed for us */
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_well_formed_call_reaches_its_handler, setup_domu,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_batch_up_to_its_limit_is_one_call, setup_domu, teardown),
        cmocka_unit_test_setup_teardown(malformed_requests_get_an_error, setup_domu, teardown),
        cmocka_unit_test_setup_teardown(a_handler_error_returns_no_results, setup_domu, teardown),
        cmocka_unit_test_setup_teardown(dom0_only_calls_are_refused_to_domains, setup_domu,
                                        teardown),
        cmocka_unit_test_setup_teardown(dom0_may_make_them, setup_dom0, teardown),
        cmocka_unit_test_setup_teardown(a_domains_first_call_marks_it_up, setup_domu, teardown),
        cmocka_unit_test_setup_teardown(a_deferred_call_is_answered_later, setup_dom0, teardown),
        cmocka_unit_test_setup_teardown(a_waiting_channel_that_goes_drops_its_wait, setup_dom0,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_runt_costs_the_channel, setup_domu, teardown),
        cmocka_unit_test_setup_teardown(a_domain_sending_descriptors_is_refused, setup_domu,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_domain_has_a_bounded_number_of_channels, setup_domu,
                                        teardown),
    };

    log_init("test_channel");
    log_set_level(LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
