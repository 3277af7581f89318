/* echo: TCP and UDP echo (RFC 862) on args.port over any stack device.
 *
 * Back-pressure: a connection holds at most one buffer of data that its
 * peer has sent and not yet taken back.  While any of it is pending the
 * app asks only for WRITE, so it stops reading and the stack's receive
 * window closes on a peer that does not read its echo.
 *
 * The same app is built as its own executable (main.c) and as the "echo"
 * plugin that "devmgr run echo" starts (plugin.c). */
#include <devmgr/app.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_BUF	  (64u * 1024)
#define ECHO_ACCEPT_BURST 16

struct echo_devs {
	struct devmgr_stack *net;
};

struct conn {
	struct echo_state *st;
	struct devmgr_sock *sock;
	struct conn *prev, *next;
	size_t off, len; /* pending output: buf[off, len) */
	unsigned char buf[ECHO_BUF];
};

/* One UDP socket and the datagram it could not send back yet. */
struct udp_ep {
	struct echo_state *st;
	struct devmgr_sock *sock;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	bool pending; /* a datagram (maybe empty) waits in buf */
	size_t len;
	unsigned char buf[ECHO_BUF];
};

enum { EP_V4, EP_V6, EP_COUNT };

struct echo_state {
	struct devmgr_ctx *ctx;
	struct devmgr_stack *net;
	struct devmgr_sock *listener[EP_COUNT];
	struct udp_ep *udp[EP_COUNT];
	struct conn *conns;
};

static void conn_close(struct conn *c)
{
	struct echo_state *st = c->st;

	devmgr_sock_close(c->sock);
	if (c->prev)
		c->prev->next = c->next;
	else
		st->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

static void on_conn(void *arg, struct devmgr_sock *s, unsigned ev);

/* Ask for what the connection can use now: WRITE while output is pending,
 * READ otherwise. */
static void conn_arm(struct conn *c)
{
	unsigned want = c->off < c->len ? DEVMGR_SOCK_WRITE : DEVMGR_SOCK_READ;

	if (devmgr_sock_set_events(c->sock, want, on_conn, c) < 0)
		conn_close(c);
}

/* Returns false when the connection is finished. */
static bool conn_flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = devmgr_sock_send(c->sock, c->buf + c->off,
					     c->len - c->off);

		if (n == -EAGAIN)
			return true;
		if (n < 0)
			return false;
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return true;
}

/* Returns false when the connection is finished (end of stream or an
 * error); output already taken by the stack is still sent by close. */
static bool conn_read(struct conn *c)
{
	ssize_t n = devmgr_sock_recv(c->sock, c->buf, sizeof(c->buf));

	if (n == -EAGAIN)
		return true;
	if (n <= 0)
		return false;
	c->off = 0;
	c->len = (size_t)n;
	return conn_flush(c);
}

static void on_conn(void *arg, struct devmgr_sock *s, unsigned ev)
{
	struct conn *c = arg;
	bool alive = true;

	(void)s;
	if (ev & DEVMGR_SOCK_ERROR)
		alive = false;
	else if (c->off < c->len)
		alive = conn_flush(c);
	else if (ev & DEVMGR_SOCK_READ)
		alive = conn_read(c);
	/* A peer that has ended its stream gets the rest of its echo from
	 * close, which still sends what the stack holds. */
	if (alive)
		conn_arm(c);
	else
		conn_close(c);
}

static void on_listener(void *arg, struct devmgr_sock *s, unsigned ev)
{
	struct echo_state *st = arg;

	(void)ev;
	for (int i = 0; i < ECHO_ACCEPT_BURST; i++) {
		struct devmgr_sock *ns;
		int rc = devmgr_sock_accept(s, &ns, NULL, NULL);
		struct conn *c;

		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			devmgr_log(st->ctx, DEVMGR_LOG_WARN, "echo: accept: %s",
				   strerror(-rc));
			return;
		}
		c = malloc(sizeof(*c));
		if (c == NULL) {
			devmgr_sock_close(ns);
			devmgr_log(st->ctx, DEVMGR_LOG_WARN,
				   "echo: out of memory for a connection");
			return;
		}
		c->st = st;
		c->sock = ns;
		c->off = c->len = 0;
		c->prev = NULL;
		c->next = st->conns;
		if (st->conns)
			st->conns->prev = c;
		st->conns = c;
		conn_arm(c);
	}
}

static void on_udp(void *arg, struct devmgr_sock *s, unsigned ev)
{
	struct udp_ep *u = arg;
	ssize_t n;

	if (!u->pending && (ev & DEVMGR_SOCK_READ)) {
		u->peerlen = sizeof(u->peer);
		n = devmgr_sock_recvfrom(s, u->buf, sizeof(u->buf),
					 (struct sockaddr *)&u->peer,
					 &u->peerlen);
		if (n < 0 && n != -EAGAIN)
			devmgr_log(u->st->ctx, DEVMGR_LOG_DEBUG,
				   "echo: UDP receive: %s", strerror((int)-n));
		u->pending = n >= 0;
		u->len = n >= 0 ? (size_t)n : 0;
	}
	if (u->pending) {
		n = devmgr_sock_sendto(s, u->buf, u->len,
				       (struct sockaddr *)&u->peer, u->peerlen);
		if (n != -EAGAIN)
			u->pending = false; /* sent, or lost as UDP may be */
	}
	devmgr_sock_set_events(
		s, u->pending ? DEVMGR_SOCK_WRITE : DEVMGR_SOCK_READ, on_udp,
		u);
}

