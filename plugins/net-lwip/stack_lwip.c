/* stack-lwip: the stack signature over any net device, with lwIP 2.1.3
 * (raw TCP/UDP API, static IPv4 and optional IPv6 addresses; ARP, ICMP
 * echo, TCP and UDP come from lwIP itself).  lwIP is built into this
 * plugin from Debian's lwip source package with lwipopts.h (or, with
 * --with-system-lwip, Debian's liblwip).
 *
 * Threads.  Both builds have NO_SYS=0 and LWIP_TCPIP_CORE_LOCKING:
 * tcpip_init() starts lwIP's tcpip thread, which runs its timers
 * (retransmission, delayed ACK, ARP ageing), and any other thread may
 * call the raw API while it holds the core lock (LOCK_TCPIP_CORE).  So:
 *   - the devmgr loop thread feeds received frames to lwIP and makes the
 *     app's calls, each time under the core lock;
 *   - lwIP's callbacks (on either thread, always under the lock) only
 *     record state in the socket and wake the loop through an eventfd;
 *   - frames lwIP sends on the loop thread go to the net device at once
 *     (the net signature never delivers a frame from inside sendv, so
 *     the device cannot call back into lwIP while the lock is held),
 *     except that on a device with TSO, TCP segments that follow one
 *     another are joined into one super-frame, sent before the loop
 *     thread lets the lock go (lw_unlock);
 *     frames it sends on the tcpip thread are copied to a queue that the
 *     loop thread sends, so that only the loop thread uses the device;
 *   - the app's functions run on the loop thread, without the lock.
 * lwIP has one global state per process, shared by every stack-lwip
 * device: each device is one netif, and its sockets are bound to that
 * netif (tcp_bind_netif), so two devices in one process do not mix their
 * traffic.
 *
 * Offloads.  lwIP (an MSS of the MTU less 40) cuts TCP into segments of
 * one frame each; over a tap every frame costs a system call and the
 * kernel's per-packet work.  On a device that offers them
 * (DEVMGR_NET_OFF_*), received TCP super-frames go straight to lwIP's IP
 * input as one segment, and runs of lwIP's data segments are sent as
 * one super-frame for the device to cut again.  A device's checksum
 * offloads (DEVMGR_NET_OFF_CSUM_*, unless csum_offload is false) are
 * turned on, and lwIP's netif then neither makes nor checks the TCP and
 * UDP sums the device makes or vouches for.
 *
 * Readiness is level-triggered: after each round of the app's functions
 * the stack looks again, and while a socket is still ready for what its
 * app asked, the eventfd stays signalled, so the next dispatch calls the
 * app again.
 *
 * The device (this file), the socket operations (lw_sock.c) and the
 * super-frames (lw_super.c) share stack_lwip.h. */
#include "stack_lwip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <devmgr/provider/net.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/priv/tcp_priv.h" /* tcp_tw_pcbs */
#include "netif/ethernet.h"

#define LW_MAX_FRAME 65535
#define LW_RX_ALIGN  2 /* IPv4: see on_frame() */
#define LW_RX_ALIGN6 6 /* IPv6: see on_frame() */
#define LW_RX_PAD    128

static pthread_once_t lw_once = PTHREAD_ONCE_INIT;

#ifdef DEVMGR_OWN_LWIP
/* ---- initial sequence numbers (RFC 6528) ----------------------------- */

/* ISN = M + F(local, lport, remote, rport, key): M a clock ticking every
 * 4 microseconds, F SipHash-2-4 keyed from getrandom() once per process.
 * Consecutive connections get numbers an observer cannot step through,
 * while one 4-tuple's numbers still grow with time. */
