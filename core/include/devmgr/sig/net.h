/* devmgr/sig/net.h: the network interface signature, v1.2.  A net device
 * moves whole Ethernet frames (destination, source, type, payload; no
 * preamble and no FCS).  Frames arrive through the event loop: the device
 * watches its own fd and calls the receiver, on the loop thread, once for
 * each frame, several frames per wake-up when several are waiting. */
#ifndef DEVMGR_SIG_NET_H
#define DEVMGR_SIG_NET_H

#include <devmgr/sig.h>

#define DEVMGR_NET_MAJOR 1
#define DEVMGR_NET_MINOR 2

#define DEVMGR_NET_HDR_LEN   14 /* destination, source, ethertype */
#define DEVMGR_NET_MIN_FRAME 14
#define DEVMGR_NET_TAG_LEN   4 /* one 802.1Q (0x8100) or 802.1ad (0x88a8) tag */
#define DEVMGR_NET_MAX_TAGS  2 /* QinQ: an 802.1ad tag, then an 802.1Q one */

struct devmgr_net;

/* Offloads (v1.1), as a NIC's: a device offers them only when its
 * configuration asks for them, and a user may ignore them.
 *
 * DEVMGR_NET_OFF_LRO: the receiver may get TCP super-frames, longer than
 * mtu + 14 bytes and at most max_frame: one IPv4 or IPv6 packet carrying
 * the coalesced segments of one TCP stream, its length fields and
 * checksums valid for the whole packet.
 *
 * DEVMGR_NET_OFF_TSO: sendv and send_batch also take TCP super-frames up
 * to max_frame bytes: Ethernet, then IPv4 or IPv6 without extension
 * headers, then TCP, the IP length fields set for the whole packet and
 * the TCP checksum field holding the pseudo-header sum (addresses,
 * protocol and TCP length; folded, not complemented), as a NIC's TSO
 * expects.  The device sends it as segments of at most mtu bytes of IP
 * packet and completes their checksums.  Any other frame longer than
 * mtu + 14 is still -EMSGSIZE. */
#define DEVMGR_NET_OFF_LRO 0x01u
#define DEVMGR_NET_OFF_TSO 0x02u

/* Checksum offloads (v1.2).  Unlike LRO and TSO, a device that offers
 * them does nothing different until its user turns them on with
 * set_offload, since each changes what a frame's checksum field means:
 * a user that forwards frames (a switch) leaves them off.
 *
 * DEVMGR_NET_OFF_CSUM_TX: the device finishes the TCP or UDP checksum of
 * the frames it sends, as a NIC's CHECKSUM_PARTIAL.  Once turned on, the
 * checksum field of every TCP or UDP frame sent over IPv4 (not a
 * fragment) or IPv6 (no extension header) must hold the pseudo-header sum
 * (addresses, protocol and length; folded, not complemented), as a TSO
 * super-frame's does; the device sums from the TCP or UDP header to the
 * end of the IP packet.  Other frames go as they are.
 *
 * DEVMGR_NET_OFF_CSUM_RX: the device vouches for the TCP and UDP
 * checksums of the frames it delivers, as a NIC's CHECKSUM_UNNECESSARY.
 * Once turned on, a delivered frame's checksum field may hold a partial
 * sum (a local sender left it for hardware to finish) and the receiver
 * must not check it; a frame the device cannot vouch for (neither
 * verified by the kernel nor from a local sender) it verifies itself and
 * drops when wrong, counted in rx_errors.  Turned off, every frame comes
 * with its checksums as they are on the wire, finished where a local
 * sender left them partial. */
#define DEVMGR_NET_OFF_CSUM_TX 0x04u
#define DEVMGR_NET_OFF_CSUM_RX 0x08u
#define DEVMGR_NET_OFF_CSUM    (DEVMGR_NET_OFF_CSUM_TX | DEVMGR_NET_OFF_CSUM_RX)

/* Caller supplies the storage. */
struct devmgr_net_info {
	uint8_t mac[6];
	uint8_t reserved0[2];
	uint32_t mtu; /* largest payload; a frame is at most mtu + 14 bytes,
		       * plus its VLAN tags (devmgr_net_frame_max) */
	bool link_up;
	uint8_t offload; /* v1.1: DEVMGR_NET_OFF_* */
	uint8_t reserved1[2];
	uint32_t max_frame; /* v1.1: with an offload, the largest super-frame;
			     * 0 from a v1.0 device: mtu + 14 */
	uint8_t reserved[12];
};

struct devmgr_net_stats {
	uint64_t rx_frames, rx_bytes, rx_drops, rx_errors;
	uint64_t tx_frames, tx_bytes, tx_drops, tx_errors;
};

/* One received frame, borrowed for the call only. */
typedef void (*devmgr_net_rx_fn)(void *arg, struct devmgr_net *n,
				 const void *frame, size_t len);