static socklen_t any_addr(int family, uint16_t port, struct sockaddr_storage *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)a;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)a;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return sizeof(*in6);
}

static int open_bound(struct echo_state *st, int family, int type,
		      uint16_t port, struct devmgr_sock **out)
{
	struct sockaddr_storage a;
	socklen_t alen = any_addr(family, port, &a);
	const char *what = type == SOCK_STREAM ? "TCP" : "UDP";
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	int rc = devmgr_stack_socket(st->net, family, type, out);

	if (rc < 0) {
		devmgr_log(st->ctx, DEVMGR_LOG_ERROR, "echo: %s %s socket: %s",
			   fam, what, strerror(-rc));
		return rc;
	}
	rc = devmgr_sock_bind(*out, (struct sockaddr *)&a, alen);
	if (rc == 0 && type == SOCK_STREAM)
		rc = devmgr_sock_listen(*out, 128);
	if (rc < 0) {
		devmgr_log(st->ctx, DEVMGR_LOG_ERROR, "echo: %s %s port %u: %s",
			   fam, what, port, strerror(-rc));
		devmgr_sock_close(*out);
		*out = NULL;
	}
	return rc;
}

static int open_family(struct echo_state *st, int ep, int family, uint16_t port,
		       bool tcp, bool udp)
{
	int rc;

	if (tcp) {
		rc = open_bound(st, family, SOCK_STREAM, port,
				&st->listener[ep]);
		if (rc < 0)
			return rc;
		rc = devmgr_sock_set_events(st->listener[ep], DEVMGR_SOCK_READ,
					    on_listener, st);
		if (rc < 0)
			return rc;
	}
	if (udp) {
		struct udp_ep *u = calloc(1, sizeof(*u));

		if (u == NULL)
			return -ENOMEM;
		u->st = st;
		st->udp[ep] = u;
		rc = open_bound(st, family, SOCK_DGRAM, port, &u->sock);
		if (rc < 0)
			return rc;
		rc = devmgr_sock_set_events(u->sock, DEVMGR_SOCK_READ, on_udp,
					    u);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void echo_stop(struct devmgr_ctx *ctx, void *record)
{
	struct echo_state *st = devmgr_app_state(ctx);

	(void)record;
	while (st->conns)
		conn_close(st->conns);
	for (int i = 0; i < EP_COUNT; i++) {
		if (st->listener[i])
			devmgr_sock_close(st->listener[i]);
		st->listener[i] = NULL;
		if (st->udp[i] && st->udp[i]->sock)
			devmgr_sock_close(st->udp[i]->sock);
		free(st->udp[i]);
		st->udp[i] = NULL;
	}
}

static int echo_start(struct devmgr_ctx *ctx, void *record)
{
	struct echo_devs *d = record;
	struct echo_state *st = devmgr_app_state(ctx);
	uint16_t port = (uint16_t)devmgr_arg_int(ctx, "port");
	bool tcp = devmgr_arg_bool(ctx, "tcp");
	bool udp = devmgr_arg_bool(ctx, "udp");
	struct devmgr_stack_info info;
	int rc;

	st->ctx = ctx;
	st->net = d->net;
	rc = devmgr_stack_info(d->net, &info);
	if (rc < 0) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "echo: stack info: %s",
			   strerror(-rc));
		return rc;
	}
	rc = open_family(st, EP_V4, AF_INET, port, tcp, udp);
	if (rc == 0 && info.has_ipv6 && devmgr_arg_bool(ctx, "ipv6"))
		rc = open_family(st, EP_V6, AF_INET6, port, tcp, udp);
	if (rc < 0) {
		echo_stop(ctx, record);
		return rc;
	}
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &info.ipv4.sin_addr, a, sizeof(a));
	devmgr_log(ctx, DEVMGR_LOG_INFO, "echo: %s%s%s on %s port %u",
		   tcp ? "TCP" : "", tcp && udp ? " and " : "",
		   udp ? "UDP" : "", a, port);
	return 0;
}

static const struct devmgr_slot echo_slots[] = {
	DEVMGR_SLOT(struct echo_devs, net, stack, DEVMGR_SLOT_REQUIRED),
	{ NULL },
};

static const struct devmgr_param echo_args[] = {
	{ "port", DEVMGR_PARAM_INT, 0, "7007", "TCP and UDP port to echo on", 1,
	  65535 },
	{ "tcp", DEVMGR_PARAM_BOOL, 0, "true", "echo TCP connections", 0, 0 },
	{ "udp", DEVMGR_PARAM_BOOL, 0, "true", "echo UDP datagrams", 0, 0 },
	{ "ipv6", DEVMGR_PARAM_BOOL, 0, "false",
	  "also listen on the stack's IPv6 address", 0, 0 },
	{ NULL },
};

const struct devmgr_app echo_app = {
	.size = sizeof(struct devmgr_app),
	.name = "echo",
	.help = "TCP and UDP echo server on args.port",
	.record_size = sizeof(struct echo_devs),
	.slots = echo_slots,
	.args = echo_args,
	.state_size = sizeof(struct echo_state),
	.default_config =
		"{\"devmgr\": 1,"
		" \"devices\": {"
		"  \"net\": {\"provider\": \"net-socket\","
		"   \"address\": \"127.0.0.1\"}},"
		" \"app\": {\"name\": \"echo\", \"bind\": {\"net\": \"net\"},"
		"  \"args\": {\"port\": 7007}}}",
	.start = echo_start,
	.stop = echo_stop,
};
