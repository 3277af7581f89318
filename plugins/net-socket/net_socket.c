/* net-socket: the stack signature over the kernel's sockets.
 *
 * Every socket is non-blocking and close-on-exec, and is watched on the
 * devmgr loop (devmgr_watch_fd) with the interest the app asked for, so
 * readiness is the kernel's own level-triggered epoll readiness.
 *
 * The device is confined to one IPv4 address (and one IPv6 address): an
 * app's bind to the wildcard address lands on it, a bind to any other
 * address is refused, and so is a bind to a port outside the allowed
 * ports.  An unbound socket that connects is first bound to the device's
 * address, so that its traffic leaves from there too. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS_MAX_RANGES 32

struct port_range {
	uint16_t lo, hi;
};

struct ns_stack {
	struct devmgr_ctx *ctx;
	struct in_addr addr4;
	struct in6_addr addr6;
	bool has_ipv6;
	bool reuseport; /* SO_REUSEPORT on TCP sockets (several processes) */
	unsigned nranges;
	struct port_range ranges[NS_MAX_RANGES];
};

struct ns_sock {
	struct devmgr_sock head; /* first: apps hold a pointer to it */
	struct ns_stack *ns;
	int fd;
	int family;
	bool bound;
	bool connecting;
	int err; /* a pending error, returned by the next call */
	struct devmgr_watch *watch;
	unsigned events;
	devmgr_sock_fn fn;
	void *arg;
};

static struct ns_stack *stack_of(struct devmgr_stack *st)
{
	return st->priv;
}

static struct ns_sock *sock_of(struct devmgr_sock *s)
{
	return (struct ns_sock *)s;
}

/* A pending error is handed out once, by whichever call comes next. */
static int take_err(struct ns_sock *s)
{
	int e = s->err;

	s->err = 0;
	return e;
}

static bool port_allowed(const struct ns_stack *ns, uint16_t port)
{
	if (port == 0) /* an ephemeral port, chosen by the kernel */
		return true;
	for (unsigned i = 0; i < ns->nranges; i++)
		if (port >= ns->ranges[i].lo && port <= ns->ranges[i].hi)
			return true;
	return false;
}

static int ns_info(struct devmgr_stack *st, struct devmgr_stack_info *out)
{
	const struct ns_stack *ns = stack_of(st);

	out->ipv4.sin_family = AF_INET;
	out->ipv4.sin_addr = ns->addr4;
	out->netmask.sin_family = AF_INET;
	out->gateway.sin_family = AF_INET;
	if (ns->has_ipv6) {
		out->ipv6.sin6_family = AF_INET6;
		out->ipv6.sin6_addr = ns->addr6;
		out->has_ipv6 = true;
	}
	return 0;
}

static int sock_new(struct ns_stack *ns, struct devmgr_stack *st, int fd,
		    int family, struct devmgr_sock **out)
{
	struct ns_sock *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->head.stack = st;
	s->ns = ns;
	s->fd = fd;
	s->family = family;
	*out = &s->head;
	return 0;
}

static int ns_socket(struct devmgr_stack *st, int family, int type,
		     struct devmgr_sock **out)
{
	struct ns_stack *ns = stack_of(st);
	int fd, rc;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (family == AF_INET6 && !ns->has_ipv6)
		return -EAFNOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		int one = 1;

