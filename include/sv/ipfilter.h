/*
 * IP anti-spoofing for what a guest sends through its vif: frames whose
 * source IPv4 or IPv6 address, or ARP sender, is not one of the vif's
 * configured addresses (the backend's "ip" key, xl's ip=, libvirt's
 * <ip address=>) are refused, as Xen's vif-bridge script does with
 * iptables and libvirt's clean-traffic nwfilter does.  Pure functions over
 * the caller's buffer (docs/networking.md, IP anti-spoofing).
 */
#ifndef SV_IPFILTER_H
#define SV_IPFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPFILTER_MAX 8 /* addresses of a vif (CONFIG_MAX_IPS) */

struct ipfilter {
    bool active; /* the vif has addresses: frames are checked */
    unsigned n4, n6;
    uint8_t v4[IPFILTER_MAX][4];
    uint8_t v6[IPFILTER_MAX + 1][16]; /* and its MAC's EUI-64 link-local */
    uint8_t mac[6];
};

/*
 * The addresses of ips ("ADDR[/PREFIX] ..." separated by blanks, as the
 * "ip" key holds them; a prefix is the guest's netmask, not a range it may
 * use) for the vif of MAC mac.  NULL or "": inactive, everything passes.
 * -EINVAL when an address does not parse or there are more than
 * IPFILTER_MAX (*f is then inactive).
 */
int ipfilter_init(struct ipfilter *f, const char *ips, const uint8_t mac[6]);

/*
 * Whether the guest may send frame (Ethernet, at most one 802.1Q tag):
 * - IPv4: from one of its IPv4 addresses, or a DHCP request from 0.0.0.0;
 * - ARP: Ethernet/IPv4 ARP whose sender is its MAC and one of its IPv4
 *   addresses or 0.0.0.0 (an RFC 5227 probe);
 * - IPv6: from one of its IPv6 addresses, its MAC's EUI-64 link-local
 *   address or :: (duplicate address detection), and a neighbour
 *   advertisement only for such a target, wherever the extension-header
 *   chain (hop-by-hop, routing, fragment, destination options,
 *   authentication; at most 8, as RFC 8200 orders them) puts its ICMPv6
 *   header; neighbour discovery in a fragment, atomic ones too, is refused
 *   (RFC 6980), and so is a first fragment without its whole chain and
 *   upper-layer header (RFC 7112);
 * - a service tag (802.1ad or QinQ), or a second tag behind an 802.1Q one,
 *   is refused, and so is IP, ARP or a tag behind an 802.2 LLC/SNAP header:
 *   each would hide the IP header;
 * - anything else passes (not IP: nothing to spoof here).
 * A truncated IP or ARP header is refused.  Always true when inactive.
 */
bool ipfilter_allows(const struct ipfilter *f, const uint8_t *frame, size_t len);

/*
 * The same verdict from the first len bytes (frame) of a frame of frame_len
 * bytes, for a caller that copies only a frame's headers to check them and
 * lets the rest be read where it lies: true only when those bytes alone
 * show the frame allowed, whatever follows them; false also when the
 * verdict needs bytes past them (check the whole frame then).
 */
bool ipfilter_allows_head(const struct ipfilter *f, const uint8_t *frame, size_t len,
                          size_t frame_len);

#endif
