/* netutil.h: what the net providers share: MAC addresses (parsing, the
 * generated default, finding which interface holds one), frame length
 * checks, a small seeded random generator and the fault settings that
 * net-link and net-debug read from their parameters.  Compiled into each
 * net plugin (and once into a test program that links several). */
#ifndef DEVMGR_NETUTIL_H
#define DEVMGR_NETUTIL_H

#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* Largest payload any provider accepts (the kernel's limit for a tap). */
#define NET_MTU_MAX 65521

/* "02:00:5e:10:00:01" (colons or dashes, either case).  0 or -EINVAL. */
int net_mac_parse(const char *s, uint8_t mac[6]);
/* Writes 18 bytes ("xx:xx:xx:xx:xx:xx" and NUL). */
void net_mac_format(const uint8_t mac[6], char out[18]);
/* A locally administered unicast MAC derived from the provider name, the
 * device id and salt (may be NULL), so that it stays the same from run to
 * run and differs between devices. */
void net_mac_generate(const char *provider, const char *id, const char *salt,
		      uint8_t mac[6]);
/* The device's "mac" parameter, or the generated one when absent.  A
 * given MAC must be unicast and not all zeros. */
int net_mac_param(struct devmgr_device *dev, const char *provider,
		  const char *salt, uint8_t mac[6], struct devmgr_error *err);
/* Name of an interface of the current network namespace with this MAC:
 * 1 and ifname filled, 0 if none, or a negative errno. */
int net_mac_owner(const uint8_t mac[6], char ifname[IF_NAMESIZE]);

/* Total length of a frame gathered from iov: -EINVAL for a bad vector,
 * -EMSGSIZE outside 14 .. devmgr_net_frame_max() (mtu + 14, and 4 more
 * for each of up to two VLAN tags). */
ssize_t net_frame_len(const struct iovec *iov, int iovcnt, uint32_t mtu);
/* Copy a gathered frame of total length len into buf. */
void net_frame_gather(void *buf, const struct iovec *iov, int iovcnt,
		      size_t len);

/* The receiver and the counters every net provider keeps, first in its
 * private data (checked with NET_PORT_FIRST), so that net_port_set_rx and
 * net_port_stats serve as its set_rx and stats ops.  rx_drops is counted
 * atomically: net-link's senders add to it from their own threads. */
struct net_port {
	struct devmgr_net *handle;
	devmgr_net_rx_fn rx;
	void *rx_arg;
	struct devmgr_net_stats st;
};

#define NET_PORT_FIRST(type, member)                                           \
	_Static_assert(offsetof(type, member) == 0,                            \
		       #type ": the net_port must come first")

int net_port_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn, void *arg);
int net_port_stats(struct devmgr_net *n, struct devmgr_net_stats *out);
void net_port_drop(struct net_port *p);
/* A frame that passed the device's checks goes to the receiver and is
 * counted; without a receiver it is dropped and counted. */
void net_port_deliver(struct net_port *p, const void *frame, size_t len);

/* The Internet checksum (RFC 1071): net_csum_add() adds n bytes starting
 * at an even offset of the summed data to a running sum, and
 * net_csum_fold() folds it to 16 bits (not complemented), in network
 * byte order as the bytes were. */
uint64_t net_csum_add(uint64_t sum, const void *data, size_t n);
uint16_t net_csum_fold(uint64_t sum);

/* A TCP or UDP packet in a frame: over IPv4 (not a fragment) or IPv6
 * (no extension header), behind up to two VLAN tags, its lengths within
 * the frame's. */
struct net_l4 {
	size_t l3;     /* offset of the IP header */
	size_t l4;     /* offset of the TCP or UDP header */
	size_t end;    /* end of the IP packet (the frame may be padded) */
	uint8_t ipv;   /* 4 or 6 */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Finds it in the first have bytes of a frame of len: true, or false for
 * any other frame (or one too short for its headers). */
bool net_l4_find(const uint8_t *f, size_t have, size_t len, struct net_l4 *out);
/* The pseudo-header sum of that packet (not folded), for l4len bytes of
 * TCP or UDP. */
uint64_t net_l4_pseudo(const uint8_t *f, const struct net_l4 *l, size_t l4len);
/* Where its checksum field is in the frame. */
static inline size_t net_l4_csum_at(const struct net_l4 *l)
{
	return l->l4 + (l->proto == 6 ? 16 : 6);
}
/* True when the frame's TCP or UDP checksum is right (an IPv4 UDP
 * checksum of 0 is "none"), or it is neither. */
bool net_l4_csum_ok(const uint8_t *f, size_t len);

/* splitmix64: small, seedable, and the same on every machine. */
static inline uint64_t net_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Fault settings: each probability is scaled to 0 .. 2^32 (2^32: always),
 * compared with 32 random bits. */
struct net_fault_cfg {
	uint64_t seed;
	uint64_t loss, duplicate, reorder;
	uint64_t delay_ns;
	bool any; /* some fault or delay is configured */
};

/* The fault parameters, for a provider's parameter table. */
#define NET_FAULT_PARAMS                                                       \
	{ "seed",                                                              \
	  DEVMGR_PARAM_INT,                                                    \
	  0,                                                                   \
	  "1",                                                                 \
	  "seed of the fault generator: the same seed and traffic give the "   \
	  "same faults",                                                       \
	  0,                                                                   \
	  0 },                                                                 \
		{ "loss",                                                      \
		  DEVMGR_PARAM_STRING,                                         \
		  0,                                                           \
		  "\"0\"",                                                     \
		  "probability that a frame is dropped: \"5%\" or \"0.05\"",   \
		  0,                                                           \
		  0 },                                                         \
		{ "duplicate",                                                 \
		  DEVMGR_PARAM_STRING,                                         \
		  0,                                                           \
		  "\"0\"",                                                     \
		  "probability that a frame is delivered twice",               \
		  0,                                                           \
		  0 },                                                         \
		{ "reorder",                                                   \
		  DEVMGR_PARAM_STRING,                                         \
		  0,                                                           \
		  "\"0\"",                                                     \
		  "probability that a frame is held back and follows the "     \
		  "next one "                                                  \
		  "(released after 5 ms if none comes)",                       \
		  0,                                                           \
		  0 },                                                         \
	{                                                                      \
		"delay_ms", DEVMGR_PARAM_INT, 0, "0",                          \
			"delay added to every frame, in milliseconds", 0,      \
			60000                                                  \
	}

/* Read the NET_FAULT_PARAMS of dev.  0, or -EINVAL naming the parameter. */
int net_fault_params(struct devmgr_device *dev, struct net_fault_cfg *cfg,
		     struct devmgr_error *err);

#endif