static uint64_t isn_key[2];

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL64(v[1], 13) ^ v[0];
	v[0] = ROTL64(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL64(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL64(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL64(v[1], 17) ^ v[2];
	v[2] = ROTL64(v[2], 32);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4 of len bytes. */
static uint64_t siphash24(const uint64_t k[2], const uint8_t *m, size_t len)
{
	uint64_t v[4] = { k[0] ^ 0x736f6d6570736575ull,
			  k[1] ^ 0x646f72616e646f6dull,
			  k[0] ^ 0x6c7967656e657261ull,
			  k[1] ^ 0x7465646279746573ull };
	uint64_t b = (uint64_t)len << 56, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		w = get_le64(m + i);
		v[3] ^= w;
		sip_round(v);
		sip_round(v);
		v[0] ^= w;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)m[i + j] << (8 * j);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static size_t put_addr(uint8_t *p, const ip_addr_t *a)
{
	if (IP_IS_V6(a)) {
		memcpy(p, ip_2_ip6(a)->addr, 16);
		return 16;
	}
	memcpy(p, &ip_2_ip4(a)->addr, 4);
	return 4;
}

/* F of the 4-tuple. */
static uint32_t isn_hash(const ip_addr_t *local, u16_t lport,
			 const ip_addr_t *remote, u16_t rport)
{
	uint8_t m[2 * 16 + 4];
	size_t n = 0;

	n += put_addr(m + n, local);
	n += put_addr(m + n, remote);
	m[n++] = (uint8_t)(lport >> 8);
	m[n++] = (uint8_t)lport;
	m[n++] = (uint8_t)(rport >> 8);
	m[n++] = (uint8_t)rport;
	return (uint32_t)siphash24(isn_key, m, n);
}

/* M: 4-microsecond ticks. */
static uint32_t isn_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 250000u +
			  (uint64_t)ts.tv_nsec / 4000u);
}

/* lwIP's LWIP_HOOK_TCP_ISN, under the core lock; hidden like lwIP. */
__attribute__((visibility("hidden"))) unsigned int
devmgr_lw_isn(const struct ip_addr *local, unsigned short lport,
	      const struct ip_addr *remote, unsigned short rport)
{
	return isn_clock() + isn_hash(local, lport, remote, rport);
}

static void isn_init(void)
{
	/* a short read leaves part of the key from the clock: never
	 * worse than lwIP's own counter */
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	isn_key[0] = (uint64_t)ts.tv_sec << 32 ^ (uint64_t)ts.tv_nsec;
	isn_key[1] = (uint64_t)getpid();
	if (getrandom(isn_key, sizeof(isn_key), 0) != sizeof(isn_key))
		isn_key[1] ^= (uint64_t)ts.tv_nsec << 20;
}
#else
static void isn_init(void)
{
}
#endif

static void lw_init_once(void)
{
	isn_init();
	tcpip_init(NULL, NULL);
}

/* ---- checksum offload ------------------------------------------------ */

/* The netif's switches for the offloads in use: the TCP and UDP sums the
 * device makes (TX) or vouches for (RX) are left to it; IP headers, ICMP
 * and ICMPv6 stay lwIP's, as net.h offloads nothing else. */
#if LWIP_CHECKSUM_CTRL_PER_NETIF
static u16_t csum_flags_of(unsigned use)
{
	unsigned f = NETIF_CHECKSUM_ENABLE_ALL;

	if (use & DEVMGR_NET_OFF_CSUM_TX)
		f &= ~(unsigned)(NETIF_CHECKSUM_GEN_TCP |
				 NETIF_CHECKSUM_GEN_UDP);
	if (use & DEVMGR_NET_OFF_CSUM_RX)
		f &= ~(unsigned)(NETIF_CHECKSUM_CHECK_TCP |
				 NETIF_CHECKSUM_CHECK_UDP);
	return (u16_t)f;
}
#endif

/* Which of the device's checksum offloads to turn on.  lwIP loops a
 * packet to the stack's own address back into the netif it was sent on
 * (LWIP_NETIF_LOOPBACK), past that netif's checks: a sum left to the
 * device would meet lwIP's own check there, so TX goes only with RX.
 * Debian's liblwip has no per-netif switch: nothing is turned on. */
static unsigned csum_choose(struct devmgr_device *dev,
			    const struct devmgr_net_info *ni)
{
	unsigned use = ni->offload & DEVMGR_NET_OFF_CSUM;

	if (!LWIP_CHECKSUM_CTRL_PER_NETIF ||
	    !devmgr_param_bool(dev, "csum_offload") ||
	    !(use & DEVMGR_NET_OFF_CSUM_RX))
		return 0;
	return use;
}

/* A TCP or UDP packet sent whole (IPv4 and not a fragment, or IPv6
 * without extension headers) while the device finishes the sums: its
 * checksum field gets the pseudo-header sum that DEVMGR_NET_OFF_CSUM_TX
 * asks for, where lwIP left 0 (or its own sum, lw_csum_udp).  lwIP
 * prepends the IP and Ethernet headers to the pbuf that holds the TCP or
 * UDP header, so the headers are in the first pbuf. */
static void csum_tx(struct pbuf *p)
{
	uint8_t *f = p->payload;
	struct devmgr_net_l4 l;
	uint16_t sum;

	if (!devmgr_net_l4_find(f, p->len, p->tot_len, &l))
		return;
	sum = devmgr_net_csum_fold(devmgr_net_l4_pseudo(f, &l, l.end - l.l4));
	memcpy(f + devmgr_net_l4_csum_at(&l), &sum, 2);
}

void lw_csum_udp(struct lw_stack *st, size_t len)
{
#if LWIP_CHECKSUM_CTRL_PER_NETIF
	size_t mtu = st->netif.mtu;

	if (netif_mtu6(&st->netif) < mtu)
		mtu = netif_mtu6(&st->netif);
	if ((st->csum & DEVMGR_NET_OFF_CSUM_TX) && len + 8 + 40 > mtu)
		NETIF_SET_CHECKSUM_CTRL(
			&st->netif, st->csum_flags | NETIF_CHECKSUM_GEN_UDP);
#else
	(void)st;
	(void)len;
#endif
}

void lw_csum_restore(struct lw_stack *st)
{
#if LWIP_CHECKSUM_CTRL_PER_NETIF
	NETIF_SET_CHECKSUM_CTRL(&st->netif, st->csum_flags);
#else
	(void)st;
#endif
}

/* Under the core lock, before a received frame goes to lwIP: the device
 * vouches only for the TCP and UDP sums it can see whole (the packets
 * CSUM_TX covers), so for a fragment, or an IPv6 packet with extension
 * headers, lwIP checks the TCP and UDP sums itself. */
static bool csum_rx_unvouched(struct lw_stack *st, const uint8_t *f, size_t len)
{
	struct devmgr_net_l4 l;

	if (!(st->csum & DEVMGR_NET_OFF_CSUM_RX) ||
	    devmgr_net_l4_find(f, len, len, &l))
		return false;
#if LWIP_CHECKSUM_CTRL_PER_NETIF
	NETIF_SET_CHECKSUM_CTRL(&st->netif, st->csum_flags |
						    NETIF_CHECKSUM_CHECK_TCP |
						    NETIF_CHECKSUM_CHECK_UDP);
#endif
	return true;
}

/* ---- waking the loop, sending frames --------------------------------- */

/* Under the core lock.  One write per round at most: kicked is cleared
 * when the loop takes the wake-up. */
void lw_kick(struct lw_stack *st)
{
	uint64_t one = 1;

	if (st->kicked)
		return;
	st->kicked = true;
	if (write(st->evfd, &one, sizeof(one)) < 0)
		st->kicked = false; /* full counter: the loop is awake anyway */
}

/* Every loop-thread exit from lwIP: the run waits for nothing else. */
void lw_unlock(struct lw_stack *st)
{
	lw_gso_flush(st);
	UNLOCK_TCPIP_CORE();
}

/* On the loop thread, with nothing queued before it, a frame goes to the
 * device at once, gathered from the pbuf chain: the net signature
 * delivers received frames only through the loop, never from inside
 * sendv, so no device can call back into lwIP while the lock is held. */
static bool send_now(struct lw_stack *st, struct pbuf *p)
{
	struct iovec iov[8];
	int n = 0;

	if (st->txq != NULL || !pthread_equal(pthread_self(), st->loop_thread))
		return false;
	if (st->gso.buf != NULL) {
		if (p->next == NULL && lw_gso_add(st, p->payload, p->len))
			return true;
		lw_gso_flush(st);
	}
	for (struct pbuf *q = p; q != NULL; q = q->next) {
		if (n == 8)
			return false;
		iov[n].iov_base = q->payload;
		iov[n++].iov_len = q->len;
	}
	devmgr_net_sendv(st->net, iov, n); /* -EAGAIN: dropped, as a link */
	return true;
}

/* lwIP's output, under the core lock, on any thread.  Frames from the
 * tcpip thread (timers) are copied to the queue that the loop thread
 * sends. */
static err_t lw_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct lw_stack *st = netif->state;
	struct lw_frame *f;

	if (p->tot_len > st->mtu + DEVMGR_NET_HDR_LEN)
		return ERR_BUF;
	if (st->csum & DEVMGR_NET_OFF_CSUM_TX)
		csum_tx(p);
	if (send_now(st, p))
		return ERR_OK;
	f = malloc(sizeof(*f) + p->tot_len);
	if (f == NULL)
		return ERR_MEM;
	f->next = NULL;
	f->len = pbuf_copy_partial(p, f->data, p->tot_len, 0);
	if (st->txq_tail)
		st->txq_tail->next = f;
	else
		st->txq = f;
	st->txq_tail = f;
	if (!pthread_equal(pthread_self(), st->loop_thread))
		lw_kick(st);
	return ERR_OK;
}

