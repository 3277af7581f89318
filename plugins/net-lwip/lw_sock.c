/* stack-lwip's socket operations: the stack signature's ops over lwIP's
 * raw TCP and UDP API, lwIP's callbacks, readiness and dispatch.  The
 * threads and the core lock are described in stack_lwip.c. */
#include "stack_lwip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef DEVMGR_OWN_LWIP
#include "lwip/priv/tcp_priv.h"
#endif

#define LW_UDP_QUEUE 256   /* datagrams waiting per UDP socket */
#define LW_MAX_DGRAM 65507 /* largest UDP payload over IPv4 */

static struct lw_stack *stack_of(struct devmgr_stack *st)
{
	return st->priv;
}

static struct lw_sock *sock_of(struct devmgr_sock *s)
{
	return (struct lw_sock *)s;
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
	lw_kick(s->st);
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
	lw_kick(s->st);
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
	lw_kick(s->st);
}

static err_t on_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lw_sock *s = arg;

	(void)pcb;
	if (err != ERR_OK)
		s->err = lw_errno(err, true);
	else
		s->state = LW_CONNECTED;
	lw_kick(s->st);
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
	/* Until the app takes it, the connection counts in the listener's
	 * backlog, as a kernel's accept queue does: past it, lwIP drops new
	 * SYNs (their clients send them again), where the check above would
	 * reset connections whose handshake is done. */
	tcp_backlog_delayed(pcb);
	for (tail = &l->accq; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	l->accq_len++;
	lw_kick(l->st);
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
	lw_kick(s->st);
}

#ifdef DEVMGR_OWN_LWIP
/* Half-open connections a listener keeps beyond its backlog.  Each has
 * sent its SYN-ACK and waits for the ACK; past this many, the oldest is
 * forgotten, silently, for a new SYN.  A real client's handshake so
 * survives this many newer SYNs on top of the backlog's: over a quarter
 * of a second in a flood of 4,000 spoofed SYNs a second. */
#define LW_SYN_OVERFLOW 1024

/* Under the core lock: the listener's half-open connections.  lwIP adds
 * a new connection at the head of its list, so the last seen is the
 * oldest: *counted is the oldest of those in the backlog, *beyond the
 * oldest of the others (other than keep), *nbeyond how many others. */
static void half_open(const struct tcp_pcb_listen *l,
		      const struct tcp_pcb *keep, struct tcp_pcb **counted,
		      struct tcp_pcb **beyond, unsigned *nbeyond)
{
	*counted = *beyond = NULL;
	*nbeyond = 0;
	for (struct tcp_pcb *p = tcp_active_pcbs; p != NULL; p = p->next) {
		if (p->state != SYN_RCVD || p->listener != l)
			continue;
		if (p->flags & TF_BACKLOGPEND) {
			*counted = p;
		} else {
			++*nbeyond;
			if (p != keep)
				*beyond = p;
		}
	}
}

/* Under the core lock, when the listener's backlog is full: its oldest
 * half-open connection moves out of the backlog, and stays (lwIP
 * answers its ACK as before); false when none is in the backlog, which
 * then holds only connections the app has not accepted yet. */
static bool make_room(struct tcp_pcb_listen *l, const struct tcp_pcb *keep)
{
	struct tcp_pcb *counted, *beyond;
	unsigned nbeyond;

	half_open(l, keep, &counted, &beyond, &nbeyond);
	if (counted == NULL)
		return false;
	if (nbeyond >= LW_SYN_OVERFLOW && beyond != NULL)
		tcp_abandon(beyond, 0);
	tcp_backlog_accepted(counted); /* out of the backlog's count */
	return true;
}

