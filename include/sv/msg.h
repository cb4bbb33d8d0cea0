/*
 * The message layer: whole messages with file descriptors over SOCK_SEQPACKET
 * unix sockets.  Used by the hypervisor, its clients, and every daemon that
 * passes fds (SCM_RIGHTS, at most SV_MSG_MAX_FDS per message).
 */
#ifndef SV_MSG_H
#define SV_MSG_H

#include <stddef.h>
#include <sys/types.h>

#define SV_MSG_MAX_FDS 253

/*
 * Sends one message made of two parts (header and body, either may be empty)
 * and nfds descriptors.  flags as for sendmsg (MSG_DONTWAIT...).  Returns 0
 * or -errno; -EMSGSIZE when the socket refuses the size.
 */
int msg_send(int sock, const void *hdr, size_t hdr_len, const void *body, size_t body_len,
             const int *fds, int nfds, int flags);

/*
 * Receives one message into buf (at most cap bytes) and up to *nfds
 * descriptors (set to the number received, close-on-exec; 0 whenever the
 * call fails, -ECONNRESET included: a peer killed with a message to it
 * unread).  Returns the
 * message length, 0 on orderly shutdown, or -errno: -EMSGSIZE when the
 * message or its descriptors were truncated (the descriptors that did arrive
 * are closed).
 */
ssize_t msg_recv(int sock, void *buf, size_t cap, int *fds, int *nfds);

/* Closes n descriptors of fds[], skipping negative ones. */
void msg_close_fds(const int *fds, int n);

#endif