/* Loop thread, without the lock: the frames queued by the tcpip thread.
 * A frame the device cannot take now is dropped, as a busy link would;
 * TCP sends it again.  Not reentered. */
void lw_flush_tx(struct lw_stack *st)
{
	struct lw_frame *f;

	if (st->flushing)
		return;
	st->flushing = true;
	for (;;) {
		LOCK_TCPIP_CORE();
		f = st->txq;
		st->txq = st->txq_tail = NULL;
		lw_unlock(st);
		if (f == NULL)
			break;
		while (f) {
			struct lw_frame *next = f->next;

			devmgr_net_send(st->net, f->data, f->len);
			free(f);
			f = next;
		}
	}
	st->flushing = false;
}

void lw_unlock_flush(struct lw_stack *st)
{
	lw_unlock(st);
	lw_flush_tx(st);
}

/* ---- frames in --------------------------------------------------------- */

/* Under the core lock, before a frame goes to lwIP.  A SYN for a port
 * pair that lwIP holds in TIME_WAIT, with a sequence number past the old
 * connection's, starts a new connection, as RFC 6191 and Linux allow
 * (without timestamps, the sequence number alone says the SYN is not an
 * old duplicate).  lwIP 2.1 answers it with an ACK and drops it for
 * 2 MSL, so a client that comes back to its ports within that time (ab:
 * thousands of short connections, which the server closes first) is
 * stalled.  The old connection goes (tcp_abort of a TIME_WAIT pcb only
 * frees it) and the listener sees the SYN. */