/* lwIP's LWIP_HOOK_TCP_INPACKET_PCB, under the core lock, for each
 * segment to a connection or a listener.  lwIP counts a half-open
 * connection (SYN received, handshake not complete) in its listener's
 * backlog and keeps it 20 s (TCP_SYN_RCVD_TIMEOUT): a flood from spoofed
 * sources, whose handshakes never complete, would shut every real client
 * out for as long as it lasts.  So a SYN that finds the backlog full
 * moves the oldest half-open connection out of it (make_room), and lwIP
 * takes the SYN.  Nothing is lost by the move: the connection's ACK,
 * however late the loop comes to it (a burst of connects on a busy
 * machine queues the first ACKs behind hundreds of SYNs), completes it
 * as it would have in the backlog, room being made again for it as for
 * a SYN.  When the backlog holds only connections the app has not
 * accepted yet, a SYN is dropped and its client sends it again, as with a
 * kernel; an ACK is dropped too, and lwIP's repeated SYN-ACK brings it
 * again, as with Linux (tcp_abort_on_overflow 0).  Established
 * connections never give way.  Hidden like lwIP. */
__attribute__((visibility("hidden"))) err_t
devmgr_lw_tcp_in(struct tcp_pcb *pcb, const struct tcp_hdr *hdr)
{
	unsigned flags = TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST);
	struct tcp_pcb_listen *l;

	if (pcb->state == LISTEN && flags == TCP_SYN) {
		l = (struct tcp_pcb_listen *)pcb;
		if (l->accepts_pending >= l->backlog)
			make_room(l, NULL);
		return ERR_OK;
	}
	if (pcb->state == SYN_RCVD && flags == TCP_ACK &&
	    !(pcb->flags & TF_BACKLOGPEND) && (l = pcb->listener) != NULL &&
	    l->accepts_pending >= l->backlog && !make_room(l, pcb))
		return ERR_MEM; /* the segment is dropped */
	return ERR_OK;
}
#endif

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

void lw_reap_zombies(struct lw_stack *st)
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
		lw_kick(st); /* try again next round */
	lw_unlock(st);
	st->dispatching = true;
	for (size_t i = 0; i < n; i++) {
		struct lw_sock *s = st->ready[i].s;

		if (!s->dead && s->fn)
			s->fn(s->arg, &s->head, st->ready[i].ev);
	}
	st->dispatching = false;
	lw_reap_zombies(st);
	lw_flush_tx(st);
	LOCK_TCPIP_CORE();
	again = any_ready(st);
	if (again)
		lw_kick(st);
	lw_unlock(st);
}

void lw_on_wake(void *arg, int fd, unsigned ev)
{
	struct lw_stack *st = arg;
	uint64_t v;

	(void)ev;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	lw_flush_tx(st);
	dispatch(st);
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

void lw_sock_unlink(struct lw_stack *st, struct lw_sock *s)
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
#if TCP_LISTEN_BACKLOG
		if (s->pcb.tcp != NULL) /* lwIP's abort counted it already */
			tcp_backlog_accepted(s->pcb.tcp);
#endif
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
	lw_unlock_flush(s->st);
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
	lw_unlock_flush(s->st);
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
	lw_unlock_flush(s->st);
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
	lw_unlock_flush(s->st);
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
		lw_csum_udp(s->st, len);
		e = to != NULL ? udp_sendto(s->pcb.udp, p, &ip, port)
			       : udp_send(s->pcb.udp, p);
		lw_csum_restore(s->st);
		pbuf_free(p);
		rc = lw_errno(e, false);
	}
	lw_unlock_flush(s->st);
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
	lw_unlock_flush(s->st);
	return lw_errno(e, false);
}

/* Under the lock: release what lwIP holds for s. */
void lw_sock_release_locked(struct lw_sock *s)
{
	switch (s->kind) {
	case LW_LISTEN:
		while (s->accq) {
			struct lw_sock *c = s->accq;

			s->accq = c->next;
			lw_sock_release_locked(c);
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
	lw_sock_release_locked(s);
	lw_sock_unlink(st, s);
	lw_unlock(st);
	lw_flush_tx(st);
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
		lw_kick(st);
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

const struct devmgr_stack_ops lw_stack_ops = {
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
