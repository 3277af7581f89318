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
 * one super-frame for the device to cut again.
 *
 * Readiness is level-triggered: after each round of the app's functions
 * the stack looks again, and while a socket is still ready for what its
 * app asked, the eventfd stays signalled, so the next dispatch calls the
 * app again. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#define LW_UDP_QUEUE 256   /* datagrams waiting per UDP socket */
#define LW_MAX_DGRAM 65507 /* largest UDP payload over IPv4 */
#define LW_MAX_FRAME 65535
#define LW_RX_ALIGN  2 /* see on_frame() */
#define LW_RX_PAD    128

struct lw_stack;

enum lw_kind { LW_TCP, LW_LISTEN, LW_UDP };
enum lw_state { LW_NEW, LW_CONNECTING, LW_CONNECTED, LW_CLOSED };

struct lw_dgram {
	struct lw_dgram *next;
	struct pbuf *p;
	ip_addr_t addr;
	u16_t port;
};

/* Received TCP data, in chains of at most 64 KiB: a pbuf's tot_len is 16
 * bits, and a scaled window holds far more. */
struct lw_rxbuf {
	struct lw_rxbuf *next;
	struct pbuf *p;
};

struct lw_sock {
	struct devmgr_sock head; /* first: apps hold a pointer to it */
	struct lw_stack *st;
	struct lw_sock *next, *prev; /* the stack's list, or an accept queue */
	enum lw_kind kind;
	enum lw_state state;
	int family;
	bool bound;
	bool dead; /* closed by the app during a dispatch round */
	bool eof;  /* the peer has ended its stream */
	bool shut_wr;
	int err; /* pending error, handed to the next call */
	union {
		struct tcp_pcb *tcp;
		struct tcp_pcb_listen *listen;
		struct udp_pcb *udp;
	} pcb;
	struct lw_rxbuf *rx, *rx_tail; /* TCP data not yet read */
	/* a listener's accepted connections, not yet taken */
	struct lw_sock *accq;
	unsigned accq_len, backlog;
	/* UDP datagrams not yet read */
	struct lw_dgram *dq_head, *dq_tail;
	unsigned dq_len;
	ip_addr_t peer;
	u16_t peer_port;
	/* loop thread only */
	unsigned events;
	devmgr_sock_fn fn;
	void *arg;
};

struct lw_frame {
	struct lw_frame *next;
	size_t len;
	unsigned char data[];
};

/* A run of TCP segments of one connection, joined (loop thread). */
struct lw_gso {
	uint8_t *buf; /* max_frame bytes; NULL without TSO */
	size_t len;   /* 0: nothing pending */
	uint8_t hl;   /* Ethernet, IP and TCP headers: 54 (IPv4) or 74 */
	unsigned nseg;
	uint32_t next_seq;  /* host order */
	uint16_t seg, last; /* payload of the first and of the last segment */
	uint8_t flags;	    /* TCP flags of the segments, or-ed */
};

struct lw_ready {
	struct lw_sock *s;
	unsigned ev;
};

struct lw_stack {
	struct devmgr_ctx *ctx;
	struct devmgr_net *net;
	struct netif netif;
	bool netif_added;
	bool has_ipv6;
	ip_addr_t ip6;
	uint32_t mtu;
	uint32_t max_frame; /* largest super-frame in and out (offloads) */
	bool lro;
	pthread_t loop_thread;
	int evfd;
	struct devmgr_watch *watch;
	/* under the core lock */
	bool kicked;
	struct lw_frame *txq, *txq_tail;
	struct lw_sock *socks;
	/* loop thread only */
	bool dispatching, flushing;
	struct lw_gso gso;
	struct lw_sock *zombies;
	struct lw_ready *ready; /* one dispatch round's ready sockets */
	size_t ready_cap;
};

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

