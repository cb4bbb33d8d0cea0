/*
 * Closing descriptors a less-trusted peer supplied, off the loop thread.
 *
 * The last close() of a descriptor can block for as long as its supplier
 * likes (a TCP socket with SO_LINGER and unsent data blocked 21 s), and the
 * loop thread serves every domain and dom0.  Domains' channels refuse
 * descriptors (SO_PASSRIGHTS); on a kernel without it, whatever arrives is
 * handed here and closed by a thread of its own.
 */
#ifndef HV_FDREAP_H
#define HV_FDREAP_H

/* Takes ownership of fds[0..n) (negative entries skipped) and closes them on
 * the reaper thread; never blocks the caller. */
void fdreap_close(const int *fds, int n);

#endif
