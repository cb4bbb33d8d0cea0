/*
 * The daemon's state as a whole: what main() creates and destroys, and what
 * tests and fuzzers build without the event loop.
 */
#ifndef XSD_XENSTORED_H
#define XSD_XENSTORED_H

#include "core.h"

/* A store holding only "/" and no connections; NULL on ENOMEM.
 * xsd_free() destroys every connection (closing their transports). */
struct xsd *xsd_new(void);
void xsd_free(struct xsd *xs);

#endif
