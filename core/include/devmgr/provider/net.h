/* devmgr/provider/net.h: the net provider kit, what net providers share:
 * MAC addresses (parsing, the generated default, the "mac" parameter,
 * which interface holds one), the frame length check of sendv, the
 * receiver and counters every device keeps (struct devmgr_net_port), the
 * Internet checksum and the TCP or UDP packet in a frame, and the TCP
 * super-frame parser that a device offering DEVMGR_NET_OFF_TSO or
 * DEVMGR_NET_OFF_LRO (devmgr/sig/net.h), and a user making super-frames,
 * need alike.  The code is in libdevmgr. */
#ifndef DEVMGR_PROVIDER_NET_H
#define DEVMGR_PROVIDER_NET_H

#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Largest payload any provider accepts (the kernel's limit for a tap). */
#define DEVMGR_NET_MTU_MAX 65521

/* "02:00:5e:10:00:01" (colons or dashes, either case).  0 or -EINVAL. */
DEVMGR_API int devmgr_net_mac_parse(const char *s, uint8_t mac[6]);
/* Writes 18 bytes ("xx:xx:xx:xx:xx:xx" and NUL). */
DEVMGR_API void devmgr_net_mac_format(const uint8_t mac[6], char out[18]);
/* A locally administered unicast MAC derived from the provider name, the
 * device id and salt (may be NULL), so that it stays the same from run to
 * run and differs between devices. */
DEVMGR_API void devmgr_net_mac_generate(const char *provider, const char *id,
					const char *salt, uint8_t mac[6]);
/* The device's "mac" parameter, or the generated one when absent.  A
 * given MAC must be unicast and not all zeros. */
DEVMGR_API int devmgr_net_mac_param(struct devmgr_device *dev,
				    const char *provider, const char *salt,
				    uint8_t mac[6], struct devmgr_error *err);
/* Name of an interface of the current network namespace with this MAC:
 * 1 and ifname filled, 0 if none, or a negative errno. */
DEVMGR_API int devmgr_net_mac_owner(const uint8_t mac[6],
				    char ifname[IF_NAMESIZE]);

/* Total length of a frame gathered from iov: -EINVAL for a bad vector,
 * -EMSGSIZE outside 14 .. devmgr_net_frame_max() (mtu + 14, and 4 more
 * for each of up to two VLAN tags). */
DEVMGR_API ssize_t devmgr_net_frame_len(const struct iovec *iov, int iovcnt,
					uint32_t mtu);
/* Copy a gathered frame of total length len into buf. */
DEVMGR_API void devmgr_net_frame_gather(void *buf, const struct iovec *iov,
					int iovcnt, size_t len);

/* The receiver and the counters every net provider keeps, first in its
 * private data (checked with DEVMGR_NET_PORT_FIRST), so that
 * devmgr_net_port_set_rx and devmgr_net_port_stats serve as its set_rx and
 * stats ops.  rx_drops is counted atomically: net-link's senders add to it from
 * their own threads. */
struct devmgr_net_port {
	struct devmgr_net *handle;
	devmgr_net_rx_fn rx;
	void *rx_arg;
	struct devmgr_net_stats st;
};
_Static_assert(sizeof(struct devmgr_net_port) ==
		       3 * sizeof(void *) + sizeof(struct devmgr_net_stats),
	       "devmgr_net_port ABI");

#define DEVMGR_NET_PORT_FIRST(type, member)                                    \
	_Static_assert(offsetof(type, member) == 0,                            \
		       #type ": the devmgr_net_port must come first")

DEVMGR_API int devmgr_net_port_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn,
				      void *arg);
DEVMGR_API int devmgr_net_port_stats(struct devmgr_net *n,
				     struct devmgr_net_stats *out);
DEVMGR_API void devmgr_net_port_drop(struct devmgr_net_port *p);
/* A frame that passed the device's checks goes to the receiver and is
 * counted; without a receiver it is dropped and counted. */
DEVMGR_API void devmgr_net_port_deliver(struct devmgr_net_port *p,
					const void *frame, size_t len);

/* The Internet checksum (RFC 1071): devmgr_net_csum_add() adds n bytes starting
 * at an even offset of the summed data to a running sum, and
 * devmgr_net_csum_fold() folds it to 16 bits (not complemented), in network
 * byte order as the bytes were. */
DEVMGR_API uint64_t devmgr_net_csum_add(uint64_t sum, const void *data,
					size_t n);
DEVMGR_API uint16_t devmgr_net_csum_fold(uint64_t sum);

/* A TCP or UDP packet in a frame: over IPv4 (not a fragment) or IPv6
 * (no extension header), behind up to two VLAN tags, its lengths within
 * the frame's. */
struct devmgr_net_l4 {
	size_t l3;     /* offset of the IP header */
	size_t l4;     /* offset of the TCP or UDP header */
	size_t end;    /* end of the IP packet (the frame may be padded) */
	uint8_t ipv;   /* 4 or 6 */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};
_Static_assert(sizeof(struct devmgr_net_l4) == 4 * sizeof(size_t),
	       "devmgr_net_l4 ABI");

/* Finds it in the first have bytes of a frame of len: true, or false for
 * any other frame (or one too short for its headers). */
DEVMGR_API bool devmgr_net_l4_find(const uint8_t *f, size_t have, size_t len,
				   struct devmgr_net_l4 *out);
/* The pseudo-header sum of that packet (not folded), for l4len bytes of
 * TCP or UDP. */
DEVMGR_API uint64_t devmgr_net_l4_pseudo(const uint8_t *f,
					 const struct devmgr_net_l4 *l,
					 size_t l4len);
/* Where its checksum field is in the frame. */
static inline size_t devmgr_net_l4_csum_at(const struct devmgr_net_l4 *l)
{
	return l->l4 + (l->proto == 6 ? 16 : 6);
}
/* True when the frame's TCP or UDP checksum is right (an IPv4 UDP
 * checksum of 0 is "none"), or it is neither. */
DEVMGR_API bool devmgr_net_l4_csum_ok(const uint8_t *f, size_t len);

/* ---- TCP super-frames ---------------------------------------------- */

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
