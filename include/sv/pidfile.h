/*
 * Pid files that cannot lie: the daemon holds a POSIX write lock on its pid
 * file for as long as it lives, so the pid that counts is the lock holder's
 * (the kernel's answer), never what a stale file or a reused pid says.
 */
#ifndef SV_PIDFILE_H
#define SV_PIDFILE_H

#include <sys/types.h>

/* Locks path (created 0644) and writes our pid into it; the returned fd
 * holds the lock and must stay open for the process's life (it is
 * close-on-exec).  -EEXIST when a live process holds it, else -errno. */
int sv_pidfile_claim(const char *path);

/* The pid of the live process holding path's lock: > 0, 0 when none does
 * (no file, or a stale one), -errno when it cannot be told (-EACCES). */
pid_t sv_pidfile_owner(const char *path);

/* A pidfd of the process holding path's lock, checked to still hold it once
 * the pidfd is open (so a pid reused meanwhile is never the one signalled);
 * -ESRCH when no process holds it, else -errno. */
int sv_pidfile_pidfd(const char *path);

/* Sends sig through pidfd and waits up to timeout_ms for the process to
 * end (then up to 5 s more for its parent to reap it, so that its pid is
 * gone): 0 once it has ended, -ETIMEDOUT, or -errno. */
int sv_pidfd_stop(int pidfd, int sig, int timeout_ms);

#endif
