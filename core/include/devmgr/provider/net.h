/* devmgr/provider/net.h: the net provider kit.  The TCP super-frame
 * parser that a device offering DEVMGR_NET_OFF_TSO or DEVMGR_NET_OFF_LRO
 * (devmgr/sig/net.h), and a user making super-frames, need alike: where
 * the IP and TCP headers and the payload of a TCP segment or super-frame
 * are, its lengths checked against the frame's, and the segment size a
 * device cuts it into.  The code is in libdevmgr. */
#ifndef DEVMGR_PROVIDER_NET_H
#define DEVMGR_PROVIDER_NET_H

#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A TCP segment in an untagged Ethernet frame, as a super-frame is: IPv4
 * (any header length, not a fragment) or IPv6 with TCP as its first next
 * header (no extension header), the IP length covering the whole frame. */
struct devmgr_net_tcp {
	uint16_t l3;	  /* offset of the IP header (DEVMGR_NET_HDR_LEN) */
	uint16_t l4;	  /* offset of the TCP header */
	uint16_t payload; /* offset of the TCP payload: all headers' length */
	uint8_t ipv;	  /* 4 or 6 */
	uint8_t flags;	  /* the TCP flags byte (ACK 0x10, PSH 0x08, ...) */
	uint32_t len;	  /* the frame's length */
	uint32_t reserved;
};
_Static_assert(sizeof(struct devmgr_net_tcp) == 16, "devmgr_net_tcp ABI");

/* Parses the first have bytes of a frame of len bytes (have <= len: a
 * device may look at the headers only).  0 with *out filled, or -EINVAL
 * for any other frame: not IPv4 or IPv6, a version or IHL that is wrong,
 * an IPv4 fragment, an IPv6 extension header, not TCP, a TCP data offset
 * under 5, headers longer than have, or an IP length that is not the
 * frame's.  A segment without payload is parsed too (out->payload ==
 * len). */
DEVMGR_API int devmgr_net_tcp_parse(const uint8_t *f, size_t have, size_t len,
				    struct devmgr_net_tcp *out);

/* The TCP payload of each segment when the frame is cut for an MTU of mtu
 * bytes of IP packet (its MSS for these headers), or 0 when the headers
 * alone fill the MTU. */
static inline uint32_t devmgr_net_tcp_mss(const struct devmgr_net_tcp *t,
					  uint32_t mtu)
{
	uint32_t hl = (uint32_t)t->payload - t->l3;

	return mtu > hl ? mtu - hl : 0;
}

#endif