static void tw_reopen(const uint8_t *f, size_t len)
{
	struct devmgr_net_l4 l;

	if (tcp_tw_pcbs == NULL || !devmgr_net_l4_find(f, len, len, &l) ||
	    l.proto != IPPROTO_TCP || l.end - l.l4 < 20)
		return;
	const uint8_t *t = f + l.l4;
	if ((t[13] & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return;
	u16_t sport = (u16_t)(t[0] << 8 | t[1]);
	u16_t dport = (u16_t)(t[2] << 8 | t[3]);
	u32_t seq =
		(u32_t)t[4] << 24 | (u32_t)t[5] << 16 | (u32_t)t[6] << 8 | t[7];
	/* Source and destination addresses, in network order. */
	const uint8_t *src = f + l.l3 + (l.ipv == 4 ? 12 : 8);
	const uint8_t *dst = src + (l.ipv == 4 ? 4 : 16);
	size_t alen = l.ipv == 4 ? 4 : 16;

	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb != NULL; pcb = pcb->next) {
		const void *rip, *lip;

		if (pcb->remote_port != sport || pcb->local_port != dport)
			continue;
		if (l.ipv == 4 && IP_IS_V4_VAL(pcb->remote_ip)) {
			rip = &ip_2_ip4(&pcb->remote_ip)->addr;
			lip = &ip_2_ip4(&pcb->local_ip)->addr;
		} else if (l.ipv == 6 && IP_IS_V6_VAL(pcb->remote_ip)) {
			rip = ip_2_ip6(&pcb->remote_ip)->addr;
			lip = ip_2_ip6(&pcb->local_ip)->addr;
		} else {
			continue;
		}
		if (memcmp(rip, src, alen) != 0 || memcmp(lip, dst, alen) != 0)
			continue;
		if (TCP_SEQ_GT(seq, pcb->rcv_nxt))
			tcp_abort(pcb);
		return;
	}
}

/* Loop thread.  Frames shorter than an Ethernet header or longer than
 * the device's MTU allows are dropped here; lwIP checks the rest.
 *
 * The frame is copied a few bytes into its buffer so that the pointers
 * lwIP's reassembly keeps inside a queued fragment are 8-byte aligned,
 * since a leak checker only sees aligned pointers: 2 bytes for IPv4,
 * whose helper overlays the IP header after the 14-byte Ethernet header;
 * 6 for IPv6, whose 12-byte helper starts 4 bytes before the fragment
 * header (IPV6_FRAG_COPYHEADER), itself 40 bytes (plus extension headers,
 * multiples of 8) after the IP header.  Zeroed bytes follow the frame
 * (outside the pbuf's length) because lwIP 2.1 reads some header fields
 * (ARP, IPv4 and IPv6 lengths) before checking that the frame holds them:
 * those reads then stay inside the buffer and see zeros.  A frame longer
 * than the MTU is a TCP super-frame (lw_super.c). */
static void on_frame(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	struct lw_stack *st = arg;
	const uint8_t *f = frame;
	struct pbuf *p;
	size_t align;

	(void)n;
	if (len > st->mtu + DEVMGR_NET_HDR_LEN) {
		lw_super_frame_in(st, frame, len);
		return;
	}
	if (len < DEVMGR_NET_MIN_FRAME ||
	    len > LW_MAX_FRAME - LW_RX_ALIGN6 - LW_RX_PAD)
		return;
	align = f[12] == 0x86 && f[13] == 0xdd ? LW_RX_ALIGN6 : LW_RX_ALIGN;
	LOCK_TCPIP_CORE();
	p = pbuf_alloc(PBUF_RAW, (u16_t)(align + len + LW_RX_PAD), PBUF_RAM);
	if (p != NULL) {
		pbuf_remove_header(p, align);
		memcpy(p->payload, frame, len);
		memset((char *)p->payload + len, 0, LW_RX_PAD);
		p->len = p->tot_len = (u16_t)len;
		bool check = csum_rx_unvouched(st, frame, len);

		tw_reopen(frame, len);
		if (st->netif.input(p, &st->netif) != ERR_OK)
			pbuf_free(p);
		if (check)
			lw_csum_restore(st);
	}
	lw_unlock_flush(st);
}

/* ---- the device ------------------------------------------------------ */

static const struct devmgr_param lw_params[] = {
	{ "address", DEVMGR_PARAM_STRING, DEVMGR_PARAM_REQUIRED, NULL,
	  "static IPv4 address (\"10.0.0.2\")", 0, 0 },
	{ "netmask", DEVMGR_PARAM_STRING, 0, "\"255.255.255.0\"",
	  "IPv4 netmask", 0, 0 },
	{ "gateway", DEVMGR_PARAM_STRING, 0, "\"\"",
	  "IPv4 default gateway (\"\": none)", 0, 0 },
	{ "ipv6", DEVMGR_PARAM_STRING, 0, "\"\"",
	  "static IPv6 address (\"\": IPv4 only; a link-local address is "
	  "added when set)",
	  0, 0 },
	{ "csum_offload", DEVMGR_PARAM_BOOL, 0, "true",
	  "leave TCP and UDP checksums to a net device that offers checksum "
	  "offload (false: lwIP makes and checks them all)",
	  0, 0 },
	{ NULL },
};

static err_t lw_netif_init(struct netif *netif)
{
	struct lw_stack *st = netif->state;
	struct devmgr_net_info ni;

	if (devmgr_net_info(st->net, &ni) < 0)
		return ERR_IF;
	netif->name[0] = 'd';
	netif->name[1] = 'm';
	netif->hwaddr_len = 6;
	memcpy(netif->hwaddr, ni.mac, 6);
	netif->mtu = (u16_t)(st->mtu > 65535 ? 65535 : st->mtu);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		       NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = lw_linkoutput;
#if LWIP_CHECKSUM_CTRL_PER_NETIF
	/* Without checksum offload lwIP makes and checks every sum (a TSO
	 * device completes the sums of the segments it cuts, but a single
	 * segment goes out as lwIP made it). */
	NETIF_SET_CHECKSUM_CTRL(netif, st->csum_flags);
#endif
	return ERR_OK;
}

static int parse4(const char *name, const char *text, bool empty_ok,
		  ip4_addr_t *out, struct devmgr_error *err)
{
	struct in_addr a;

	if (empty_ok && (text == NULL || text[0] == '\0')) {
		ip4_addr_set_zero(out);
		return 0;
	}
	if (text == NULL || inet_pton(AF_INET, text, &a) != 1)
		return devmgr_error_set(err, -EINVAL,
					"%s \"%s\" is not an IPv4 address",
					name, text ? text : "");
	ip4_addr_set_u32(out, a.s_addr);
	return 0;
}

static int parse_params(struct devmgr_device *dev, struct lw_stack *st,
			ip4_addr_t *ip, ip4_addr_t *mask, ip4_addr_t *gw,
			struct devmgr_error *err)
{
	const char *v6 = devmgr_param_str(dev, "ipv6");
	int rc = parse4("address", devmgr_param_str(dev, "address"), false, ip,
			err);

	if (rc == 0)
		rc = parse4("netmask", devmgr_param_str(dev, "netmask"), false,
			    mask, err);
	if (rc == 0)
		rc = parse4("gateway", devmgr_param_str(dev, "gateway"), true,
			    gw, err);
	if (rc < 0)
		return rc;
	uint32_t host =
		ntohl(ip4_addr_get_u32(ip)) & ~ntohl(ip4_addr_get_u32(mask));

	if (ip4_addr_isany(ip) || ip4_addr_ismulticast(ip) ||
	    ip4_addr_get_u32(ip) == IPADDR_BROADCAST ||
	    (~ntohl(ip4_addr_get_u32(mask)) > 1 &&
	     (host == 0 || host == ~ntohl(ip4_addr_get_u32(mask)))))
		return devmgr_error_set(err, -EINVAL,
					"address \"%s\" cannot be a host's "
					"address",
					devmgr_param_str(dev, "address"));
	if (!ip4_addr_netmask_valid(ip4_addr_get_u32(mask)))
		return devmgr_error_set(err, -EINVAL,
					"netmask \"%s\" is not a netmask",
					devmgr_param_str(dev, "netmask"));
	if (v6 != NULL && v6[0] != '\0') {
		struct in6_addr a6;

		if (inet_pton(AF_INET6, v6, &a6) != 1 ||
		    IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_MULTICAST(&a6))
			return devmgr_error_set(err, -EINVAL,
						"ipv6 \"%s\" is not a unicast "
						"IPv6 address",
						v6);
		ip_addr_set_zero_ip6(&st->ip6);
		memcpy(ip_2_ip6(&st->ip6)->addr, &a6, 16);
		st->has_ipv6 = true;
	}
	return 0;
}

/* Under the lock. */
static int add_netif(struct lw_stack *st, const ip4_addr_t *ip,
		     const ip4_addr_t *mask, const ip4_addr_t *gw,
		     struct devmgr_error *err)
{
	if (netif_add(&st->netif, ip, mask, gw, st, lw_netif_init,
		      ethernet_input) == NULL)
		return devmgr_error_set(err, -ENODEV,
					"lwIP refused the interface");
	st->netif_added = true;
	if (st->has_ipv6) {
		s8_t idx;

		netif_create_ip6_linklocal_address(&st->netif, 1);
		if (netif_add_ip6_address(&st->netif, ip_2_ip6(&st->ip6),
					  &idx) != ERR_OK)
			return devmgr_error_set(err, -ENOSPC,
						"lwIP refused the IPv6 "
						"address");
		netif_ip6_addr_set_state(&st->netif, idx, IP6_ADDR_PREFERRED);
	}
	netif_set_link_up(&st->netif);
	netif_set_up(&st->netif);
	return 0;
}

static void lw_destroy(struct devmgr_device *dev);

static int lw_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct lw_stack *st = devmgr_device_priv(dev);
	struct devmgr_net_info ni;
	ip4_addr_t ip, mask, gw;
	unsigned use;
	int rc;

	st->ctx = devmgr_device_ctx(dev);
	st->net = devmgr_device_handle(devmgr_device_dep(dev, 0));
	st->loop_thread = pthread_self();
	st->evfd = -1;
	rc = parse_params(dev, st, &ip, &mask, &gw, err);
	if (rc < 0)
		return rc;
	rc = devmgr_net_info(st->net, &ni);
	if (rc < 0)
		return devmgr_error_set(err, rc, "net device info: %s",
					strerror(-rc));
	if (ni.mtu < 576)
		return devmgr_error_set(err, -EINVAL,
					"the net device's MTU %u is below "
					"IPv4's 576",
					ni.mtu);
	st->mtu = ni.mtu;
	st->max_frame = ni.offload ? ni.max_frame : 0;
	st->lro = (ni.offload & DEVMGR_NET_OFF_LRO) && ni.max_frame > ni.mtu;
	use = csum_choose(dev, &ni);
	if (use) {
		rc = devmgr_net_set_offload(st->net, use);
		if (rc < 0)
			return devmgr_error_set(err, rc,
						"net device set_offload(0x%x): "
						"%s",
						use, strerror(-rc));
		st->csum = use;
	}
#if LWIP_CHECKSUM_CTRL_PER_NETIF
	st->csum_flags = csum_flags_of(st->csum);
#endif
	pthread_once(&lw_once, lw_init_once);
	st->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (st->evfd < 0)
		return devmgr_error_set(err, -errno, "eventfd: %s",
					strerror(errno));
	st->watch = devmgr_watch_fd(st->ctx, st->evfd, DEVMGR_EV_READ,
				    lw_on_wake, st);
	if (st->watch == NULL) {
		rc = devmgr_error_set(err, -errno, "watch: %s",
				      strerror(errno));
		lw_destroy(dev);
		return rc;
	}
	if ((ni.offload & DEVMGR_NET_OFF_TSO) &&
	    ni.max_frame > ni.mtu + DEVMGR_NET_HDR_LEN) {
		st->gso.buf = malloc(ni.max_frame);
		if (st->gso.buf == NULL) {
			lw_destroy(dev);
			return devmgr_error_set(err, -ENOMEM, "out of memory");
		}
	}
	LOCK_TCPIP_CORE();
	rc = add_netif(st, &ip, &mask, &gw, err);
	lw_unlock(st);
	if (rc == 0) {
		rc = devmgr_net_set_rx(st->net, on_frame, st);
		if (rc < 0)
			devmgr_error_set(err, rc, "net device set_rx: %s",
					 strerror(-rc));
	}
	if (rc < 0) {
		lw_destroy(dev);
		return rc;
	}
	lw_flush_tx(st); /* gratuitous ARP, IPv6 router solicitation */
	return 0;
}

