/* stack-lwip's private header: the device and socket state shared by
 * stack_lwip.c (the device: provider, parameters, lifecycle, the netif
 * and its frames), lw_sock.c (the stack signature's socket operations,
 * lwIP's callbacks, readiness) and lw_super.c (TCP super-frames in and
 * out, for devices with offloads).  The locking rules are in
 * stack_lwip.c. */
#ifndef DEVMGR_STACK_LWIP_H
#define DEVMGR_STACK_LWIP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>
#include <devmgr/sig/stack.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

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
	unsigned csum;	  /* DEVMGR_NET_OFF_CSUM_* turned on in the device */
	u16_t csum_flags; /* lwIP's NETIF_CHECKSUM_* of the netif */
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

/* stack_lwip.c: waking the loop, leaving lwIP, frames out */
void lw_kick(struct lw_stack *st);	   /* under the core lock */
void lw_unlock(struct lw_stack *st);	   /* loop thread */
void lw_flush_tx(struct lw_stack *st);	   /* loop thread, unlocked */
void lw_unlock_flush(struct lw_stack *st); /* lw_unlock, then lw_flush_tx */
/* Under the core lock, before lwIP sends a datagram of len bytes: one
 * that may leave in fragments gets its UDP checksum from lwIP, since the
 * device finishes the sums of whole packets only; lw_csum_restore()
 * after the send. */
void lw_csum_udp(struct lw_stack *st, size_t len);
void lw_csum_restore(struct lw_stack *st);

/* lw_sock.c: the ops, and what the device's lifecycle needs of them */
extern const struct devmgr_stack_ops lw_stack_ops;
void lw_on_wake(void *arg, int fd, unsigned ev);
void lw_sock_release_locked(struct lw_sock *s);
void lw_sock_unlink(struct lw_stack *st, struct lw_sock *s);
void lw_reap_zombies(struct lw_stack *st);

/* lw_super.c: TCP super-frames (loop thread) */
bool lw_gso_add(struct lw_stack *st, const uint8_t *f, size_t len);
void lw_gso_flush(struct lw_stack *st);
void lw_super_frame_in(struct lw_stack *st, const uint8_t *f, size_t len);

#endif