/* lwIP's LWIP_HOOK_TCP_ISN, under the core lock; hidden like lwIP. */
__attribute__((visibility("hidden"))) unsigned int
devmgr_lw_isn(const struct ip_addr *local, unsigned short lport,
	      const struct ip_addr *remote, unsigned short rport)
{
	uint8_t m[2 * 16 + 4];
	size_t n = 0;
	struct timespec ts;

	n += put_addr(m + n, local);
	n += put_addr(m + n, remote);
	m[n++] = (uint8_t)(lport >> 8);
	m[n++] = (uint8_t)lport;
	m[n++] = (uint8_t)(rport >> 8);
	m[n++] = (uint8_t)rport;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(((uint64_t)ts.tv_sec * 250000u +
			   (uint64_t)ts.tv_nsec / 4000u) +
			  siphash24(isn_key, m, n));
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

static struct lw_stack *stack_of(struct devmgr_stack *st)
{
	return st->priv;
}

static struct lw_sock *sock_of(struct devmgr_sock *s)
{
	return (struct lw_sock *)s;
}

/* ---- waking the loop, sending frames --------------------------------- */

/* Under the core lock.  One write per round at most: kicked is cleared
 * when the loop takes the wake-up. */
static void kick(struct lw_stack *st)
{
	uint64_t one = 1;

	if (st->kicked)
		return;
	st->kicked = true;
	if (write(st->evfd, &one, sizeof(one)) < 0)
		st->kicked = false; /* full counter: the loop is awake anyway */
}

/* ---- TCP super-frames out (TSO) ------------------------------------ */

#define ETH_L3	 14 /* the IP header, after Ethernet */
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A data segment that can join a run: IPv4 without options and not a
 * fragment, or IPv6 with TCP as its first next header; TCP without
 * options, flags ACK and maybe PSH (SYN, FIN, RST and URG go alone).
 * Returns the length of its headers (Ethernet, IP, TCP), or 0. */
static size_t tcp_plain(const uint8_t *f, size_t len)
{
	size_t l3;

	if (len <= ETH_L3 + 40 + 20)
		return 0;
	switch (get16(f + 12)) {
	case 0x0800:
		if (f[14] != 0x45 || f[23] != IP_PROTO_TCP ||
		    get16(f + 16) != len - ETH_L3 || (get16(f + 20) & 0x3fff))
			return 0;
		l3 = 20;
		break;
	case 0x86dd:
		if (f[14] >> 4 != 6 || f[20] != IP_PROTO_TCP ||
		    get16(f + 18) != len - ETH_L3 - 40)
			return 0;
		l3 = 40;
		break;
	default:
		return 0;
	}
	const uint8_t *t = f + ETH_L3 + l3;

	if (t[12] >> 4 != 5 || (t[13] & ~TCPF_PSH) != TCPF_ACK)
		return 0;
	return ETH_L3 + l3 + 20;
}

/* The same connection and headers as the run, and the next byte of it,
 * after a full-sized segment (only the last may be short).  Full-sized is
 * what fills the MTU: the device cuts a super-frame at the MTU, so only
 * then are the segments it makes the ones lwIP made (a peer's smaller
 * MSS, or the 1460 of Debian's liblwip under a larger MTU, leaves
 * segments alone). */
static bool gso_continues(const struct lw_stack *st, const uint8_t *f,
			  size_t hl, size_t pay)
{
	const struct lw_gso *g = &st->gso;
	const uint8_t *r = g->buf, *t = f + hl - 20, *rt = r + hl - 20;
	bool same_ip;

	if (hl != g->hl || g->seg != st->mtu - (hl - ETH_L3) ||
	    g->last != g->seg || pay > g->seg || g->len + pay > st->max_frame ||
	    get32(t + 4) != g->next_seq || memcmp(f, r, 14) != 0)
		return false;
	if (hl == ETH_L3 + 20 + 20) /* IPv4: TOS, DF, TTL, addresses */
		same_ip = f[15] == r[15] && f[20] == r[20] && f[22] == r[22] &&
			  memcmp(f + 26, r + 26, 8) == 0;
	else /* IPv6: class and flow, hop limit, addresses */
		same_ip = memcmp(f + 14, r + 14, 4) == 0 && f[21] == r[21] &&
			  memcmp(f + 22, r + 22, 32) == 0;
	return same_ip && memcmp(t, rt, 4) == 0 && /* ports */
	       memcmp(t + 8, rt + 8, 4) == 0 &&	   /* ACK number */
	       memcmp(t + 14, rt + 14, 2) == 0;	   /* window */
}

/* Loop thread, under the lock: the pending run goes to the device, as it
 * was when it is one segment, else as a super-frame (IP length, and for
 * IPv4 the header checksum, for the whole; the TCP checksum field holding
 * the pseudo-header sum, as DEVMGR_NET_OFF_TSO asks). */
static void gso_flush(struct lw_stack *st)
{
	struct lw_gso *g = &st->gso;
	uint8_t *f = g->buf, *t;
	uint32_t sum;
	size_t a, alen;

	if (g->len == 0)
		return;
	if (g->nseg > 1) {
		t = f + g->hl - 20;
		sum = IP_PROTO_TCP + (uint32_t)(g->len - (g->hl - 20u));
		if (g->hl == ETH_L3 + 20 + 20) {
			put16(f + 16, (uint32_t)(g->len - ETH_L3));
			put16(f + 24, 0);
			memcpy(f + 24, &(u16_t){ inet_chksum(f + ETH_L3, 20) },
			       2);
			a = 26;
			alen = 8;
		} else {
			put16(f + 18, (uint32_t)(g->len - ETH_L3 - 40));
			a = 22;
			alen = 32;
		}
		t[13] = g->flags;
		for (size_t i = a; i < a + alen; i += 2)
			sum += get16(f + i);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		put16(t + 16, sum);
	}
	devmgr_net_send(st->net, f, g->len); /* -EAGAIN: dropped, as a link */
	g->len = 0;
}

/* Loop thread, under the lock: true when the frame joined the run, or
 * began one.  A frame that cannot join sends the run first, so that
 * frames leave in the order lwIP made them. */
static bool gso_add(struct lw_stack *st, const uint8_t *f, size_t len)
{
	struct lw_gso *g = &st->gso;
	size_t hl = tcp_plain(f, len), pay = len - hl;
	const uint8_t *t;

	if (hl == 0) {
		gso_flush(st);
		return false;
	}
	t = f + hl - 20;
	if (g->len && !gso_continues(st, f, hl, pay))
		gso_flush(st);
	if (g->len == 0) {
		memcpy(g->buf, f, len);
		g->len = len;
		g->hl = (uint8_t)hl;
		g->nseg = 1;
		g->seg = (uint16_t)pay;
		g->flags = t[13];
	} else {
		memcpy(g->buf + g->len, f + hl, pay);
		g->len += pay;
		g->nseg++;
		g->flags |= t[13];
	}
	g->last = (uint16_t)pay;
	g->next_seq = get32(t + 4) + (uint32_t)pay;
	return true;
}

/* Every loop-thread exit from lwIP: the run waits for nothing else. */
static void lw_unlock(struct lw_stack *st)
{
	gso_flush(st);
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
		if (p->next == NULL && gso_add(st, p->payload, p->len))
			return true;
		gso_flush(st);
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
		kick(st);
	return ERR_OK;
}

/* Loop thread, without the lock: the frames queued by the tcpip thread.
 * A frame the device cannot take now is dropped, as a busy link would;
 * TCP sends it again.  Not reentered. */
static void flush_tx(struct lw_stack *st)
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

static void unlock_flush(struct lw_stack *st)
{
	lw_unlock(st);
	flush_tx(st);
}

/* ---- errors ---------------------------------------------------------- */

static int lw_errno(err_t e, bool connecting)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
		return -ENOMEM;
	case ERR_BUF:
		return -ENOBUFS;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -EHOSTUNREACH;
	case ERR_INPROGRESS:
		return -EINPROGRESS;
	case ERR_VAL:
		return -EINVAL;
	case ERR_WOULDBLOCK:
		return -EAGAIN;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
		return -ENOTCONN;
	case ERR_IF:
		return -ENETDOWN;
	case ERR_ABRT: /* lwIP gave up: retransmissions or keep-alive */
		return -ETIMEDOUT;
	case ERR_RST:
		return connecting ? -ECONNREFUSED : -ECONNRESET;
	case ERR_CLSD:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

static int take_err(struct lw_sock *s)
{
	int e = s->err;

	s->err = 0;
	return e;
}

/* ---- lwIP callbacks (core lock held, any thread) --------------------- */

static err_t on_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err)
{
	struct lw_sock *s = arg;

	(void)pcb;
	(void)err;
	if (p == NULL) {
		s->eof = true;
	} else if (s->rx_tail &&
		   (size_t)s->rx_tail->p->tot_len + p->tot_len <= 0xffff) {
		pbuf_cat(s->rx_tail->p, p);
	} else {
		struct lw_rxbuf *b = malloc(sizeof(*b));

		/* lwIP keeps refused data and offers it again */
		if (b == NULL)
			return ERR_MEM;
		b->next = NULL;
		b->p = p;
		if (s->rx_tail)
			s->rx_tail->next = b;
		else
			s->rx = b;
		s->rx_tail = b;
	}
	kick(s->st);
	return ERR_OK;
}

