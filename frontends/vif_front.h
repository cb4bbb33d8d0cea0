/*
 * One vif of a guest: its netfront, the xenbus handshake with whichever
 * backend the toolstack points it at, and the relay to TAP ethD.
 */
#ifndef VIF_FRONT_H
#define VIF_FRONT_H

#include <xen/event_channel.h>
#include <xenevtchn.h>
#include <xenstore.h>

struct event_base;
struct vif_front;

/* device/vif/<devid> of our home; NULL (logged) when it cannot start. */
struct vif_front *vif_front_new(struct event_base *base, struct xs_handle *xs,
                                xenevtchn_handle *xce, unsigned devid);
void vif_front_free(struct vif_front *v);
unsigned vif_front_devid(const struct vif_front *v);
/* A watch fired on path: re-read the backend and its state. */
void vif_front_watch(struct vif_front *v, const char *path);
/* port fired (it may not be ours). */
void vif_front_event(struct vif_front *v, evtchn_port_t port);

#endif