static void lw_destroy(struct devmgr_device *dev)
{
	struct lw_stack *st = devmgr_device_priv(dev);

	if (st->net)
		devmgr_net_set_rx(st->net, NULL, NULL);
	if (st->csum) /* the device as it was, for whoever uses it next */
		devmgr_net_set_offload(st->net, 0);
	st->csum = 0;
	LOCK_TCPIP_CORE();
	/* sockets the app left open */
	while (st->socks) {
		struct lw_sock *s = st->socks;

		lw_sock_release_locked(s);
		lw_sock_unlink(st, s);
		free(s);
	}
	if (st->netif_added)
		netif_remove(&st->netif);
	st->netif_added = false;
	while (st->txq) {
		struct lw_frame *f = st->txq;

		st->txq = f->next;
		free(f);
	}
	st->txq_tail = NULL;
	lw_unlock(st); /* the RSTs of those sockets */
	free(st->gso.buf);
	st->gso.buf = NULL;
	lw_reap_zombies(st);
	devmgr_watch_cancel(st->watch);
	st->watch = NULL;
	if (st->evfd >= 0)
		close(st->evfd);
	st->evfd = -1;
	free(st->ready);
	st->ready = NULL;
}

static const struct devmgr_provider lw_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "stack-lwip",
	.help = "TCP/IP stack in the process (lwIP) over a net device",
	.sig = "stack",
	.sig_major = DEVMGR_STACK_MAJOR,
	.sig_minor = DEVMGR_STACK_MINOR,
	.ops = &lw_stack_ops,
	.params = lw_params,
	.on_sig = "net",
	.on_min = 1,
	.on_max = 1,
	.priv_size = sizeof(struct lw_stack),
	.create = lw_create,
	.destroy = lw_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&lw_provider,
	NULL,
};

DEVMGR_PLUGIN("net-lwip", "0.1.0", providers, NULL);
