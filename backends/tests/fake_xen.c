/* The stand-in for Xen's libraries of unit tests (see fake_xen.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/io/netif.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "sv/gnttab_ext.h"
#include "sv/xs_ext.h"
#include "fake_xen.h"

#define NODES 256

static struct {
    char *path, *value;
} nodes[NODES];
static struct fake_xen_held held;
static evtchn_port_t next_port = 1;
/* Pages a test gave content (fake_xen_grant) and where each was last mapped. */
static struct {
    uint32_t ref;
    const void *page;
    void *mapped;
} grants[16];
static void *last_map;

static int find(const char *path)
{
    for (int i = 0; i < NODES; i++)
        if (nodes[i].path && !strcmp(nodes[i].path, path))
            return i;
    return -1;
}

void fake_xs_reset(void)
{
    for (int i = 0; i < NODES; i++) {
        free(nodes[i].path);
        free(nodes[i].value);
        nodes[i].path = nodes[i].value = NULL;
    }
    memset(&held, 0, sizeof(held));
}

void fake_xs_set(const char *path, const char *value)
{
    int i = find(path);

    if (i < 0 && !value)
        return;
    if (i < 0) {
        for (i = 0; nodes[i].path; i++)
            if (i == NODES - 1)
                abort();
        nodes[i].path = strdup(path);
    }
    free(nodes[i].value);
    nodes[i].value = value ? strdup(value) : NULL;
    if (!value) {
        free(nodes[i].path);
        nodes[i].path = NULL;
    }
}

const char *fake_xs_get(const char *path)
{
    int i = find(path);

    return i < 0 ? NULL : nodes[i].value;
}

int fake_xs_int(const char *path)
{
    const char *v = fake_xs_get(path);

    return v ? atoi(v) : -1;
}

struct fake_xen_held fake_xen_held(void)
{
    return held;
}