		/* v4-mapped traffic would bypass the IPv4 address check */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (type == SOCK_STREAM) {
		int one = 1;

		/* A server started again (www after its disk came back) must
		 * bind while its old connections sit in TIME_WAIT. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (ns->reuseport && type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &(int){ 1 },
			   sizeof(int));
	rc = sock_new(ns, st, fd, family, out);
	if (rc < 0)
		close(fd);
	return rc;
}

/* The address the kernel is asked to bind: the wildcard becomes the
 * device's address; another address than the device's is refused. */
static int map_bind_addr(const struct ns_sock *s, const struct sockaddr *addr,
			 socklen_t len, struct sockaddr_storage *out,
			 socklen_t *outlen)
{
	const struct ns_stack *ns = s->ns;

	if (addr == NULL || addr->sa_family != s->family)
		return -EAFNOSUPPORT;
	if (s->family == AF_INET) {
		struct sockaddr_in a;

		if (len < sizeof(a))
			return -EINVAL;
		memcpy(&a, addr, sizeof(a));
		if (!port_allowed(ns, ntohs(a.sin_port)))
			return -EACCES;
		if (a.sin_addr.s_addr == htonl(INADDR_ANY))
			a.sin_addr = ns->addr4;
		else if (ns->addr4.s_addr != htonl(INADDR_ANY) &&
			 a.sin_addr.s_addr != ns->addr4.s_addr)
			return -EADDRNOTAVAIL;
		memcpy(out, &a, sizeof(a));
		*outlen = sizeof(a);
		return 0;
	}
	struct sockaddr_in6 a6;

	if (len < sizeof(a6))
		return -EINVAL;
	memcpy(&a6, addr, sizeof(a6));
	if (!port_allowed(ns, ntohs(a6.sin6_port)))
		return -EACCES;
	if (IN6_IS_ADDR_UNSPECIFIED(&a6.sin6_addr))
		a6.sin6_addr = ns->addr6;
	else if (!IN6_IS_ADDR_UNSPECIFIED(&ns->addr6) &&
		 !IN6_ARE_ADDR_EQUAL(&a6.sin6_addr, &ns->addr6))
		return -EADDRNOTAVAIL;
	memcpy(out, &a6, sizeof(a6));
	*outlen = sizeof(a6);
	return 0;
}

static int ns_bind(struct devmgr_sock *sk, const struct sockaddr *addr,
		   socklen_t len)
{
	struct ns_sock *s = sock_of(sk);
	struct sockaddr_storage a;
	socklen_t alen;
	int rc = take_err(s);

	if (rc < 0)
		return rc;
	rc = map_bind_addr(s, addr, len, &a, &alen);
	if (rc < 0)
		return rc;
	if (bind(s->fd, (struct sockaddr *)&a, alen) < 0)
		return -errno;
	s->bound = true;
	return 0;
}

/* Bind an unbound socket to the device's address, any port. */
static int bind_default(struct ns_sock *s)
{
	struct sockaddr_storage a;

	if (s->bound)
		return 0;
	memset(&a, 0, sizeof(a));
	a.ss_family = (sa_family_t)s->family;
	return ns_bind(&s->head, (struct sockaddr *)&a,
		       s->family == AF_INET ? sizeof(struct sockaddr_in)
					    : sizeof(struct sockaddr_in6));
}

static int ns_listen(struct devmgr_sock *sk, int backlog)
{
	struct ns_sock *s = sock_of(sk);
	int rc = take_err(s);

	if (rc == 0)
		rc = bind_default(s);
	if (rc < 0)
		return rc;
	return listen(s->fd, backlog) < 0 ? -errno : 0;
}

static int ns_accept(struct devmgr_sock *sk, struct devmgr_sock **out,
		     struct sockaddr *peer, socklen_t *len)
{
	struct ns_sock *s = sock_of(sk);
	int rc = take_err(s);
	int fd;

	if (rc < 0)
		return rc;
	fd = accept4(s->fd, peer, peer ? len : NULL,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	rc = sock_new(s->ns, sk->stack, fd, s->family, out);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	sock_of(*out)->bound = true;
	/* Apps of this signature send whole messages (sendv gathers them),
	 * so Nagle only adds a wait for the peer's delayed ACK before the
	 * tail of a response larger than one segment; as Go's net package
	 * and nginx do, it is off for accepted connections. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return 0;
}

static int ns_connect(struct devmgr_sock *sk, const struct sockaddr *addr,
		      socklen_t len)
{
	struct ns_sock *s = sock_of(sk);
	int rc = take_err(s);

	if (rc == 0)
		rc = bind_default(s);
	if (rc < 0)
		return rc;
	if (connect(s->fd, addr, len) == 0)
		return 0;
	if (errno == EINPROGRESS)
		s->connecting = true;
	return -errno;
}

static ssize_t ns_recv(struct devmgr_sock *sk, void *buf, size_t len)
{
	struct ns_sock *s = sock_of(sk);
	ssize_t n;

	if (s->err)
		return take_err(s);
	n = recv(s->fd, buf, len, 0);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static ssize_t ns_send(struct devmgr_sock *sk, const void *buf, size_t len)
{
	struct ns_sock *s = sock_of(sk);
	ssize_t n;

	if (s->err)
		return take_err(s);
	n = send(s->fd, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static ssize_t ns_sendv(struct devmgr_sock *sk, const struct iovec *iov,
			int iovcnt)
{
	struct ns_sock *s = sock_of(sk);
	struct msghdr m = { .msg_iov = (struct iovec *)iov,
			    .msg_iovlen = (size_t)iovcnt };
	ssize_t n;

	if (s->err)
		return take_err(s);
	n = sendmsg(s->fd, &m, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

/* sendfile(2) has no MSG_NOSIGNAL: SIGPIPE is blocked around it, and one
 * that it raised is taken before the mask comes back, so that the app
 * sees -EPIPE as from send (one already pending stays pending). */
static ssize_t ns_sendfile(struct devmgr_sock *sk, const struct iovec *head,
			   int headcnt, int fd, uint64_t off, size_t len)
{
	struct ns_sock *s = sock_of(sk);
	struct msghdr m = { .msg_iov = (struct iovec *)head,
			    .msg_iovlen = (size_t)headcnt };
	sigset_t pipe_set, old, pending;
	off_t o = (off_t)off;
	size_t head_len = 0;
	bool was_pending;
	ssize_t n, h = 0;
	int err;

	if (s->err)
		return take_err(s);
	for (int i = 0; i < headcnt; i++)
		head_len += head[i].iov_len;
	if (head_len) {
		/* not MSG_MORE: on loopback it cost www 3 to 4 times the CPU
		 * per 64 KiB response (bench/RESULTS.md) */
		h = sendmsg(s->fd, &m, MSG_NOSIGNAL);
		if (h < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if ((size_t)h < head_len || len == 0)
			return h;
	}
	if (off > (uint64_t)INT64_MAX)
		return h;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	n = sendfile(s->fd, fd, &o, len);
	err = errno;
	if (n < 0 && err == EPIPE && !was_pending)
		sigtimedwait(&pipe_set, NULL, &(struct timespec){ 0, 0 });
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n < 0 && h > 0)
		return h; /* the head went; the error comes with the next call
			   */
	if (n < 0)
		return err == EWOULDBLOCK ? -EAGAIN : -err;
	return h + n;
}

static ssize_t ns_recvfrom(struct devmgr_sock *sk, void *buf, size_t len,
			   struct sockaddr *from, socklen_t *fromlen)
{
	struct ns_sock *s = sock_of(sk);
	ssize_t n;

	if (s->err)
		return take_err(s);
	n = recvfrom(s->fd, buf, len, 0, from, from ? fromlen : NULL);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static ssize_t ns_sendto(struct devmgr_sock *sk, const void *buf, size_t len,
			 const struct sockaddr *to, socklen_t tolen)
{
	struct ns_sock *s = sock_of(sk);
	ssize_t n;
	int rc;

	if (s->err)
		return take_err(s);
	rc = bind_default(s);
	if (rc < 0)
		return rc;
	n = sendto(s->fd, buf, len, MSG_NOSIGNAL, to, tolen);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static int ns_shutdown(struct devmgr_sock *sk, int how)
{
	struct ns_sock *s = sock_of(sk);

	return shutdown(s->fd, how) < 0 ? -errno : 0;
}

static int ns_close(struct devmgr_sock *sk)
{
	struct ns_sock *s = sock_of(sk);

	devmgr_watch_cancel(s->watch);
	close(s->fd);
	free(s);
	return 0;
}

/* A socket error the kernel holds, moved into s->err.  Reading SO_ERROR
 * clears it in the kernel, which is why it is kept here for the next
 * call. */
static bool fetch_error(struct ns_sock *s)
{
	int e = 0;
	socklen_t l = sizeof(e);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e != 0)
		s->err = -e;
	return s->err != 0;
}

/* The loop's readiness, as the app's events.  The loop also reports
 * hang-ups and errors as READ|WRITE whatever was asked; only then, and
 * when a connect completes, is SO_ERROR read, so that the data path costs
 * no extra system call. */
static void on_fd(void *arg, int fd, unsigned ev)
{
	struct ns_sock *s = arg;
	unsigned out = 0;

	(void)fd;
	if (ev & DEVMGR_EV_READ)
		out |= DEVMGR_SOCK_READ;
	if (ev & DEVMGR_EV_WRITE)
		out |= DEVMGR_SOCK_WRITE;
	if ((out & ~s->events) ||
	    ((out & DEVMGR_SOCK_WRITE) && s->connecting)) {
		s->connecting = false;
		if (fetch_error(s))
			out = DEVMGR_SOCK_ERROR;
	}
	out &= s->events | DEVMGR_SOCK_ERROR;
	if (out && s->fn)
		s->fn(s->arg, &s->head, out);
}

/* No interest means no watch at all: a hung-up socket stays "ready" to
 * epoll whatever mask is set, and an app that stops asking (back-pressure)
 * must not be woken for it over and over. */
static int ns_set_events(struct devmgr_sock *sk, unsigned events,
			 devmgr_sock_fn fn, void *arg)
{
	struct ns_sock *s = sock_of(sk);
	unsigned ev = 0;

	events &= DEVMGR_SOCK_READ | DEVMGR_SOCK_WRITE;
	s->fn = fn;
	s->arg = arg;
	if (events & DEVMGR_SOCK_READ)
		ev |= DEVMGR_EV_READ;
	if (events & DEVMGR_SOCK_WRITE)
		ev |= DEVMGR_EV_WRITE;
	if (ev == 0 || fn == NULL) {
		devmgr_watch_cancel(s->watch);
		s->watch = NULL;
		s->events = 0;
		return 0;
	}
	if (s->watch == NULL) {
		s->watch = devmgr_watch_fd(s->ns->ctx, s->fd, ev, on_fd, s);
		if (s->watch == NULL)
			return -errno;
	} else if (ev != s->events) {
		int rc = devmgr_watch_modify(s->watch, ev);

		if (rc < 0)
			return rc;
	}
	s->events = events;
	return 0;
}

static int ns_getsockname(struct devmgr_sock *sk, struct sockaddr *addr,
			  socklen_t *len)
{
	return getsockname(sock_of(sk)->fd, addr, len) < 0 ? -errno : 0;
}

static int ns_getpeername(struct devmgr_sock *sk, struct sockaddr *addr,
			  socklen_t *len)
{
	return getpeername(sock_of(sk)->fd, addr, len) < 0 ? -errno : 0;
}

static const struct devmgr_stack_ops ns_ops = {
	.minor = DEVMGR_STACK_MINOR,
	.info = ns_info,
	.socket = ns_socket,
	.bind = ns_bind,
	.listen = ns_listen,
	.accept = ns_accept,
	.connect = ns_connect,
	.recv = ns_recv,
	.send = ns_send,
	.recvfrom = ns_recvfrom,
	.sendto = ns_sendto,
	.shutdown = ns_shutdown,
	.close = ns_close,
	.set_events = ns_set_events,
	.getsockname = ns_getsockname,
	.getpeername = ns_getpeername,
	.sendv = ns_sendv,
	.sendfile = ns_sendfile,
};

static const struct devmgr_param ns_params[] = {
	{ "address", DEVMGR_PARAM_STRING, 0, "\"127.0.0.1\"",
	  "IPv4 address the device owns: binds to 0.0.0.0 land here, binds to "
	  "other addresses are refused (0.0.0.0: any local address)",
	  0, 0 },
	{ "address6", DEVMGR_PARAM_STRING, 0, "\"::1\"",
	  "IPv6 address the device owns, as address for IPv4 (\"\": no IPv6)",
	  0, 0 },
	{ "ports", DEVMGR_PARAM_STRING, 0, "\"1-65535\"",
	  "ports an app may bind, a list of ports and ranges "
	  "(\"80,8000-8999\"); port 0 (ephemeral) is always allowed",
	  0, 0 },
	{ "reuseport", DEVMGR_PARAM_BOOL, 0, "false",
	  "SO_REUSEPORT on TCP sockets, so that several processes (www's "
	  "workers) listen on one port and the kernel spreads connections",
	  0, 0 },
	{ NULL },
};

/* One "N" or "N-M" of the ports list. */
static int parse_range(const char *p, const char **end, struct port_range *r)
{
	char *e;
	unsigned long lo, hi;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	lo = strtoul(p, &e, 10);
	hi = lo;
	if (*e == '-') {
		p = e + 1;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		hi = strtoul(p, &e, 10);
	}
	if (lo < 1 || hi > 65535 || lo > hi)
		return -ERANGE;
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	*end = e;
	return 0;
}

static int parse_ports(struct ns_stack *ns, const char *text,
		       struct devmgr_error *err)
{
	const char *p = text;

	ns->nranges = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (ns->nranges == NS_MAX_RANGES)
			return devmgr_error_set(err, -EINVAL,
						"ports \"%s\": more than %d "
						"ranges",
						text, NS_MAX_RANGES);
		if (parse_range(p, &p, &ns->ranges[ns->nranges]) < 0)
			return devmgr_error_set(err, -EINVAL,
						"ports \"%s\": expected a port "
						"or a range LOW-HIGH of ports "
						"1 to 65535 at \"%s\"",
						text, p);
		ns->nranges++;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return devmgr_error_set(err, -EINVAL,
						"ports \"%s\": expected \",\" "
						"at \"%s\"",
						text, p - 1);
	}
}

static int ns_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct ns_stack *ns = devmgr_device_priv(dev);
	const char *a4 = devmgr_param_str(dev, "address");
	const char *a6 = devmgr_param_str(dev, "address6");

	ns->ctx = devmgr_device_ctx(dev);
	ns->reuseport = devmgr_param_bool(dev, "reuseport");
	if (a4 == NULL || inet_pton(AF_INET, a4, &ns->addr4) != 1)
		return devmgr_error_set(err, -EINVAL,
					"address \"%s\" is not an IPv4 address",
					a4 ? a4 : "");
	if (a6 != NULL && a6[0] != '\0') {
		if (inet_pton(AF_INET6, a6, &ns->addr6) != 1)
			return devmgr_error_set(err, -EINVAL,
						"address6 \"%s\" is not an "
						"IPv6 address",
						a6);
		ns->has_ipv6 = true;
	}
	return parse_ports(ns, devmgr_param_str(dev, "ports"), err);
}

static void ns_destroy(struct devmgr_device *dev)
{
	(void)dev; /* sockets belong to the app, which closes them */
}

static const struct devmgr_provider ns_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "net-socket",
	.help = "TCP/IP stack of the kernel, through non-blocking sockets",
	.sig = "stack",
	.sig_major = DEVMGR_STACK_MAJOR,
	.sig_minor = DEVMGR_STACK_MINOR,
	.ops = &ns_ops,
	.params = ns_params,
	.priv_size = sizeof(struct ns_stack),
	.create = ns_create,
	.destroy = ns_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&ns_provider,
	NULL,
};

DEVMGR_PLUGIN("net-socket", "0.1.0", providers, NULL);
