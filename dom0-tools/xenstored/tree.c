/* xenstored's node store and its generation-checked transactions (see
 * tree.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "tree.h"

struct tree {
    struct htab *nodes; /* path -> struct node * */
    uint64_t gen;       /* last generation handed out */
};

struct txn {
    struct htab *nodes; /* path -> private copy, or &tombstone when removed */
    struct htab *snap;  /* path -> copy as first read, &tombstone if absent */
    struct htab *seen;  /* path -> (generation seen + 1) */
    unsigned int max_nodes;
    size_t seen_bytes; /* keys and entries of seen */
    int err;           /* first failure to record a node, -errno */
};

/* What a hash entry costs beside its key (entry, bucket, allocator). */
#define ENTRY_OVERHEAD 48

/* Marks a node removed inside a transaction. */
static struct node tombstone;

static void node_free(struct node *n)
{
    if (!n || n == &tombstone)
        return;
    for (unsigned int i = 0; i < n->nchildren; i++)
        free(n->children[i]);
    free(n->children);
    free(n->perms);
    free(n->data);
    free(n->path);
    free(n);
}

static struct node *node_alloc(const char *path)
{
    struct node *n = calloc(1, sizeof(*n));

    if (!n || !(n->path = strdup(path))) {
        free(n);
        return NULL;
    }
    return n;
}

int node_set_data(struct node *n, const void *data, unsigned int len)
{
    char *copy = NULL;

    if (len) {
        copy = malloc(len);
        if (!copy)
            return -ENOMEM;
        memcpy(copy, data, len);
    }
    free(n->data);
    n->data = copy;
    n->len = len;
    return 0;
}

int node_set_perms(struct node *n, const struct xs_permissions *perms, unsigned int nperms)
{
    struct xs_permissions *copy = calloc(nperms, sizeof(*copy));

    if (!copy)
        return -ENOMEM;
    memcpy(copy, perms, nperms * sizeof(*copy));
    free(n->perms);
    n->perms = copy;
    n->nperms = nperms;
    return 0;
}

unsigned int node_size(const struct node *n)
{
    unsigned int size = n->len + n->nperms * (unsigned int)sizeof(*n->perms);

    for (unsigned int i = 0; i < n->nchildren; i++)
        size += (unsigned int)strlen(n->children[i]) + 1;
    return size;
}

size_t node_cost(const struct node *n)
{
    return strlen(n->path) + 1 + node_size(n) + sizeof(*n) + ENTRY_OVERHEAD;
}

static int child_add(struct node *n, const char *name)
{
    char *copy;

    if (n->nchildren == n->childcap) {
        unsigned int cap = n->childcap ? n->childcap * 2 : 4;
        char **c = realloc(n->children, cap * sizeof(*c));

        if (!c)
            return -ENOMEM;
        n->children = c;
        n->childcap = cap;
    }
    copy = strdup(name);
    if (!copy)
        return -ENOMEM;
    n->children[n->nchildren++] = copy;
    return 0;
}

static void child_del(struct node *n, const char *name)
{
    for (unsigned int i = 0; i < n->nchildren; i++) {
        if (strcmp(n->children[i], name) != 0)
            continue;
        free(n->children[i]);
        memmove(&n->children[i], &n->children[i + 1],
                (n->nchildren - i - 1) * sizeof(*n->children));
        n->nchildren--;
        return;
    }
}

static struct node *node_dup(const struct node *src)
{
    struct node *n = node_alloc(src->path);

    if (!n)
        return NULL;
    if (node_set_data(n, src->data, src->len) || node_set_perms(n, src->perms, src->nperms))
        goto fail;
    for (unsigned int i = 0; i < src->nchildren; i++)
        if (child_add(n, src->children[i]))
            goto fail;
    n->gen = src->gen;
    return n;
fail:
    node_free(n);
    return NULL;
}

struct tree *tree_new(void)
{
    static const struct xs_permissions root_perms = {0, XS_PERM_NONE};
    struct tree *t = calloc(1, sizeof(*t));
    struct node *root;

    if (!t)
        return NULL;
    t->nodes = htab_new();
    root = node_alloc("/");
    if (!t->nodes || !root || node_set_perms(root, &root_perms, 1) ||
        htab_put(t->nodes, "/", root, NULL))
        goto fail;
    root->gen = ++t->gen;
    return t;
fail:
    node_free(root);
    htab_free(t->nodes);
    free(t);
    return NULL;
}

static bool free_node_cb(const char *key, void *val, void *arg)
{
    (void)key;
    (void)arg;
    node_free(val);
    return true;
}

void tree_free(struct tree *t)
{
    if (!t)
        return;
    htab_foreach(t->nodes, free_node_cb, NULL);
    htab_free(t->nodes);
    free(t);
}

unsigned int tree_count(const struct tree *t)
{
    return (unsigned int)htab_count(t->nodes);
}

