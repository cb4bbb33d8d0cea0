/* Unit tests of xenstored's node store, transactions, paths, hash table and
 * permission strings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sv/xs_proto.h"
#include "../htab.h"
#include "../path.h"
#include "../tree.h"

static const struct xs_permissions p0 = {0, XS_PERM_NONE};

static struct node *add(struct tree *t, struct txn *tx, const char *path)
{
    struct node *n = tree_add(t, tx, path, &p0, 1);

    assert_non_null(n);
    return n;
}

static void count_cb(const struct node *n, void *arg)
{
    (void)n;
    ++*(unsigned int *)arg;
}

static void test_add_get_remove(void **state)
{
    struct tree *t = tree_new();
    const struct node *root;
    unsigned int removed = 0;

    (void)state;
    add(t, NULL, "/a");
    add(t, NULL, "/a/b");
    add(t, NULL, "/a/c");
    assert_null(tree_add(t, NULL, "/x/y", &p0, 1));
    assert_int_equal(errno, ENOENT);
    assert_null(tree_add(t, NULL, "/a/b", &p0, 1));
    assert_int_equal(errno, EEXIST);
    root = tree_get(t, NULL, "/");
    assert_int_equal(root->nchildren, 1);
    assert_string_equal(tree_get(t, NULL, "/a")->children[1], "c");
    assert_int_equal(tree_count(t), 4);
    assert_int_equal(tree_remove(t, NULL, "/a", count_cb, &removed), 0);
    assert_int_equal(removed, 3);
    assert_int_equal(tree_count(t), 1);
    assert_int_equal(tree_get(t, NULL, "/")->nchildren, 0);
    assert_int_equal(tree_remove(t, NULL, "/a", NULL, NULL), -ENOENT);
    tree_free(t);
}

static void test_generation_moves(void **state)
{
    struct tree *t = tree_new();
    uint64_t gen;
    struct node *n;

    (void)state;
    n = add(t, NULL, "/g");
    gen = n->gen;
    n = tree_get_mut(t, NULL, "/g");
    assert_true(n->gen > gen);
    assert_int_equal(node_set_data(n, "abc", 3), 0);
    assert_int_equal(node_size(n), 3 + sizeof(struct xs_permissions));
    tree_free(t);
}

static void test_txn_isolation_and_commit(void **state)
{
    struct tree *t = tree_new();
    struct txn *tx = tree_txn_begin(t, 1024);
    struct node *n;

    (void)state;
    add(t, NULL, "/a");
    n = add(t, tx, "/a/new");
    assert_int_equal(node_set_data(n, "v", 1), 0);
    assert_null(tree_get(t, NULL, "/a/new"));
    assert_non_null(tree_get(t, tx, "/a/new"));
    assert_int_equal(tree_get(t, NULL, "/a")->nchildren, 0);
    assert_int_equal(tree_txn_commit(t, tx), 0);
    tree_txn_free(tx);
    assert_int_equal(tree_get(t, NULL, "/a/new")->len, 1);
    assert_int_equal(tree_get(t, NULL, "/a")->nchildren, 1);
    tree_free(t);
}

static void test_txn_conflicts(void **state)
{
    struct tree *t = tree_new();
    struct txn *tx;

    (void)state;
    add(t, NULL, "/a");
    /* A node read in the transaction changes outside it. */
    tx = tree_txn_begin(t, 1024);
    assert_non_null(tree_get(t, tx, "/a"));
    assert_non_null(tree_get_mut(t, NULL, "/a"));
    assert_int_equal(tree_txn_commit(t, tx), -EAGAIN);
    tree_txn_free(tx);
    /* A node seen absent appears outside. */
    tx = tree_txn_begin(t, 1024);
    assert_null(tree_get(t, tx, "/b"));
    add(t, NULL, "/b");
    assert_int_equal(tree_txn_commit(t, tx), -EAGAIN);
    tree_txn_free(tx);
    /* Untouched nodes may change freely. */
    tx = tree_txn_begin(t, 1024);
    assert_non_null(tree_get(t, tx, "/b"));
    assert_non_null(tree_get_mut(t, NULL, "/a"));
    assert_int_equal(tree_txn_commit(t, tx), 0);
    tree_txn_free(tx);
    tree_free(t);
}

static void test_txn_remove(void **state)
{
    struct tree *t = tree_new();
    struct txn *tx = tree_txn_begin(t, 1024);

    (void)state;
    add(t, NULL, "/a");
    add(t, NULL, "/a/b");
    assert_int_equal(tree_remove(t, tx, "/a", NULL, NULL), 0);
    assert_null(tree_get(t, tx, "/a/b"));
    assert_non_null(tree_get(t, NULL, "/a/b"));
    add(t, tx, "/a2");
    assert_int_equal(tree_txn_commit(t, tx), 0);
    tree_txn_free(tx);
    assert_null(tree_get(t, NULL, "/a"));
    assert_null(tree_get(t, NULL, "/a/b"));
    assert_int_equal(tree_count(t), 2);
    /* An aborted transaction leaves nothing behind (valgrind checks). */
    tx = tree_txn_begin(t, 1024);
    add(t, tx, "/gone");
    assert_non_null(tree_get_mut(t, tx, "/a2"));
    tree_txn_free(tx);
    assert_null(tree_get(t, NULL, "/gone"));
    tree_free(t);
}