static void free_rx(struct lw_sock *s)
{
	while (s->rx) {
		struct lw_rxbuf *b = s->rx;

		s->rx = b->next;
		pbuf_free(b->p);
		free(b);
	}
	s->rx_tail = NULL;
}

static err_t on_tcp_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct lw_sock *s = arg;

	(void)pcb;
	(void)len;
	kick(s->st);
	return ERR_OK;
}

/* The pcb is already freed by lwIP when this runs. */
static void on_tcp_err(void *arg, err_t err)
{
	struct lw_sock *s = arg;

	if (s == NULL)
		return;
	s->err = lw_errno(err, s->state == LW_CONNECTING);
	s->state = LW_CLOSED;
	s->pcb.tcp = NULL;
	kick(s->st);
}

static err_t on_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lw_sock *s = arg;

	(void)pcb;
	if (err != ERR_OK)
		s->err = lw_errno(err, true);
	else
		s->state = LW_CONNECTED;
	kick(s->st);
	return ERR_OK;
}

/* Nagle is off: an app here hands over whole buffers, and a short tail
 * held back for an ACK that the peer delays (40 ms on Linux) would stall
 * every round trip of a request/response or echo exchange. */
static void tcp_hook(struct lw_sock *s, struct tcp_pcb *pcb)
{
	s->pcb.tcp = pcb;
	tcp_nagle_disable(pcb);
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_tcp_recv);
	tcp_sent(pcb, on_tcp_sent);
	tcp_err(pcb, on_tcp_err);
}

static struct lw_sock *sock_alloc(struct lw_stack *st,
				  struct devmgr_stack *handle, int family,
				  enum lw_kind kind)
{
	struct lw_sock *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->head.stack = handle;
	s->st = st;
	s->family = family;
	s->kind = kind;
	return s;
}

static err_t on_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lw_sock *l = arg;
	struct lw_sock *s, **tail;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	if (l->accq_len >= l->backlog)
		return ERR_MEM; /* lwIP aborts the new connection */
	s = sock_alloc(l->st, l->head.stack, l->family, LW_TCP);
	if (s == NULL)
		return ERR_MEM;
	s->state = LW_CONNECTED;
	s->bound = true;
	ip_addr_copy(s->peer, pcb->remote_ip);
	s->peer_port = pcb->remote_port;
	tcp_hook(s, pcb);
	for (tail = &l->accq; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	l->accq_len++;
	kick(l->st);
	return ERR_OK;
}

static void on_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			const ip_addr_t *addr, u16_t port)
{
	struct lw_sock *s = arg;
	struct lw_dgram *d;

	(void)pcb;
	if (s->dq_len >= LW_UDP_QUEUE || (d = malloc(sizeof(*d))) == NULL) {
		pbuf_free(p); /* a full queue drops, as a kernel does */
		return;
	}
	d->next = NULL;
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	if (s->dq_tail)
		s->dq_tail->next = d;
	else
		s->dq_head = d;
	s->dq_tail = d;
	s->dq_len++;
	kick(s->st);
}

/* ---- readiness and dispatch (loop thread) ---------------------------- */

/* Under the core lock: how many bytes tcp_write() takes now.  Both the
 * send buffer (bytes) and the segment queue (pbufs) bound it: with a
 * small MSS the queue fills long before the buffer, and a write lwIP
 * refuses (ERR_MEM) would leave the socket "writable" with nothing
 * moving.  tcp_write() cuts at min(MSS, half the peer's largest window)
 * and may first add one pbuf to the last queued segment, so n free
 * slots take (n - 1) segments of that size. */
static size_t tcp_room(const struct tcp_pcb *pcb)
{
	size_t seg = pcb->mss, half = pcb->snd_wnd_max / 2, slots, room;

	if (half && half < seg)
		seg = half;
	if (seg == 0 || tcp_sndqueuelen(pcb) + 2 > TCP_SND_QUEUELEN)
		return 0;
	slots = TCP_SND_QUEUELEN - tcp_sndqueuelen(pcb);
	room = tcp_sndbuf(pcb);
	if (room > (slots - 1) * seg)
		room = (slots - 1) * seg;
	return room;
}

