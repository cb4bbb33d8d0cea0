/*
 * XS_CONTROL: the administrator's commands of xenstored (Xen's
 * `xenstore-control`): check, quota, quota-soft, memreport, logfile, log,
 * print, help, and restrict (Xen's former XS_RESTRICT).
 */
#ifndef XSD_CONTROL_H
#define XSD_CONTROL_H

#include "core.h"

/* Runs command v[0] with arguments v[1..n-1] (n >= 1) for a privileged
 * connection: 0 with *resp the reply text (malloc'd, NUL-terminated), or a
 * positive errno (EINVAL for an unknown command or bad arguments). */
int control_run(struct conn *conn, const char *const *v, unsigned int n, char **resp);

/* Sends the log (stderr) to path from now on, creating it 0600 (the log
 * quotes what domains wrote: root only).  0 or -errno. */
int control_log_to(const char *path);

#endif