static void test_path_canon(void **state)
{
    char out[PATH_BUF], *big;
    size_t strip;

    (void)state;
    assert_int_equal(path_canon(5, "device/vif", false, out, &strip), 0);
    assert_string_equal(out, "/local/domain/5/device/vif");
    assert_int_equal(strip, strlen("/local/domain/5/"));
    assert_int_equal(path_canon(0, "/", false, out, NULL), 0);
    assert_int_equal(path_canon(0, "/a/", false, out, NULL), -EINVAL);
    assert_int_equal(path_canon(0, "/a//b", false, out, NULL), -EINVAL);
    assert_int_equal(path_canon(0, "/a b", false, out, NULL), -EINVAL);
    assert_int_equal(path_canon(0, "", false, out, NULL), -EINVAL);
    assert_int_equal(path_canon(0, "@releaseDomain", false, out, NULL), -EINVAL);
    assert_int_equal(path_canon(0, "@releaseDomain", true, out, NULL), 0);
    big = malloc(XENSTORE_ABS_PATH_MAX + 2);
    memset(big, 'a', XENSTORE_ABS_PATH_MAX + 1);
    big[0] = '/';
    big[XENSTORE_ABS_PATH_MAX + 1] = '\0';
    assert_int_equal(path_canon(0, big, false, out, NULL), -EINVAL);
    /* Domains other than 0 get XENSTORE_REL_PATH_MAX below their home. */
    big[XENSTORE_REL_PATH_MAX + 1] = '\0';
    assert_int_equal(path_canon(0, big, false, out, NULL), 0);
    assert_int_equal(path_canon(5, big, false, out, NULL), -EINVAL);
    assert_int_equal(path_canon(5, big + 1, false, out, NULL), 0);
    big[XENSTORE_REL_PATH_MAX + 1] = 'a';
    big[XENSTORE_REL_PATH_MAX + 2] = '\0';
    assert_int_equal(path_canon(5, big + 1, false, out, NULL), -EINVAL);
    free(big);
    assert_true(path_is_below("/a/b", "/a"));
    assert_true(path_is_below("/a", "/a"));
    assert_false(path_is_below("/ab", "/a"));
    assert_true(path_is_below("/x", "/"));
    assert_false(path_is_below("@x", "/"));
}

static void test_htab(void **state)
{
    struct htab *h = htab_new();
    char key[32];
    void *old;

    (void)state;
    for (long i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%ld", i);
        assert_int_equal(htab_put(h, key, (void *)(i + 1), &old), 0);
        assert_null(old);
    }
    assert_int_equal(htab_count(h), 5000);
    assert_ptr_equal(htab_get(h, "k4321"), (void *)4322);
    assert_int_equal(htab_put(h, "k1", (void *)99, &old), 0);
    assert_ptr_equal(old, (void *)2);
    for (long i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "k%ld", i);
        assert_non_null(htab_del(h, key));
    }
    assert_null(htab_get(h, "k0"));
    assert_int_equal(htab_count(h), 2500);
    htab_free(h);
}

static void test_perm_strings(void **state)
{
    struct xs_permissions p;
    char buf[16];

    (void)state;
    assert_int_equal(xs_proto_perm_parse("b12", &p), 0);
    assert_int_equal(p.id, 12);
    assert_int_equal(p.perms, XS_PERM_READ | XS_PERM_WRITE);
    assert_int_equal(xs_proto_perm_format(&p, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "b12");
    assert_int_equal(xs_proto_perm_parse("x1", &p), -EINVAL);
    assert_int_equal(xs_proto_perm_parse("r", &p), -EINVAL);
    assert_int_equal(xs_proto_perm_parse("r1x", &p), -EINVAL);
    assert_int_equal(xs_proto_perm_parse("r99999999999", &p), -EINVAL);
    p.perms = XS_PERM_NONE;
    assert_int_equal(xs_proto_perm_format(&p, buf, 3), -ENOSPC);
    assert_string_equal(xs_proto_errname(EAGAIN), "EAGAIN");
    assert_string_equal(xs_proto_errname(ETIMEDOUT), "EINVAL");
    assert_int_equal(xs_proto_errno("EQUOTA?"), EINVAL);
    assert_int_equal(xs_proto_errno("E2BIG"), E2BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_get_remove),
        cmocka_unit_test(test_generation_moves),
        cmocka_unit_test(test_txn_isolation_and_commit),
        cmocka_unit_test(test_txn_conflicts),
        cmocka_unit_test(test_txn_remove),
        cmocka_unit_test(test_path_canon),
        cmocka_unit_test(test_htab),
        cmocka_unit_test(test_perm_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