/* Under the core lock. */
static unsigned sock_ready(const struct lw_sock *s)
{
	unsigned ev = s->err ? DEVMGR_SOCK_ERROR : 0;

	switch (s->kind) {
	case LW_LISTEN:
		if (s->accq)
			ev |= DEVMGR_SOCK_READ;
		break;
	case LW_UDP:
		if (s->dq_head)
			ev |= DEVMGR_SOCK_READ;
		if (s->pcb.udp)
			ev |= DEVMGR_SOCK_WRITE;
		break;
	case LW_TCP:
		/* A pending error comes alone, as on net-socket: a refused
		 * connect is ERROR, never WRITE (connected); once a call has
		 * returned it, the calls answer at once (READ and WRITE). */
		if (s->state == LW_CLOSED)
			return s->err ? ev
				      : ev | DEVMGR_SOCK_READ |
						DEVMGR_SOCK_WRITE;
		if (s->rx || s->eof)
			ev |= DEVMGR_SOCK_READ;
		/* writable when a write moves data, and at least a full
		 * segment unless nothing is queued: no wake-ups for a few
		 * bytes of room */
		if (s->state == LW_CONNECTED && !s->shut_wr) {
			size_t room = tcp_room(s->pcb.tcp);

			if (room > 0 && (room >= s->pcb.tcp->mss ||
					 tcp_sndqueuelen(s->pcb.tcp) == 0))
				ev |= DEVMGR_SOCK_WRITE;
		}
		break;
	}
	return ev;
}

/* ERROR comes unasked, but an app that asks for nothing is not called
 * at all (as on net-socket, whose watch is then removed). */
static unsigned sock_wanted(const struct lw_sock *s)
{
	if (s->fn == NULL || s->dead || s->events == 0)
		return 0;
	return sock_ready(s) & (s->events | DEVMGR_SOCK_ERROR);
}

static bool collect_ready(struct lw_stack *st, size_t *n)
{
	size_t count = 0;

	for (struct lw_sock *s = st->socks; s; s = s->next)
		count++;
	if (count > st->ready_cap) {
		void *r = realloc(st->ready, count * sizeof(*st->ready));

		if (r == NULL)
			return false;
		st->ready = r;
		st->ready_cap = count;
	}
	*n = 0;
	for (struct lw_sock *s = st->socks; s; s = s->next) {
		unsigned ev = sock_wanted(s);

		if (ev)
			st->ready[(*n)++] = (struct lw_ready){ s, ev };
	}
	return true;
}

static void sock_free(struct lw_sock *s)
{
	free(s);
}

static void reap_zombies(struct lw_stack *st)
{
	while (st->zombies) {
		struct lw_sock *s = st->zombies;

		st->zombies = s->next;
		sock_free(s);
	}
}

static bool any_ready(struct lw_stack *st)
{
	for (struct lw_sock *s = st->socks; s; s = s->next)
		if (sock_wanted(s))
			return true;
	return false;
}

static void dispatch(struct lw_stack *st)
{
	size_t n = 0;
	bool again;

	LOCK_TCPIP_CORE();
	st->kicked = false;
	if (!collect_ready(st, &n))
		kick(st); /* try again next round */
	lw_unlock(st);
	st->dispatching = true;
	for (size_t i = 0; i < n; i++) {
		struct lw_sock *s = st->ready[i].s;

		if (!s->dead && s->fn)
			s->fn(s->arg, &s->head, st->ready[i].ev);
	}
	st->dispatching = false;
	reap_zombies(st);
	flush_tx(st);
	LOCK_TCPIP_CORE();
	again = any_ready(st);
	if (again)
		kick(st);
	lw_unlock(st);
}

static void on_wake(void *arg, int fd, unsigned ev)
{
	struct lw_stack *st = arg;
	uint64_t v;

	(void)ev;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	flush_tx(st);
	dispatch(st);
}

/* ---- frames in --------------------------------------------------------- */

/* Loop thread.  Frames shorter than an Ethernet header or longer than
 * the device's MTU allows are dropped here; lwIP checks the rest.
 *
 * The frame is copied 2 bytes into its buffer, so that the IP header
 * after the 14-byte Ethernet header is 8-byte aligned: lwIP's reassembly
 * keeps a pointer to the next fragment inside the IP header, and a leak
 * checker only sees aligned pointers.  Zeroed bytes follow the frame
 * (outside the pbuf's length) because lwIP 2.1 reads some header fields
 * (ARP, IPv4 and IPv6 lengths) before checking that the frame holds them:
 * those reads then stay inside the buffer and see zeros. */
/* A TCP super-frame from a device with LRO: longer than lwIP's pbufs
 * can hold with the Ethernet header (their lengths are 16 bits), so the
 * IP packet goes to lwIP's IP input, which is what ethernet_input() would
 * do with it; super-frames are only ever unicast IPv4 or IPv6. */
static void on_super_frame(struct lw_stack *st, const uint8_t *f, size_t len)
{
	uint16_t type = get16(f + 12);
	struct pbuf *p;

	if (!st->lro || len > st->max_frame ||
	    len - DEVMGR_NET_HDR_LEN > 0xffff ||
	    (type != 0x0800 && type != 0x86dd) ||
	    memcmp(f, st->netif.hwaddr, 6) != 0)
		return;
	LOCK_TCPIP_CORE();
	p = pbuf_alloc(PBUF_RAW, (u16_t)(len - DEVMGR_NET_HDR_LEN), PBUF_RAM);
	if (p != NULL) {
		memcpy(p->payload, f + DEVMGR_NET_HDR_LEN,
		       len - DEVMGR_NET_HDR_LEN);
		if (ip_input(p, &st->netif) != ERR_OK)
			pbuf_free(p);
	}
	unlock_flush(st);
}

static void on_frame(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	struct lw_stack *st = arg;
	struct pbuf *p;

	(void)n;
	if (len > st->mtu + DEVMGR_NET_HDR_LEN) {
		on_super_frame(st, frame, len);
		return;
	}
	if (len < DEVMGR_NET_MIN_FRAME ||
	    len > LW_MAX_FRAME - LW_RX_ALIGN - LW_RX_PAD)
		return;
	LOCK_TCPIP_CORE();
	p = pbuf_alloc(PBUF_RAW, (u16_t)(LW_RX_ALIGN + len + LW_RX_PAD),
		       PBUF_RAM);
	if (p != NULL) {
		pbuf_remove_header(p, LW_RX_ALIGN);
		memcpy(p->payload, frame, len);
		memset((char *)p->payload + len, 0, LW_RX_PAD);
		p->len = p->tot_len = (u16_t)len;
		if (st->netif.input(p, &st->netif) != ERR_OK)
			pbuf_free(p);
	}
	unlock_flush(st);
}

