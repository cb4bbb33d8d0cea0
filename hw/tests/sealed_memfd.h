/* Test helper: a memfd sealed against shrinking, as the xnic device model
 * requires of every register page and backing (iommu_fd_check). */
#ifndef XNIC_SEALED_MEMFD_H
#define XNIC_SEALED_MEMFD_H

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static inline int sealed_memfd(size_t size)
{
    int fd = memfd_create("xnic-test", MFD_ALLOW_SEALING);

    if (fd < 0 || ftruncate(fd, (off_t)size) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
        abort();
    return fd;
}

#endif