/* Records the committed generation of path the first time tx looks at it;
 * the first failure (-ENOSPC past max_nodes, -ENOMEM) dooms tx. */
static int txn_note(struct tree *t, struct txn *tx, const char *path)
{
    struct node *cur;
    int err;

    if (htab_get(tx->seen, path))
        return 0;
    cur = htab_get(t->nodes, path);
    err = htab_count(tx->seen) >= tx->max_nodes
              ? -ENOSPC
              : htab_put(tx->seen, path, (void *)(uintptr_t)((cur ? cur->gen : 0) + 1), NULL);
    if (err) {
        if (!tx->err)
            tx->err = err;
        return err;
    }
    tx->seen_bytes += strlen(path) + 1 + ENTRY_OVERHEAD;
    return 0;
}

const struct node *tree_peek(struct tree *t, struct txn *tx, const char *path)
{
    struct node *n = tx ? htab_get(tx->nodes, path) : NULL;

    if (!n && tx)
        n = htab_get(tx->snap, path);
    if (n)
        return n == &tombstone ? NULL : n;
    return htab_get(t->nodes, path);
}

/* The first look of tx at path: records its generation and keeps a copy,
 * so that what the transaction read does not change under it (Xen). */
static int txn_first_look(struct tree *t, struct txn *tx, const char *path)
{
    struct node *cur = htab_get(t->nodes, path), *copy = &tombstone;
    int err = txn_note(t, tx, path);

    if (!err && cur && !(copy = node_dup(cur)))
        err = -ENOMEM;
    if (!err && (err = htab_put(tx->snap, path, copy, NULL)))
        node_free(copy);
    if (err && !tx->err)
        tx->err = err;
    return err;
}

const struct node *tree_get(struct tree *t, struct txn *tx, const char *path)
{
    /* Failing to record only makes a later conflict go unnoticed for a
     * read, which the commit check must not allow: report absent (and the
     * transaction cannot commit). */
    if (tx && !htab_get(tx->nodes, path) && !htab_get(tx->snap, path) &&
        txn_first_look(t, tx, path))
        return NULL;
    return tree_peek(t, tx, path);
}

struct node *tree_get_mut(struct tree *t, struct txn *tx, const char *path)
{
    struct node *n = (struct node *)tree_get(t, tx, path), *copy;

    if (!n) {
        errno = ENOENT;
        return NULL;
    }
    if (!tx) {
        n->gen = ++t->gen;
        return n;
    }
    if (htab_get(tx->nodes, path) == n)
        return n;
    copy = node_dup(n);
    if (!copy || htab_put(tx->nodes, path, copy, NULL)) {
        node_free(copy);
        errno = ENOMEM;
        return NULL;
    }
    return copy;
}

/* Splits "/a/b/c" into parent "/a/b" (written to buf) and name "c". */
static const char *split_parent(const char *path, char *buf)
{
    const char *slash = strrchr(path, '/');
    size_t plen = slash == path ? 1 : (size_t)(slash - path);

    memcpy(buf, path, plen);
    buf[plen] = '\0';
    return slash + 1;
}

static int view_put(struct tree *t, struct txn *tx, const char *path, struct node *n)
{
    if (tx)
        return txn_note(t, tx, path) ?: htab_put(tx->nodes, path, n, NULL);
    n->gen = ++t->gen;
    return htab_put(t->nodes, path, n, NULL);
}

struct node *tree_add(struct tree *t, struct txn *tx, const char *path,
                      const struct xs_permissions *perms, unsigned int nperms)
{
    char *parentpath = malloc(strlen(path) + 1);
    struct node *parent, *n = NULL;
    const char *name;
    int err = -ENOMEM;

    if (!parentpath)
        goto fail;
    name = split_parent(path, parentpath);
    err = -EEXIST;
    if (tree_get(t, tx, path))
        goto fail;
    err = -ENOMEM;
    n = node_alloc(path);
    if (!n || node_set_perms(n, perms, nperms))
        goto fail;
    parent = tree_get_mut(t, tx, parentpath);
    if (!parent) {
        err = -errno;
        goto fail;
    }
    if ((err = child_add(parent, name)))
        goto fail;
    if ((err = view_put(t, tx, path, n))) {
        child_del(parent, name);
        goto fail;
    }
    free(parentpath);
    return n;
fail:
    node_free(n);
    free(parentpath);
    errno = -err;
    return NULL;
}

