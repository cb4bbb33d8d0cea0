/* Error names and permission strings of the xenstore wire protocol, shared by
 * xenstored and libxenstore (see include/sv/xs_proto.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/util.h"
#include "sv/xs_proto.h"

const char *xs_proto_errname(int err)
{
    for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return "EINVAL";
}

int xs_proto_errno(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
        if (strcmp(xsd_errors[i].errstring, name) == 0)
            return xsd_errors[i].errnum;
    return EINVAL;
}

static const struct {
    char letter;
    unsigned int bits;
} perm_letters[] = {
    {'n', XS_PERM_NONE},
    {'r', XS_PERM_READ},
    {'w', XS_PERM_WRITE},
    {'b', XS_PERM_READ | XS_PERM_WRITE},
};

int xs_proto_perm_parse(const char *s, struct xs_permissions *perm)
{
    unsigned long id;
    char *end;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(perm_letters); i++)
        if (perm_letters[i].letter == s[0])
            break;
    if (i == ARRAY_SIZE(perm_letters) || s[1] < '0' || s[1] > '9')
        return -EINVAL;
    errno = 0;
    id = strtoul(s + 1, &end, 10);
    if (errno || *end || id > UINT_MAX)
        return -EINVAL;
    perm->id = (unsigned int)id;
    perm->perms = perm_letters[i].bits;
    return 0;
}

int xs_proto_perm_format(const struct xs_permissions *perm, char *buf, size_t len)
{
    unsigned int bits = perm->perms & (XS_PERM_READ | XS_PERM_WRITE);
    int n;

    for (size_t i = 0; i < ARRAY_SIZE(perm_letters); i++) {
        if (perm_letters[i].bits != bits)
            continue;
        n = snprintf(buf, len, "%c%u", perm_letters[i].letter, perm->id);
        return (n < 0 || (size_t)n >= len) ? -ENOSPC : n;
    }
    return -EINVAL;
}
