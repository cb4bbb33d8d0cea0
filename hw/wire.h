/*
 * The xnic "wire": where frames leave and enter the NIC.  One small interface
 * over several backends, chosen by a spec string:
 *   tap:NAME                    a host TAP device (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR:
 *                               TSO packets and partial checksums go to the host whole)
 *   packet:IFNAME               AF_PACKET on an existing interface (e.g. a veth)
 *   vxlan:VNI,remote=ADDR[,...]  a VXLAN tunnel endpoint (RFC 7348), static peers
 *   none                        link up, transmitted frames discarded, nothing received
 * Errors: negative errno.
 */
#ifndef XNIC_WIRE_H
#define XNIC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire;
struct xnic_wire_offload;

struct wire_ops {
    const char *prefix; /* "tap:", ... ("none" matches exactly) */
    /* Opens the backend for arg (the spec after the prefix); sets *fd. */
    int (*open)(const char *arg, int *fd, void **priv);
    int (*send)(int fd, void *priv, const uint8_t *frame, size_t len);
    /* A packet the far side finishes (xnic_dev.h); NULL: the backend cannot. */
    int (*send_offload)(int fd, void *priv, const uint8_t *frame, size_t len,
                        const struct xnic_wire_offload *o);
    /* A frame into buf: its length, 0 when none is waiting, -errno. */
    long (*recv)(int fd, void *priv, uint8_t *buf, size_t len);
    void (*close)(int fd, void *priv);
};

extern const struct wire_ops wire_tap_ops, wire_packet_ops, wire_vxlan_ops;

/* Opens the backend the spec names; NULL with *err set (-EINVAL: bad spec). */
struct wire *wire_open(const char *spec, int *err);
void wire_close(struct wire *w);
/* Readable when frames wait; -1 for "none". */
int wire_fd(const struct wire *w);
int wire_send(struct wire *w, const uint8_t *frame, size_t len);
/* Whether wire_send_offload() works on this backend (tap: yes). */
bool wire_takes_offloads(const struct wire *w);
int wire_send_offload(struct wire *w, const uint8_t *frame, size_t len,
                      const struct xnic_wire_offload *o);
long wire_recv(struct wire *w, uint8_t *buf, size_t len);

#endif