static int remove_subtree(struct tree *t, struct txn *tx, const char *path,
                          void (*cb)(const struct node *n, void *arg), void *arg)
{
    struct node *n = (struct node *)tree_get(t, tx, path);
    size_t plen = strlen(path);
    int err;

    if (!n)
        return 0;
    for (unsigned int i = 0; i < n->nchildren; i++) {
        char *child = malloc(plen + strlen(n->children[i]) + 2);

        if (!child)
            return -ENOMEM;
        strcpy(stpcpy(stpcpy(child, path), "/"), n->children[i]);
        err = remove_subtree(t, tx, child, cb, arg);
        free(child);
        if (err)
            return err;
    }
    if (cb)
        cb(n, arg);
    if (tx) {
        if (htab_get(tx->nodes, path) == n)
            node_free(n);
        return htab_put(tx->nodes, path, &tombstone, NULL);
    }
    node_free(htab_del(t->nodes, path));
    return 0;
}

int tree_remove(struct tree *t, struct txn *tx, const char *path,
                void (*cb)(const struct node *n, void *arg), void *arg)
{
    char *parentpath;
    struct node *parent;
    const char *name;
    int err;

    if (!tree_get(t, tx, path))
        return -ENOENT;
    parentpath = malloc(strlen(path) + 1);
    if (!parentpath)
        return -ENOMEM;
    name = split_parent(path, parentpath);
    parent = tree_get_mut(t, tx, parentpath);
    err = parent ? remove_subtree(t, tx, path, cb, arg) : -errno;
    if (!err)
        child_del(parent, name);
    free(parentpath);
    return err;
}

struct foreach_ctx {
    bool (*fn)(const struct node *n, void *arg);
    void *arg;
};

static bool foreach_cb(const char *key, void *val, void *arg)
{
    struct foreach_ctx *c = arg;

    (void)key;
    return c->fn(val, c->arg);
}

void tree_foreach(struct tree *t, bool (*fn)(const struct node *n, void *arg), void *arg)
{
    struct foreach_ctx c = {fn, arg};

    htab_foreach(t->nodes, foreach_cb, &c);
}

struct txn *tree_txn_begin(struct tree *t, unsigned int max_nodes)
{
    struct txn *tx = calloc(1, sizeof(*tx));

    (void)t;
    if (!tx)
        return NULL;
    tx->max_nodes = max_nodes;
    tx->nodes = htab_new();
    tx->snap = htab_new();
    tx->seen = htab_new();
    if (!tx->nodes || !tx->snap || !tx->seen) {
        tree_txn_free(tx);
        return NULL;
    }
    return tx;
}

struct commit_ctx {
    struct tree *t;
    struct htab *tx_nodes;
    bool conflict;
};

static bool check_seen_cb(const char *path, void *val, void *arg)
{
    struct commit_ctx *c = arg;
    struct node *cur = htab_get(c->t->nodes, path);

    if ((cur ? cur->gen : 0) + 1 != (uint64_t)(uintptr_t)val)
        c->conflict = true;
    return !c->conflict;
}

/* Moves one private node into the committed tree.  Replacing a key costs no
 * allocation, so only a node new to the tree can fail (ENOMEM); it then stays
 * with the transaction and the commit reports the failure. */
static bool apply_cb(const char *path, void *val, void *arg)
{
    struct commit_ctx *c = arg;
    struct node *n = val;
    void *old;

    if (n == &tombstone) {
        node_free(htab_del(c->t->nodes, path));
        return true;
    }
    n->gen = ++c->t->gen;
    if (htab_put(c->t->nodes, path, n, &old)) {
        c->conflict = true;
        return true;
    }
    node_free(old);
    /* Existing key: no allocation, safe while iterating. */
    htab_put(c->tx_nodes, path, &tombstone, NULL);
    return true;
}

int tree_txn_error(const struct txn *tx)
{
    return tx->err;
}

static bool sum_cost_cb(const char *key, void *val, void *arg)
{
    (void)key;
    if (val != &tombstone)
        *(size_t *)arg += node_cost(val);
    return true;
}

size_t tree_txn_bytes(const struct txn *tx)
{
    size_t bytes = sizeof(*tx) + tx->seen_bytes;

    htab_foreach(tx->nodes, sum_cost_cb, &bytes);
    htab_foreach(tx->snap, sum_cost_cb, &bytes);
    return bytes;
}

int tree_txn_commit(struct tree *t, struct txn *tx)
{
    struct commit_ctx c = {t, tx->nodes, false};

    if (tx->err)
        return tx->err;
    htab_foreach(tx->seen, check_seen_cb, &c);
    if (c.conflict)
        return -EAGAIN;
    htab_foreach(tx->nodes, apply_cb, &c);
    return c.conflict ? -ENOMEM : 0;
}

static bool free_copy_cb(const char *key, void *val, void *arg)
{
    (void)key;
    (void)arg;
    node_free(val);
    return true;
}

void tree_txn_free(struct txn *tx)
{
    if (!tx)
        return;
    if (tx->nodes)
        htab_foreach(tx->nodes, free_copy_cb, NULL);
    if (tx->snap)
        htab_foreach(tx->snap, free_copy_cb, NULL);
    htab_free(tx->nodes);
    htab_free(tx->snap);
    htab_free(tx->seen);
    free(tx);
}
