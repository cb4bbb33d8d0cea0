/*
 * Unit tests of the hypercall client stubs (sv/hcall.h) against a fake
 * hypervisor on the other end of a socket pair: the reply is queued before
 * the call (a SOCK_SEQPACKET pair keeps it), then the request the stub sent
 * is read back and checked.  What a stub sends, what it takes from a reply,
 * and what it does with a reply that lies.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv/hcall.h"
#include "sv/msg.h"

struct pair {
    int client, hv;
};

static int setup(void **state)
{
    struct pair *p = test_malloc(sizeof(*p));
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    p->client = sv[0];
    p->hv = sv[1];
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    struct pair *p = *state;

    close(p->client);
    close(p->hv);
    test_free(p);
    return 0;
}

/* Queues a reply: ret, len bytes of results (the header says rep_len). */
static void reply(struct pair *p, int32_t ret, uint32_t rep_len, const void *res, size_t len,
                  const int *fds, int nfds)
{
    struct hc_reply rep = {ret, rep_len};

    assert_int_equal(msg_send(p->hv, &rep, sizeof(rep), res, len, fds, nfds, 0), 0);
}

/* The request the stub sent: its header, and its arguments into args. */
static struct hc_request request(struct pair *p, void *args, size_t cap)
{
    char buf[SV_HC_MAX_MSG];
    struct hc_request req;
    ssize_t n = msg_recv(p->hv, buf, sizeof(buf), NULL, NULL);

    assert_true(n >= (ssize_t)sizeof(req));
    memcpy(&req, buf, sizeof(req));
    assert_int_equal(req.len, (size_t)n - sizeof(req));
    assert_true(req.len <= cap);
    memcpy(args, buf + sizeof(req), req.len);
    return req;
}

static void a_call_sends_its_op_and_takes_its_results(void **state)
{
    struct pair *p = *state;
    evtchn_alloc_unbound_t arg = {.dom = DOMID_SELF, .remote_dom = 3}, answer = arg, sent;
    struct hc_request req;

    answer.port = 42;
    reply(p, 0, sizeof(answer), &answer, sizeof(answer), NULL, 0);
    assert_int_equal(hcall_evtchn_alloc_unbound(p->client, &arg), 0);
    assert_int_equal(arg.port, 42);
    req = request(p, &sent, sizeof(sent));
    assert_int_equal(req.op, __HYPERVISOR_event_channel_op);
    assert_int_equal(req.cmd, EVTCHNOP_alloc_unbound);
    assert_int_equal(req.count, 1);
    assert_int_equal(sent.remote_dom, 3);
}

static void a_batch_is_one_request(void **state)
{
    struct pair *p = *state;
    static gnttab_copy_t ops[16], sent[16];
    struct hc_request req;

    reply(p, 0, sizeof(ops), ops, sizeof(ops), NULL, 0);
    assert_int_equal(hcall_gnttab_copy_v(p->client, ops, 16, NULL), 0);
    req = request(p, sent, sizeof(sent));
    assert_int_equal(req.cmd, GNTTABOP_copy);
    assert_int_equal(req.count, 16);
    assert_int_equal(req.len, sizeof(ops));
}

static void the_hypervisors_error_is_the_calls(void **state)
{
    struct pair *p = *state;
    evtchn_send_t arg = {.port = 9}, sent;

    reply(p, -ENOENT, 0, NULL, 0, NULL, 0);
    assert_int_equal(hcall_evtchn_send(p->client, &arg), -ENOENT);
    request(p, &sent, sizeof(sent));
}

static void descriptors_come_back_with_the_reply(void **state)
{
    struct pair *p = *state;
    int pipefd[2], got = -1;
    struct hcall_io io = {.fds_out = &got, .nfds_max = 1};
    uint32_t arg = 0, sent;

    assert_int_equal(pipe(pipefd), 0);
    reply(p, 0, sizeof(arg), &arg, sizeof(arg), &pipefd[1], 1);
    assert_int_equal(hcall_platform_open_tun_v(p->client, &arg, 1, &io), 0);
    assert_int_equal(io.nfds_out, 1);
    assert_int_equal(write(got, "x", 1), 1);
    msg_close_fds((int[]){pipefd[0], pipefd[1], got}, 3);
    request(p, &sent, sizeof(sent));
}

/* Replies that lie about their length, or bring more than the caller has
 * room for, are refused, and their descriptors closed. */
static void a_lying_reply_is_refused(void **state)
{
    struct pair *p = *state;
    static const struct {
        const char *why;
        uint32_t rep_len;
        size_t len;
    } cases[] = {
        {"header says more than came", 16, 8},
        {"header says less than came", 4, 8},
        {"more than the arguments' room", 16, 16},
    };
    evtchn_send_t arg = {0}, sent;
    char res[16] = {0};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int pipefd[2];

        assert_int_equal(pipe(pipefd), 0);
        reply(p, 0, cases[i].rep_len, res, cases[i].len, &pipefd[0], 1);
        close(pipefd[0]);
        if (hcall_evtchn_send(p->client, &arg) != -EPROTO)
            fail_msg("%s: not refused", cases[i].why);
        /* Our copy closed, theirs too: the pipe has no reader left. */
        assert_int_equal(write(pipefd[1], "x", 1), -1);
        assert_int_equal(errno, EPIPE);
        close(pipefd[1]);
        request(p, &sent, sizeof(sent));
    }
}

static void a_runt_reply_is_refused(void **state)
{
    struct pair *p = *state;
    evtchn_send_t arg = {0}, sent;

    assert_int_equal(msg_send(p->hv, "ab", 2, NULL, 0, NULL, 0, 0), 0);
    assert_int_equal(hcall_evtchn_send(p->client, &arg), -EPROTO);
    request(p, &sent, sizeof(sent));
}

static void too_many_arguments_are_not_sent(void **state)
{
    struct pair *p = *state;
    static gnttab_copy_t ops[SV_HC_MAX_MSG / sizeof(gnttab_copy_t) + 1];
    char buf[8];

    assert_int_equal(hcall_gnttab_copy_v(p->client, ops, sizeof(ops) / sizeof(ops[0]), NULL),
                     -E2BIG);
    assert_int_equal(recv(p->hv, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
}

static void a_hypervisor_gone_is_a_reset(void **state)
{
    struct pair *p = *state;
    evtchn_send_t arg = {0};

    shutdown(p->hv, SHUT_WR);
    assert_int_equal(hcall_evtchn_send(p->client, &arg), -ECONNRESET);
}

static void inside_a_domain_is_a_well_formed_channel_number(void **state)
{
    (void)state;
    unsetenv(SV_HCALL_FD_ENV);
    assert_false(hcall_in_domain());
    setenv(SV_HCALL_FD_ENV, "12x", 1);
    assert_false(hcall_in_domain());
    setenv(SV_HCALL_FD_ENV, "-1", 1);
    assert_false(hcall_in_domain());
    setenv(SV_HCALL_FD_ENV, "5", 1);
    assert_true(hcall_in_domain());
    unsetenv(SV_HCALL_FD_ENV);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(a_call_sends_its_op_and_takes_its_results),
        T(a_batch_is_one_request),
        T(the_hypervisors_error_is_the_calls),
        T(descriptors_come_back_with_the_reply),
        T(a_lying_reply_is_refused),
        T(a_runt_reply_is_refused),
        T(too_many_arguments_are_not_sent),
        T(a_hypervisor_gone_is_a_reset),
        cmocka_unit_test(inside_a_domain_is_a_well_formed_channel_number),
    };
#undef T

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