/* ---- addresses ------------------------------------------------------- */

static int from_sockaddr(const struct lw_sock *s, const struct sockaddr *sa,
			 socklen_t len, ip_addr_t *ip, u16_t *port)
{
	if (sa == NULL || sa->sa_family != s->family)
		return -EAFNOSUPPORT;
	if (s->family == AF_INET) {
		struct sockaddr_in a;

		if (len < sizeof(a))
			return -EINVAL;
		memcpy(&a, sa, sizeof(a));
		ip_addr_set_zero_ip4(ip);
		ip4_addr_set_u32(ip_2_ip4(ip), a.sin_addr.s_addr);
		*port = ntohs(a.sin_port);
		return 0;
	}
	struct sockaddr_in6 a6;

	if (len < sizeof(a6))
		return -EINVAL;
	memcpy(&a6, sa, sizeof(a6));
	ip_addr_set_zero_ip6(ip);
	memcpy(ip_2_ip6(ip)->addr, &a6.sin6_addr, 16);
	*port = ntohs(a6.sin6_port);
	return 0;
}

static void to_sockaddr(const ip_addr_t *ip, u16_t port, struct sockaddr *sa,
			socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t l;

	memset(&ss, 0, sizeof(ss));
	if (IP_IS_V6(ip)) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		memcpy(&a6->sin6_addr, ip_2_ip6(ip)->addr, 16);
		l = sizeof(*a6);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
		l = sizeof(*a);
	}
	if (sa != NULL && len != NULL) {
		memcpy(sa, &ss, *len < l ? *len : l);
		*len = l;
	}
}

/* The device's own address for s's family: what the wildcard means. */
static int own_addr(const struct lw_sock *s, ip_addr_t *ip)
{
	if (s->family == AF_INET) {
		ip_addr_copy(*ip, s->st->netif.ip_addr);
		return 0;
	}
	if (!s->st->has_ipv6)
		return -EAFNOSUPPORT;
	ip_addr_copy(*ip, s->st->ip6);
	return 0;
}

/* ---- ops --------------------------------------------------------------- */

static int lw_info(struct devmgr_stack *h, struct devmgr_stack_info *out)
{
	struct lw_stack *st = stack_of(h);

	memset(out, 0, sizeof(*out));
	out->ipv4.sin_family = AF_INET;
	out->netmask.sin_family = AF_INET;
	out->gateway.sin_family = AF_INET;
	LOCK_TCPIP_CORE();
	out->ipv4.sin_addr.s_addr =
		ip4_addr_get_u32(netif_ip4_addr(&st->netif));
	out->netmask.sin_addr.s_addr =
		ip4_addr_get_u32(netif_ip4_netmask(&st->netif));
	out->gateway.sin_addr.s_addr =
		ip4_addr_get_u32(netif_ip4_gw(&st->netif));
	lw_unlock(st);
	if (st->has_ipv6) {
		out->has_ipv6 = true;
		out->ipv6.sin6_family = AF_INET6;
		memcpy(&out->ipv6.sin6_addr, ip_2_ip6(&st->ip6)->addr, 16);
	}
	return 0;
}

static void link_sock(struct lw_stack *st, struct lw_sock *s)
{
	s->prev = NULL;
	s->next = st->socks;
	if (st->socks)
		st->socks->prev = s;
	st->socks = s;
}