void fake_xen_grant(uint32_t ref, const void *page)
{
    if (!page) {
        memset(grants, 0, sizeof(grants));
        return;
    }
    for (unsigned i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
        if (!grants[i].page || grants[i].ref == ref) {
            grants[i].ref = ref;
            grants[i].page = page;
            grants[i].mapped = NULL;
            return;
        }
}

void *fake_xen_mapped(uint32_t ref)
{
    for (unsigned i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
        if (grants[i].page && grants[i].ref == ref)
            return grants[i].mapped;
    return NULL;
}

/* The page a test gave ref, copied to p; else an empty shared ring. */
static void fill_page(uint8_t *p, uint32_t ref)
{
    for (unsigned i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
        if (grants[i].page && grants[i].ref == ref) {
            memcpy(p, grants[i].page, 4096);
            grants[i].mapped = p;
            return;
        }
    SHARED_RING_INIT((netif_tx_sring_t *)p);
}

static void *read_node(const char *path, unsigned int *len)
{
    const char *v = fake_xs_get(path);
    char *copy;

    if (!v) {
        errno = ENOENT;
        return NULL;
    }
    copy = strdup(v);
    if (copy && len)
        *len = (unsigned)strlen(copy);
    return copy;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
    (void)h, (void)t;
    held.xs_waits++;
    return read_node(path, len);
}

int xs_read_many(struct xs_handle *h, xs_transaction_t t, const char *const *paths, unsigned int n,
                 char **values)
{
    (void)h, (void)t;
    held.xs_waits++;
    for (unsigned int i = 0; i < n; i++)
        values[i] = read_node(paths[i], NULL);
    return 0;
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len)
{
    held.xs_waits++;
    char *v = strndup(data, len);

    (void)h, (void)t;
    fake_xs_set(path, v);
    free(v);
    return true;
}

/* The node and everything under it; removing what is not there is fine. */
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    size_t len = strlen(path);

    (void)h, (void)t;
    for (int i = 0; i < NODES; i++)
        if (nodes[i].path && !strncmp(nodes[i].path, path, len) &&
            (!nodes[i].path[len] || nodes[i].path[len] == '/')) {
            free(nodes[i].path);
            free(nodes[i].value);
            nodes[i].path = nodes[i].value = NULL;
        }
    return true;
}

/* The names of path's children, in one allocation as Xen's (the caller
 * frees the array alone); NULL (ENOENT) when path has none. */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
    const char *names[NODES];
    size_t len = strlen(path), bytes = 0;
    unsigned int n = 0;
    char **v, *p;

    (void)h, (void)t;
    held.xs_waits++;
    for (int i = 0; i < NODES; i++) {
        const char *name = nodes[i].path, *end;
        bool seen = false;

        if (!name || strncmp(name, path, len) || name[len] != '/')
            continue;
        name += len + 1;
        end = strchrnul(name, '/');
        for (unsigned int k = 0; k < n && !seen; k++)
            seen = !strncmp(names[k], name, (size_t)(end - name)) &&
                   strchrnul(names[k], '/') - names[k] == end - name;
        if (!seen) {
            names[n++] = name;
            bytes += (size_t)(end - name) + 1;
        }
    }
    if (!n) {
        errno = ENOENT;
        return NULL;
    }
    if (!(v = malloc(n * sizeof(*v) + bytes)))
        return NULL;
    p = (char *)(v + n);
    for (unsigned int k = 0; k < n; k++) {
        size_t l = (size_t)(strchrnul(names[k], '/') - names[k]);

        v[k] = memcpy(p, names[k], l);
        p[l] = '\0';
        p += l + 1;
    }
    *num = n;
    return v;
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    (void)h, (void)path, (void)token;
    held.watches++;
    return true;
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    (void)h, (void)path, (void)token;
    held.watches--;
    return true;
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
    (void)h;
    held.xs_waits++;
    return 1;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    (void)h, (void)t, (void)abort;
    held.xs_waits++;
    return true;
}

int xs_fileno(struct xs_handle *h)
{
    (void)h;
    errno = ENOSYS;
    return -1;
}

char **xs_check_watch(struct xs_handle *h)
{
    (void)h;
    errno = EAGAIN;
    return NULL;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    (void)xce, (void)domid, (void)remote_port;
    held.ports++;
    return (xenevtchn_port_or_error_t)next_port++;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce, (void)port;
    held.ports--;
    return 0;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce, (void)port;
    return 0;
}

/* count fresh pages, each an empty shared ring as a frontend leaves it. */
static void *map_pages(uint32_t count, const uint32_t *refs)
{
    uint8_t *p;

    for (uint32_t i = 0; i < count; i++)
        if (refs[i] == FAKE_BAD_REF) {
            errno = EINVAL;
            return NULL;
        }
    p = mmap(NULL, count * 4096ul, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    for (uint32_t i = 0; i < count; i++)
        fill_page(p + i * 4096ul, refs[i]);
    held.pages += (int)count;
    return p;
}

void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                               uint32_t *refs, int prot)
{
    (void)xgt, (void)domids, (void)prot;
    return last_map = map_pages(count, refs);
}

void *fake_xen_last_map(void)
{
    return last_map;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    (void)xgt, (void)domid, (void)prot;
    return map_pages(1, &ref);
}

void *xengnttab_map_grant_refs_device(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                                      uint32_t *refs, int prot, uint64_t *dev_bus_addr)
{
    (void)xgt, (void)domids, (void)prot;
    for (uint32_t i = 0; i < count; i++)
        dev_bus_addr[i] = (uint64_t)refs[i] << 12;
    return map_pages(count, refs);
}

uint32_t xengnttab_map_grant_refs_each(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
                                       const uint32_t *refs, int prot, void **pages,
                                       uint64_t *dev_bus_addr)
{
    uint32_t mapped = 0;

    (void)xgt, (void)domid, (void)prot;
    held.batches++;
    for (uint32_t i = 0; i < count; i++) {
        pages[i] = map_pages(1, &refs[i]);
        mapped += pages[i] != NULL;
        if (dev_bus_addr)
            dev_bus_addr[i] = (uint64_t)refs[i] << 12;
    }
    return mapped;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    (void)xgt;
    held.pages -= (int)count;
    return munmap(start_address, count * 4096ul);
}

int xengnttab_unmap_pages(xengnttab_handle *xgt, void *const *pages, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        xengnttab_unmap(xgt, pages[i], 1);
    return 0;
}

int xengnttab_unmap_retry(xengnttab_handle *xgt)
{
    (void)xgt;
    return 0;
}

int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
                         xengnttab_grant_copy_segment_t *segs)
{
    (void)xgt;
    for (uint32_t i = 0; i < count; i++)
        segs[i].status = GNTST_bad_gntref;
    return 0;
}
