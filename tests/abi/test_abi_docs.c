/* Every hypercall of SV_HYPERCALLS has its row in docs/hypercalls.md, under
 * the heading of its op, and every xenstore node of SV_XS_NET_KEYS is named
 * in docs/networking.md: adding one to a list without documenting it fails
 * here.  Run from the top of the tree (tests/run does). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv/abi/hypercall.h"
#include "sv/abi/xs_net.h"
#include "sv/util.h"

#define DOC_MAX (1 << 20)

struct call {
    const char *op, *cmd;
};

#define CALL_NAMES(name, op, cmd, type, max, dom0) {#op, #cmd},
static const struct call calls[] = {SV_HYPERCALLS(CALL_NAMES)};
#undef CALL_NAMES

#define KEY_NAME(key) key,
static const char *const keys[] = {SV_XS_NET_KEYS(KEY_NAME)};
#undef KEY_NAME

static char *read_doc(const char *path)
{
    char *doc = test_malloc(DOC_MAX + 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long n;

    if (fd < 0)
        fail_msg("%s: cannot open it (run from the top of the tree): %m", path);
    n = sv_read_full(fd, doc, DOC_MAX);
    close(fd);
    assert_in_range(n, 1, DOC_MAX - 1);
    doc[n] = '\0';
    return doc;
}

/* Whether line (up to its end) holds `name` as a code span of its own. */
static bool line_has_span(const char *line, const char *end, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = line; (p = memchr(p, '`', (size_t)(end - p))); p++)
        if ((size_t)(end - p) > len + 1 && !strncmp(p + 1, name, len) && p[len + 1] == '`')
            return true;
    return false;
}

/* Whether doc has a table row with `cmd` whose section heading names `op`. */
static bool doc_has_call(const char *doc, const struct call *c)
{
    bool in_op = false;

    for (const char *line = doc; *line;) {
        const char *end = strchrnul(line, '\n');

        if (!strncmp(line, "#", 1))
            in_op = line_has_span(line, end, c->op);
        else if (in_op && line[0] == '|' && line_has_span(line, end, c->cmd))
            return true;
        line = *end ? end + 1 : end;
    }
    return false;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Whether doc names key in a code span: `key...` or a path .../key. */
static bool doc_has_key(const char *doc, const char *key)
{
    size_t len = strlen(key);

    for (const char *p = doc; (p = strstr(p, key)); p++)
        if (p > doc && (p[-1] == '`' || p[-1] == '/') && !is_name_char(p[len]))
            return true;
    return false;
}

static void test_every_hypercall_documented(void **state)
{
    char *doc = read_doc("docs/hypercalls.md");
    int missing = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        if (!doc_has_call(doc, &calls[i])) {
            print_error("docs/hypercalls.md: no row for `%s` under a heading naming `%s`\n",
                        calls[i].cmd, calls[i].op);
            missing++;
        }
    test_free(doc);
    assert_int_equal(missing, 0);
}

static void test_every_xs_key_documented(void **state)
{
    char *doc = read_doc("docs/networking.md");
    int missing = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!doc_has_key(doc, keys[i])) {
            print_error("docs/networking.md: the xenstore node `%s` is not named\n", keys[i]);
            missing++;
        }
    test_free(doc);
    assert_int_equal(missing, 0);
}

/* The checks can fail: a call whose row is gone, or under another op's
 * heading, or named only in prose; a key only inside a longer name. */
static void test_checks_catch_missing(void **state)
{
    static const char doc[] = "## Grant (`__HYPERVISOR_grant_table_op`)\n"
                              "| `GNTTABOP_copy` | any |\n"
                              "GNTTABOP_map_grant_ref is mentioned in prose only.\n"
                              "## Memory (`SV_HC_memory`)\n"
                              "| `GNTTABOP_query_size` | any |\n"
                              "| `SV_MEM_share` / `unshare` | any |\n"
                              "keys: `multi-queue-num-queues-max`, /local/domain/B/backend/vf/F\n";
    const struct call copy = {"__HYPERVISOR_grant_table_op", "GNTTABOP_copy"};
    const struct call map = {"__HYPERVISOR_grant_table_op", "GNTTABOP_map_grant_ref"};
    const struct call size = {"__HYPERVISOR_grant_table_op", "GNTTABOP_query_size"};
    const struct call unshare = {"SV_HC_memory", "SV_MEM_unshare"};

    (void)state;
    assert_true(doc_has_call(doc, &copy));
    assert_false(doc_has_call(doc, &map));
    assert_false(doc_has_call(doc, &size));
    assert_false(doc_has_call(doc, &unshare));
    assert_true(doc_has_key(doc, SV_XS_VF_BACKEND));
    assert_false(doc_has_key(doc, SV_XS_QUEUES));
    assert_false(doc_has_key(doc, SV_XS_TRUST));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_hypercall_documented),
        cmocka_unit_test(test_every_xs_key_documented),
        cmocka_unit_test(test_checks_catch_missing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