static void unlink_sock(struct lw_stack *st, struct lw_sock *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		st->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static int lw_socket(struct devmgr_stack *h, int family, int type,
		     struct devmgr_sock **out)
{
	struct lw_stack *st = stack_of(h);
	u8_t iptype = family == AF_INET6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4;
	struct lw_sock *s;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (family == AF_INET6 && !st->has_ipv6)
		return -EAFNOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	s = sock_alloc(st, h, family, type == SOCK_STREAM ? LW_TCP : LW_UDP);
	if (s == NULL)
		return -ENOMEM;
	LOCK_TCPIP_CORE();
	if (type == SOCK_STREAM) {
		s->pcb.tcp = tcp_new_ip_type(iptype);
		if (s->pcb.tcp)
			tcp_hook(s, s->pcb.tcp);
	} else {
		s->pcb.udp = udp_new_ip_type(iptype);
		if (s->pcb.udp)
			udp_recv(s->pcb.udp, on_udp_recv, s);
	}
	if (s->pcb.tcp == NULL && s->pcb.udp == NULL) {
		lw_unlock(st);
		free(s);
		return -ENOMEM;
	}
	link_sock(st, s);
	lw_unlock(st);
	*out = &s->head;
	return 0;
}

/* Under the lock. */
static int bind_locked(struct lw_sock *s, const ip_addr_t *want, u16_t port)
{
	ip_addr_t own, ip;
	err_t e;
	int rc = own_addr(s, &own);

	if (rc < 0)
		return rc;
	if (s->bound)
		return -EINVAL;
	if (ip_addr_isany(want))
		ip_addr_copy(ip, own);
	else if (ip_addr_cmp(want, &own))
		ip_addr_copy(ip, *want);
	else
		return -EADDRNOTAVAIL;
	if (s->kind == LW_UDP) {
		e = udp_bind(s->pcb.udp, &ip, port);
		if (e == ERR_OK)
			udp_bind_netif(s->pcb.udp, &s->st->netif);
	} else if (s->kind == LW_TCP && s->state == LW_NEW && s->pcb.tcp) {
		e = tcp_bind(s->pcb.tcp, &ip, port);
		if (e == ERR_OK)
			tcp_bind_netif(s->pcb.tcp, &s->st->netif);
	} else {
		return -EINVAL;
	}
	if (e != ERR_OK)
		return lw_errno(e, false);
	s->bound = true;
	return 0;
}

static int bind_default(struct lw_sock *s)
{
	ip_addr_t any;

	if (s->bound)
		return 0;
	if (s->family == AF_INET)
		ip_addr_set_any(0, &any);
	else
		ip_addr_set_any(1, &any);
	return bind_locked(s, &any, 0);
}

static int lw_bind(struct devmgr_sock *sk, const struct sockaddr *addr,
		   socklen_t len)
{
	struct lw_sock *s = sock_of(sk);
	ip_addr_t ip;
	u16_t port;
	int rc = take_err(s);

	if (rc < 0)
		return rc;
	rc = from_sockaddr(s, addr, len, &ip, &port);
	if (rc < 0)
		return rc;
	LOCK_TCPIP_CORE();
	rc = bind_locked(s, &ip, port);
	lw_unlock(s->st);
	return rc;
}

static int lw_listen(struct devmgr_sock *sk, int backlog)
{
	struct lw_sock *s = sock_of(sk);
	struct tcp_pcb *lp;
	err_t e = ERR_OK;
	int rc = take_err(s);

	if (rc < 0)
		return rc;
	if (s->kind == LW_LISTEN)
		return 0;
	if (s->kind != LW_TCP || s->state != LW_NEW || s->pcb.tcp == NULL)
		return s->kind == LW_UDP ? -EOPNOTSUPP : -EINVAL;
	if (backlog < 1)
		backlog = 1;
	LOCK_TCPIP_CORE();
	rc = bind_default(s);
	if (rc == 0) {
		/* lwIP frees the pcb and returns a smaller listening one */
		lp = tcp_listen_with_backlog_and_err(
			s->pcb.tcp, (u8_t)(backlog > 255 ? 255 : backlog), &e);
		if (lp == NULL) {
			rc = lw_errno(e, false);
		} else {
			s->kind = LW_LISTEN;
			s->pcb.tcp = lp;
			s->backlog = (unsigned)backlog;
			tcp_arg(lp, s);
			tcp_accept(lp, on_tcp_accept);
		}
	}
	lw_unlock(s->st);
	return rc;
}

static int lw_accept(struct devmgr_sock *sk, struct devmgr_sock **out,
		     struct sockaddr *peer, socklen_t *len)
{
	struct lw_sock *l = sock_of(sk);
	struct lw_sock *s;
	int rc = take_err(l);

	if (rc < 0)
		return rc;
	if (l->kind != LW_LISTEN)
		return -EINVAL;
	LOCK_TCPIP_CORE();
	s = l->accq;
	if (s != NULL) {
		l->accq = s->next;
		l->accq_len--;
		link_sock(l->st, s);
		to_sockaddr(&s->peer, s->peer_port, peer, len);
	}
	lw_unlock(l->st);
	if (s == NULL)
		return -EAGAIN;
	*out = &s->head;
	return 0;
}

static int lw_connect(struct devmgr_sock *sk, const struct sockaddr *addr,
		      socklen_t len)
{
	struct lw_sock *s = sock_of(sk);
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int rc = take_err(s);

	if (rc < 0)
		return rc;
	rc = from_sockaddr(s, addr, len, &ip, &port);
	if (rc < 0)
		return rc;
	LOCK_TCPIP_CORE();
	rc = bind_default(s);
	if (rc < 0) {
		lw_unlock(s->st);
		return rc;
	}
	if (s->kind == LW_UDP) {
		e = udp_connect(s->pcb.udp, &ip, port);
		rc = lw_errno(e, false);
	} else if (s->kind != LW_TCP || s->pcb.tcp == NULL) {
		rc = -EINVAL;
	} else if (s->state == LW_CONNECTING) {
		rc = -EALREADY;
	} else if (s->state != LW_NEW) {
		rc = -EISCONN;
	} else {
		e = tcp_connect(s->pcb.tcp, &ip, port, on_tcp_connected);
		rc = e == ERR_OK ? -EINPROGRESS : lw_errno(e, true);
		if (e == ERR_OK)
			s->state = LW_CONNECTING;
	}
	if (rc == 0 || rc == -EINPROGRESS) {
		ip_addr_copy(s->peer, ip);
		s->peer_port = port;
	}
	unlock_flush(s->st);
	return rc;
}

/* Copy out of the received chain and open the window by as much. */
static ssize_t lw_recv(struct devmgr_sock *sk, void *buf, size_t len)
{
	struct lw_sock *s = sock_of(sk);
	ssize_t n;

	if (s->err)
		return take_err(s);
	if (s->kind == LW_UDP)
		return sk->stack->ops->recvfrom(sk, buf, len, NULL, NULL);
	if (s->kind != LW_TCP)
		return -ENOTCONN;
	LOCK_TCPIP_CORE();
	if (s->rx == NULL) {
		if (s->eof || s->state == LW_CLOSED)
			n = 0;
		else if (s->state == LW_CONNECTED)
			n = -EAGAIN;
		else
			n = -ENOTCONN;
		lw_unlock(s->st);
		return n;
	}
	n = 0;
	while (s->rx && (size_t)n < len) {
		struct lw_rxbuf *b = s->rx;
		u16_t k = b->p->tot_len;

		if (len - (size_t)n < k)
			k = (u16_t)(len - (size_t)n);
		pbuf_copy_partial(b->p, (char *)buf + n, k, 0);
		n += k;
		b->p = pbuf_free_header(b->p, k);
		if (b->p == NULL) {
			s->rx = b->next;
			if (s->rx == NULL)
				s->rx_tail = NULL;
			free(b);
		}
		if (s->pcb.tcp && s->state != LW_CLOSED)
			tcp_recved(s->pcb.tcp, k);
	}
	unlock_flush(s->st);
	return n;
}

static ssize_t tcp_send_locked(struct lw_sock *s, const void *buf, size_t len,
			       bool more)
{
	struct tcp_pcb *pcb = s->pcb.tcp;
	size_t room;
	err_t e;

	if (s->state == LW_CLOSED || s->shut_wr)
		return -EPIPE;
	if (s->state != LW_CONNECTED)
		return s->state == LW_CONNECTING ? -EAGAIN : -ENOTCONN;
	room = tcp_room(pcb);
	if (len > room)
		len = room;
	if (len == 0)
		return -EAGAIN;
	if (len > 0xffff)
		len = 0xffff; /* tcp_write's length */
	e = tcp_write(pcb, buf, (u16_t)len,
		      TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
	if (e == ERR_MEM)
		return -EAGAIN; /* the segment queue is full */
	if (e != ERR_OK)
		return lw_errno(e, false);
	return (ssize_t)len;
}

static ssize_t lw_send(struct devmgr_sock *sk, const void *buf, size_t len)
{
	struct lw_sock *s = sock_of(sk);
	ssize_t n;

	if (s->err)
		return take_err(s);
	if (s->kind == LW_UDP)
		return sk->stack->ops->sendto(sk, buf, len, NULL, 0);
	if (s->kind != LW_TCP)
		return -ENOTCONN;
	if (len == 0)
		return 0;
	LOCK_TCPIP_CORE();
	n = tcp_send_locked(s, buf, len, false);
	if (n > 0)
		tcp_output(s->pcb.tcp);
	unlock_flush(s->st);
	return n;
}

static ssize_t lw_sendv(struct devmgr_sock *sk, const struct iovec *iov,
			int iovcnt)
{
	struct lw_sock *s = sock_of(sk);
	ssize_t total = 0;

	if (s->err)
		return take_err(s);
	if (s->kind != LW_TCP) {
		for (int i = 0; i < iovcnt; i++)
			if (iov[i].iov_len)
				return lw_send(sk, iov[i].iov_base,
					       iov[i].iov_len);
		return lw_send(sk, NULL, 0);
	}
	LOCK_TCPIP_CORE();
	for (int i = 0; i < iovcnt; i++) {
		ssize_t n;

		if (iov[i].iov_len == 0)
			continue;
		n = tcp_send_locked(s, iov[i].iov_base, iov[i].iov_len,
				    i + 1 < iovcnt);
		if (n < 0) {
			if (total == 0)
				total = n;
			break;
		}
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	if (total > 0)
		tcp_output(s->pcb.tcp);
	unlock_flush(s->st);
	return total;
}

static ssize_t lw_recvfrom(struct devmgr_sock *sk, void *buf, size_t len,
			   struct sockaddr *from, socklen_t *fromlen)
{
	struct lw_sock *s = sock_of(sk);
	struct lw_dgram *d;
	ssize_t n;

	if (s->err)
		return take_err(s);
	if (s->kind != LW_UDP) {
		if (from != NULL && fromlen != NULL)
			*fromlen = 0;
		return lw_recv(sk, buf, len);
	}
	LOCK_TCPIP_CORE();
	d = s->dq_head;
	if (d != NULL) {
		s->dq_head = d->next;
		if (s->dq_head == NULL)
			s->dq_tail = NULL;
		s->dq_len--;
	}
	lw_unlock(s->st);
	if (d == NULL)
		return -EAGAIN;
	if (len > d->p->tot_len)
		len = d->p->tot_len;
	n = (ssize_t)pbuf_copy_partial(d->p, buf, (u16_t)len, 0);
	to_sockaddr(&d->addr, d->port, from, fromlen);
	LOCK_TCPIP_CORE();
	pbuf_free(d->p);
	lw_unlock(s->st);
	free(d);
	return n;
}

static ssize_t lw_sendto(struct devmgr_sock *sk, const void *buf, size_t len,
			 const struct sockaddr *to, socklen_t tolen)
{
	struct lw_sock *s = sock_of(sk);
	struct pbuf *p;
	ip_addr_t ip;
	u16_t port = 0;
	err_t e;
	int rc;

	if (s->err)
		return take_err(s);
	if (s->kind != LW_UDP)
		return to != NULL ? -EISCONN : lw_send(sk, buf, len);
	if (len > LW_MAX_DGRAM)
		return -EMSGSIZE;
	if (to != NULL) {
		rc = from_sockaddr(s, to, tolen, &ip, &port);
		if (rc < 0)
			return rc;
	}
	LOCK_TCPIP_CORE();
	rc = bind_default(s);
	if (rc == 0 && to == NULL && !(s->pcb.udp->flags & UDP_FLAGS_CONNECTED))
		rc = -EDESTADDRREQ;
	p = rc == 0 ? pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM) : NULL;
	if (rc == 0 && p == NULL)
		rc = -EAGAIN; /* no memory now: as a full send buffer */
	if (p != NULL) {
		if (len)
			memcpy(p->payload, buf, len);
		e = to != NULL ? udp_sendto(s->pcb.udp, p, &ip, port)
			       : udp_send(s->pcb.udp, p);
		pbuf_free(p);
		rc = lw_errno(e, false);
	}
	unlock_flush(s->st);
	return rc < 0 ? rc : (ssize_t)len;
}

static int lw_shutdown(struct devmgr_sock *sk, int how)
{
	struct lw_sock *s = sock_of(sk);
	int rd = how == SHUT_RD || how == SHUT_RDWR;
	int wr = how == SHUT_WR || how == SHUT_RDWR;
	err_t e = ERR_OK;

	if (!rd && !wr)
		return -EINVAL;
	if (s->kind != LW_TCP)
		return s->kind == LW_UDP ? 0 : -ENOTCONN;
	LOCK_TCPIP_CORE();
	if (s->state != LW_CONNECTED || s->pcb.tcp == NULL) {
		lw_unlock(s->st);
		return -ENOTCONN;
	}
	if (wr && !s->shut_wr) {
		e = tcp_shutdown(s->pcb.tcp, 0, 1);
		s->shut_wr = e == ERR_OK;
	}
	if (rd)
		s->eof = true;
	unlock_flush(s->st);
	return lw_errno(e, false);
}

/* Under the lock: release what lwIP holds for s. */
static void release_locked(struct lw_sock *s)
{
	switch (s->kind) {
	case LW_LISTEN:
		while (s->accq) {
			struct lw_sock *c = s->accq;

			s->accq = c->next;
			release_locked(c);
			free(c);
		}
		if (s->pcb.tcp) {
			tcp_arg(s->pcb.tcp, NULL);
			tcp_accept(s->pcb.tcp, NULL);
			tcp_close(s->pcb.tcp);
		}
		break;
	case LW_TCP:
		if (s->pcb.tcp) {
			struct tcp_pcb *pcb = s->pcb.tcp;

			tcp_arg(pcb, NULL);
			tcp_recv(pcb, NULL);
			tcp_sent(pcb, NULL);
			tcp_err(pcb, NULL);
			/* unread data makes close reset, as a kernel does */
			if (s->rx != NULL || tcp_close(pcb) != ERR_OK)
				tcp_abort(pcb);
		}
		free_rx(s);
		break;
	case LW_UDP:
		if (s->pcb.udp)
			udp_remove(s->pcb.udp);
		while (s->dq_head) {
			struct lw_dgram *d = s->dq_head;

			s->dq_head = d->next;
			pbuf_free(d->p);
			free(d);
		}
		break;
	}
	s->pcb.tcp = NULL;
}

static int lw_close(struct devmgr_sock *sk)
{
	struct lw_sock *s = sock_of(sk);
	struct lw_stack *st = s->st;

	LOCK_TCPIP_CORE();
	release_locked(s);
	unlink_sock(st, s);
	lw_unlock(st);
	flush_tx(st);
	s->fn = NULL;
	if (st->dispatching) {
		s->dead = true; /* this round may still list it */
		s->next = st->zombies;
		st->zombies = s;
	} else {
		sock_free(s);
	}
	return 0;
}

static int lw_set_events(struct devmgr_sock *sk, unsigned events,
			 devmgr_sock_fn fn, void *arg)
{
	struct lw_sock *s = sock_of(sk);
	struct lw_stack *st = s->st;

	s->events = events & (DEVMGR_SOCK_READ | DEVMGR_SOCK_WRITE);
	s->fn = fn;
	s->arg = arg;
	if (st->dispatching)
		return 0; /* the round ends by looking again */
	LOCK_TCPIP_CORE();
	if (sock_wanted(s))
		kick(st);
	lw_unlock(st);
	return 0;
}

static int lw_getname(struct devmgr_sock *sk, struct sockaddr *addr,
		      socklen_t *len, bool peer)
{
	struct lw_sock *s = sock_of(sk);
	ip_addr_t ip;
	u16_t port;
	int rc = 0;

	LOCK_TCPIP_CORE();
	if (peer) {
		if (s->kind == LW_LISTEN || s->state == LW_NEW) {
			rc = -ENOTCONN;
		} else {
			ip_addr_copy(ip, s->peer);
			port = s->peer_port;
		}
	} else if (s->pcb.tcp == NULL) {
		rc = own_addr(s, &ip);
		port = 0;
	} else if (s->kind == LW_UDP) {
		ip_addr_copy(ip, s->pcb.udp->local_ip);
		port = s->pcb.udp->local_port;
	} else {
		ip_addr_copy(ip, s->pcb.tcp->local_ip);
		port = s->pcb.tcp->local_port;
	}
	lw_unlock(s->st);
	if (rc == 0)
		to_sockaddr(&ip, port, addr, len);
	return rc;
}

static int lw_getsockname(struct devmgr_sock *sk, struct sockaddr *addr,
			  socklen_t *len)
{
	return lw_getname(sk, addr, len, false);
}

static int lw_getpeername(struct devmgr_sock *sk, struct sockaddr *addr,
			  socklen_t *len)
{
	return lw_getname(sk, addr, len, true);
}

static const struct devmgr_stack_ops lw_ops = {
	.minor = DEVMGR_STACK_MINOR,
	.info = lw_info,
	.socket = lw_socket,
	.bind = lw_bind,
	.listen = lw_listen,
	.accept = lw_accept,
	.connect = lw_connect,
	.recv = lw_recv,
	.send = lw_send,
	.recvfrom = lw_recvfrom,
	.sendto = lw_sendto,
	.shutdown = lw_shutdown,
	.close = lw_close,
	.set_events = lw_set_events,
	.getsockname = lw_getsockname,
	.getpeername = lw_getpeername,
	.sendv = lw_sendv,
};

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
	/* The net signature has no checksum offload of its own: a TSO
	 * device completes the sums of the segments it cuts, but a single
	 * segment goes out as lwIP made it.  So lwIP makes and checks every
	 * sum; the per-netif switch is where an offload would turn its
	 * part off. */
	NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_ENABLE_ALL);
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
	pthread_once(&lw_once, lw_init_once);
	st->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (st->evfd < 0)
		return devmgr_error_set(err, -errno, "eventfd: %s",
					strerror(errno));
	st->watch =
		devmgr_watch_fd(st->ctx, st->evfd, DEVMGR_EV_READ, on_wake, st);
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
	flush_tx(st); /* gratuitous ARP, IPv6 router solicitation */
	return 0;
}

static void lw_destroy(struct devmgr_device *dev)
{
	struct lw_stack *st = devmgr_device_priv(dev);

	if (st->net)
		devmgr_net_set_rx(st->net, NULL, NULL);
	LOCK_TCPIP_CORE();
	/* sockets the app left open */
	while (st->socks) {
		struct lw_sock *s = st->socks;

		release_locked(s);
		unlink_sock(st, s);
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
	reap_zombies(st);
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
	.ops = &lw_ops,
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
