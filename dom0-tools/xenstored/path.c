/* Validation and resolution of xenstore paths (see path.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

size_t path_home(uint32_t domid, char *buf)
{
    return (size_t)snprintf(buf, PATH_BUF, "/local/domain/%u", domid);
}

static bool valid_chars(const char *s)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "abcdefghijklmnopqrstuvwxyz0123456789-/_@";

    return s[strspn(s, ok)] == '\0';
}

/* Length of the part of an absolute path below "/local/domain/<id>/". */
static size_t below_home_len(const char *path)
{
    unsigned int domid;
    int off = 0;

    if (sscanf(path, "/local/domain/%5u/%n", &domid, &off) != 1 || !off)
        return strlen(path);
    return strlen(path + off);
}

static int check_abs(uint32_t domid, const char *p)
{
    size_t len = strlen(p);

    if (p[0] != '/' || (len > 1 && p[len - 1] == '/') || strstr(p, "//"))
        return -EINVAL;
    if (len > XENSTORE_ABS_PATH_MAX || (domid != 0 && below_home_len(p) > XENSTORE_REL_PATH_MAX))
        return -EINVAL;
    return valid_chars(p) ? 0 : -EINVAL;
}

int path_canon(uint32_t domid, const char *in, bool allow_special, char *out, size_t *strip)
{
    size_t inlen = strlen(in), home;

    if (strip)
        *strip = 0;
    if (in[0] == '@') {
        if (!allow_special || inlen > XENSTORE_REL_PATH_MAX || !valid_chars(in) || strchr(in, '/'))
            return -EINVAL;
        memcpy(out, in, inlen + 1);
        return 0;
    }
    if (in[0] == '/') {
        if (inlen > XENSTORE_ABS_PATH_MAX)
            return -EINVAL;
        memcpy(out, in, inlen + 1);
        return check_abs(domid, out);
    }
    if (inlen == 0 || inlen > XENSTORE_REL_PATH_MAX)
        return -EINVAL;
    home = path_home(domid, out);
    if (home + 1 + inlen > XENSTORE_ABS_PATH_MAX)
        return -EINVAL;
    out[home] = '/';
    memcpy(out + home + 1, in, inlen + 1);
    if (strip)
        *strip = home + 1;
    return check_abs(domid, out);
}

bool path_is_below(const char *child, const char *parent)
{
    size_t plen = strlen(parent);

    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, plen) == 0 && (child[plen] == '\0' || child[plen] == '/');
}