struct devmgr_net_ops {
	uint32_t minor; /* DEVMGR_NET_MINOR when built */
	uint32_t reserved;
	/* valid for minor 0 */
	/* out arrives zeroed by the core's wrapper: set what you know. */
	int (*info)(struct devmgr_net *n,
		    struct devmgr_net_info *out); /* required */
	/* Send one frame gathered from iov.  Its length must be 14 to
	 * devmgr_net_frame_max() bytes: -EMSGSIZE otherwise, never
	 * truncated.  -EAGAIN when the device cannot take it now (the frame
	 * is not sent; a caller may drop it, as a link would).  0 when
	 * sent. */
	int (*sendv)(struct devmgr_net *n, const struct iovec *iov,
		     int iovcnt); /* required */
	/* Set the receiver (fn NULL: none).  Frames that arrive while there
	 * is no receiver are dropped and counted in rx_drops. */
	int (*set_rx)(struct devmgr_net *n, devmgr_net_rx_fn fn,
		      void *arg); /* required */
	/* Send count frames, frames[i] being one whole frame.  Returns how
	 * many were sent (the first ones), or a negative errno if none. */
	int (*send_batch)(struct devmgr_net *n, const struct iovec *frames,
			  unsigned count); /* optional */
	int (*stats)(struct devmgr_net *n,
		     struct devmgr_net_stats *out); /* optional */
	/* valid for minor 2 */
	/* Turn on the checksum offloads in use (DEVMGR_NET_OFF_CSUM_TX and
	 * _RX among those info offers) and off the others: 0 turns them all
	 * off, as they are when the device is created.  -EINVAL, nothing
	 * changed, for another bit or one not offered. */
	int (*set_offload)(struct devmgr_net *n, unsigned use); /* optional */
};

struct devmgr_net {
	DEVMGR_HANDLE_HEAD(devmgr_net_ops);
};

static inline bool devmgr_net_is_tag(const uint8_t *type)
{
	return (type[0] == 0x81 && type[1] == 0x00) ||
	       (type[0] == 0x88 && type[1] == 0xa8);
}

/* The longest frame (without offloads) whose first have bytes are f:
 * mtu + 14, and 4 more for each VLAN tag at its head, two at most.  As
 * a NIC's, the MTU counts the payload after the tags, so that a VLAN
 * interface over a device has the device's MTU.  have is at least 14,
 * 18 or more to see a second tag. */
static inline size_t devmgr_net_frame_max(const void *f, size_t have,
					  uint32_t mtu)
{
	const uint8_t *b = f;
	size_t most = (size_t)mtu + DEVMGR_NET_HDR_LEN;

	for (unsigned i = 0; i < DEVMGR_NET_MAX_TAGS; i++) {
		size_t at = 12 + i * DEVMGR_NET_TAG_LEN;
		if (have < at + 2 || !devmgr_net_is_tag(b + at))
			break;
		most += DEVMGR_NET_TAG_LEN;
	}
	return most;
}

typedef DEVMGR_SET_OF(devmgr_net) devmgr_net_set;

static inline int devmgr_net_info(struct devmgr_net *n,
				  struct devmgr_net_info *out)
{
	memset(out, 0, sizeof(*out)); /* the provider sets what it knows */
	return n->ops->info(n, out);
}

static inline int devmgr_net_sendv(struct devmgr_net *n,
				   const struct iovec *iov, int iovcnt)
{
	return n->ops->sendv(n, iov, iovcnt);
}

static inline int devmgr_net_send(struct devmgr_net *n, const void *frame,
				  size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };
	return n->ops->sendv(n, &iov, 1);
}

static inline int devmgr_net_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn,
				    void *arg)
{
	return n->ops->set_rx(n, fn, arg);
}

/* Falls back to one sendv per frame when the provider has no batch op. */
static inline int devmgr_net_send_batch(struct devmgr_net *n,
					const struct iovec *frames,
					unsigned count)
{
	if (DEVMGR_HAS_OP(n->ops, 0, send_batch))
		return n->ops->send_batch(n, frames, count);
	unsigned i = 0;
	for (; i < count; i++) {
		int r = n->ops->sendv(n, &frames[i], 1);
		if (r < 0)
			return i ? (int)i : r;
	}
	return (int)i;
}

/* A device without the op offers no checksum offload: 0 turns nothing
 * on, anything else is -EOPNOTSUPP. */
static inline int devmgr_net_set_offload(struct devmgr_net *n, unsigned use)
{
	if (!DEVMGR_HAS_OP(n->ops, 2, set_offload))
		return use ? -EOPNOTSUPP : 0;
	return n->ops->set_offload(n, use);
}

static inline int devmgr_net_stats(struct devmgr_net *n,
				   struct devmgr_net_stats *out)
{
	if (!DEVMGR_HAS_OP(n->ops, 0, stats))
		return -EOPNOTSUPP;
	return n->ops->stats(n, out);
}

#endif
