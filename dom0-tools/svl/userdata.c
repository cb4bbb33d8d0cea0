/*
 * The description each running domain was created from, kept by the toolstack as
 * libvirt XML in <rundir>/userdata/<domid>.xml (as libxl keeps its userdata
 * files): what `xl list -l` and `xl dumpxml` print and what a restart uses.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/util.h"
#include "svl_internal.h"

static int userdata_path(uint32_t domid, char *buf, size_t len)
{
    char rel[64];

    snprintf(rel, sizeof(rel), "userdata/%u.xml", domid);
    return sv_rundir_path(buf, len, rel);
}

int svl_userdata_save(uint32_t domid, const struct domain_config *cfg)
{
    char dir[300], path[300];
    FILE *f;
    int err;

    if (sv_rundir_path(dir, sizeof(dir), "userdata") < 0 ||
        userdata_path(domid, path, sizeof(path)))
        return -ENAMETOOLONG;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    f = fopen(path, "we");
    if (!f)
        return -errno;
    err = config_to_xml(cfg, f);
    if (fclose(f) != 0 && !err)
        err = -EIO;
    return err;
}

int svl_userdata_load(uint32_t domid, struct domain_config *cfg)
{
    struct config_error cerr;
    char path[300];

    if (userdata_path(domid, path, sizeof(path)) < 0)
        return -ENAMETOOLONG;
    if (access(path, R_OK) < 0)
        return -ENOENT;
    return config_load(path, cfg, &cerr);
}

void svl_userdata_remove(uint32_t domid)
{
    char path[300];

    if (userdata_path(domid, path, sizeof(path)) == 0)
        unlink(path);
}
