/* conform_stack.c: the stack signature's conformance cases (sig/stack.h).
 * The stack talks to itself: every connection goes from the device's own
 * IPv4 address (info's ipv4; 127.0.0.1 when it has none) to the same
 * address, as a kernel's sockets reach their own addresses.  Readiness
 * is driven by dispatching the devmgr loop, as an app's would be.
 *
 * The kit's devices are made in each child process that runs cases
 * (conform.c): a stack's own threads (lwIP's) do not survive a fork. */
#include "conform.h"

#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS	     3000
#define QUIET_MS     300
#define FLOOD_LIMIT  (256u << 20) /* bytes a send may take unread at most */
#define BULK_CHUNK   16384
#define ECHO_MESSAGE "devmgr-conform stack"

/* What a socket's function saw. */
struct seen {
	int calls;
	unsigned last, all;
};

static void seen_fn(void *arg, struct devmgr_sock *s, unsigned events)
{
	struct seen *e = arg;

	(void)s;
	e->calls++;
	e->last = events;
	e->all |= events;
}

static struct devmgr_stack *stack_of(struct conform *c)
{
	return c->handle;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Dispatch the loop for ms milliseconds, or until *done when done is
 * given.  True when *done (or always when done is NULL). */
static bool pump(struct conform *c, const int *done, long ms)
{
	long end = now_ms() + ms;

	while ((!done || !*done) && now_ms() < end)
		devmgr_ctx_dispatch(c->ctx, 10);
	return !done || *done;
}

/* Dispatch n times, each waiting a little for events. */
static void spin(struct conform *c, int n)
{
	for (int i = 0; i < n; i++)
		devmgr_ctx_dispatch(c->ctx, 20);
}

/* The device's own IPv4 address with port. */
static struct sockaddr_in own4(struct conform *c, uint16_t port)
{
	struct devmgr_stack_info info;
	struct sockaddr_in a = { .sin_family = AF_INET };

	memset(&info, 0, sizeof(info));
	if (devmgr_stack_info(stack_of(c), &info) == 0 &&
	    info.ipv4.sin_addr.s_addr != htonl(INADDR_ANY))
		a.sin_addr = info.ipv4.sin_addr;
	else
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	return a;
}

static const char *addr_text(const struct sockaddr_in *a, char *buf,
			     size_t size)
{
	char ip[INET_ADDRSTRLEN] = "?";

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(buf, size, "%s:%u", ip, ntohs(a->sin_port));
	return buf;
}

/* A listening TCP socket on the device's own address, its port in *port.
 * NULL with the failure recorded. */
static struct devmgr_sock *listener(struct conform *c, uint16_t *port)
{
	struct sockaddr_in a = own4(c, 0);
	socklen_t len = sizeof(a);
	struct devmgr_sock *l;
	int rc;

	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_STREAM, &l);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_STREAM)", rc, 0))
		return NULL;
	rc = devmgr_sock_bind(l, (struct sockaddr *)&a, sizeof(a));
	if (!conform_rc_is(c, "bind(own address, port 0)", rc, 0))
		goto bad;
	rc = devmgr_sock_listen(l, 16);
	if (!conform_rc_is(c, "listen", rc, 0))
		goto bad;
	rc = devmgr_sock_getsockname(l, (struct sockaddr *)&a, &len);
	if (!conform_rc_is(c, "getsockname of a listener", rc, 0))
		goto bad;
	if (a.sin_port == 0) {
		conform_fail(c, "getsockname of a listener bound to port 0",
			     "the port it was given", "port 0");
		goto bad;
	}
	*port = ntohs(a.sin_port);
	return l;
bad:
	devmgr_sock_close(l);
	return NULL;
}

/* A connected pair: *cl connected to the listener l at to (IPv4 or
 * IPv6), *sv the accepted end.  False with the failure recorded. */
static bool pair_at(struct conform *c, struct devmgr_sock *l,
		    const struct sockaddr *to, socklen_t len,
		    struct devmgr_sock **cl, struct devmgr_sock **sv)
{
	struct seen ce = { 0 }, le = { 0 };
	struct devmgr_sock *s;
	int rc, done = 0;
	long end;

	*cl = *sv = NULL;
	rc = devmgr_stack_socket(stack_of(c), to->sa_family, SOCK_STREAM, &s);
	if (!conform_rc_is(c,
			   to->sa_family == AF_INET6
				   ? "socket(AF_INET6, SOCK_STREAM)"
				   : "socket(AF_INET, SOCK_STREAM)",
			   rc, 0))
		return false;
	rc = devmgr_sock_connect(s, to, len);
	if (rc != 0 && rc != -EINPROGRESS) {
		char g[64];
		conform_fail(c, "connect to a listener", "0 or -EINPROGRESS",
			     "%s", conform_rc(rc, g, sizeof(g)));
		devmgr_sock_close(s);
		return false;
	}
	devmgr_sock_set_events(s, DEVMGR_SOCK_WRITE, seen_fn, &ce);
	devmgr_sock_set_events(l, DEVMGR_SOCK_READ, seen_fn, &le);
	for (end = now_ms() + WAIT_MS; now_ms() < end && !done;) {
		devmgr_ctx_dispatch(c->ctx, 10);
		done = (ce.all & DEVMGR_SOCK_WRITE) &&
		       (le.all & DEVMGR_SOCK_READ);
	}
	devmgr_sock_set_events(s, 0, NULL, NULL);
	devmgr_sock_set_events(l, 0, NULL, NULL);
	if (!(ce.all & DEVMGR_SOCK_WRITE)) {
		conform_fail(c, "connect to a listener", "WRITE (connected)",
			     "events 0x%x in %d ms", ce.all, WAIT_MS);
		devmgr_sock_close(s);
		return false;
	}
	if (!(le.all & DEVMGR_SOCK_READ)) {
		conform_fail(c, "listener with a connection waiting", "READ",
			     "events 0x%x in %d ms", le.all, WAIT_MS);
		devmgr_sock_close(s);
		return false;
	}
	rc = devmgr_sock_accept(l, sv, NULL, NULL);
	if (!conform_rc_is(c, "accept with a connection waiting", rc, 0)) {
		devmgr_sock_close(s);
		return false;
	}
	*cl = s;
	return true;
}

/* The same on the device's own IPv4 address, at port. */
static bool pair(struct conform *c, struct devmgr_sock *l, uint16_t port,
		 struct devmgr_sock **cl, struct devmgr_sock **sv)
{
	struct sockaddr_in to = own4(c, port);

	return pair_at(c, l, (struct sockaddr *)&to, sizeof(to), cl, sv);
}

static void close_all(struct devmgr_sock *a, struct devmgr_sock *b,
		      struct devmgr_sock *l)
{
	if (a)
		devmgr_sock_close(a);
	if (b)
		devmgr_sock_close(b);
	if (l)
		devmgr_sock_close(l);
}

/* Read what s has into buf (up to len), dispatching until want bytes came
 * or end of stream or the deadline.  Returns the count, or a negative
 * error. */
static ssize_t recv_all(struct conform *c, struct devmgr_sock *s, void *buf,
			size_t len, size_t want, bool *eof)
{
	struct seen e = { 0 };
	size_t got = 0;
	long end = now_ms() + WAIT_MS;

	*eof = false;
	devmgr_sock_set_events(s, DEVMGR_SOCK_READ, seen_fn, &e);
	while (got < want && now_ms() < end) {
		ssize_t n = devmgr_sock_recv(s, (char *)buf + got, len - got);
		if (n == 0) {
			*eof = true;
			break;
		}
		if (n == -EAGAIN) {
			devmgr_ctx_dispatch(c->ctx, 10);
			continue;
		}
		if (n < 0) {
			devmgr_sock_set_events(s, 0, NULL, NULL);
			return n;
		}
		got += (size_t)n;
		end = now_ms() + WAIT_MS;
	}
	devmgr_sock_set_events(s, 0, NULL, NULL);
	return (ssize_t)got;
}

/* ---- the cases ---------------------------------------------------------- */

static enum conform_result stack_info(struct conform *c)
{
	struct devmgr_stack_info a, b;
	int rc;

	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	rc = devmgr_stack_info(stack_of(c), &a);
	if (!conform_rc_is(c, "info()", rc, 0))
		return CONFORM_FAIL;
	rc = devmgr_stack_info(stack_of(c), &b);
	if (!conform_rc_is(c, "info() again", rc, 0))
		return CONFORM_FAIL;
	if (a.ipv4.sin_family != AF_INET)
		return conform_fail(c, "info(): ipv4.sin_family", "AF_INET (2)",
				    "%u", a.ipv4.sin_family);
	if (a.has_ipv6 != (a.ipv6.sin6_family == AF_INET6))
		return conform_fail(c, "info(): has_ipv6 and ipv6.sin6_family",
				    "has_ipv6 exactly when AF_INET6",
				    "has_ipv6 %d, sin6_family %u", a.has_ipv6,
				    a.ipv6.sin6_family);
	if (a.ipv4.sin_addr.s_addr != b.ipv4.sin_addr.s_addr ||
	    a.netmask.sin_addr.s_addr != b.netmask.sin_addr.s_addr ||
	    a.gateway.sin_addr.s_addr != b.gateway.sin_addr.s_addr ||
	    a.has_ipv6 != b.has_ipv6 ||
	    (a.has_ipv6 && memcmp(&a.ipv6.sin6_addr, &b.ipv6.sin6_addr,
				  sizeof(a.ipv6.sin6_addr)) != 0))
		return conform_fail(c, "info() twice", "the same answer",
				    "two different answers");
	return CONFORM_PASS;
}

static enum conform_result stack_socket(struct conform *c)
{
	struct devmgr_stack_info info;
	struct devmgr_sock *s;
	int rc;

	memset(&info, 0, sizeof(info));
	devmgr_stack_info(stack_of(c), &info);
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_STREAM, &s);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_STREAM)", rc, 0))
		return CONFORM_FAIL;
	if (!conform_rc_is(c, "close of a new TCP socket", devmgr_sock_close(s),
			   0))
		return CONFORM_FAIL;
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_DGRAM, &s);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_DGRAM)", rc, 0))
		return CONFORM_FAIL;
	if (!conform_rc_is(c, "close of a new UDP socket", devmgr_sock_close(s),
			   0))
		return CONFORM_FAIL;
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_RAW, &s);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_RAW)", rc,
			   -EPROTONOSUPPORT))
		return CONFORM_FAIL;
	rc = devmgr_stack_socket(stack_of(c), AF_UNIX, SOCK_STREAM, &s);
	if (!conform_rc_is(c, "socket(AF_UNIX, SOCK_STREAM)", rc,
			   -EAFNOSUPPORT))
		return CONFORM_FAIL;
	rc = devmgr_stack_socket(stack_of(c), AF_INET6, SOCK_STREAM, &s);
	if (!conform_rc_is(c,
			   info.has_ipv6
				   ? "socket(AF_INET6), the stack has IPv6"
				   : "socket(AF_INET6), the stack has "
				     "no IPv6",
			   rc, info.has_ipv6 ? 0 : -EAFNOSUPPORT))
		return CONFORM_FAIL;
	if (rc == 0)
		devmgr_sock_close(s);
	return CONFORM_PASS;
}

static enum conform_result stack_bind(struct conform *c)
{
	struct sockaddr_in a = own4(c, 0), other = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct devmgr_sock *s, *t = NULL;
	enum conform_result r = CONFORM_FAIL;
	char w[64];
	int rc;

	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_STREAM, &s);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_STREAM)", rc, 0))
		return CONFORM_FAIL;
	rc = devmgr_sock_bind(s, (struct sockaddr *)&a, sizeof(a));
	if (!conform_rc_is(c, "bind(own address, port 0)", rc, 0))
		goto out;
	rc = devmgr_sock_getsockname(s, (struct sockaddr *)&a, &len);
	if (!conform_rc_is(c, "getsockname of a bound socket", rc, 0))
		goto out;
	if (a.sin_port == 0 ||
	    a.sin_addr.s_addr != own4(c, 0).sin_addr.s_addr) {
		struct sockaddr_in want = own4(c, 0);
		char g[64];
		conform_fail(c, "getsockname after bind(own address, port 0)",
			     addr_text(&want, w, sizeof(w)), "%s",
			     addr_text(&a, g, sizeof(g)));
		goto out;
	}
	/* A listener holds the port: a second bind to it is refused. */
	rc = devmgr_sock_listen(s, 4);
	if (!conform_rc_is(c, "listen", rc, 0))
		goto out;
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_STREAM, &t);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_STREAM)", rc, 0))
		goto out;
	rc = devmgr_sock_bind(t, (struct sockaddr *)&a, sizeof(a));
	snprintf(w, sizeof(w), "bind to a listener's %s",
		 addr_text(&a, (char[64]){ 0 }, 64));
	if (!conform_rc_is(c, w, rc, -EADDRINUSE))
		goto out;
	/* 192.0.2.1 (TEST-NET-1, RFC 5737) is nobody's address here; a bind
	 * sends nothing. */
	inet_pton(AF_INET, "192.0.2.1", &other.sin_addr);
	devmgr_sock_close(t);
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_STREAM, &t);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_STREAM)", rc, 0)) {
		t = NULL;
		goto out;
	}
	rc = devmgr_sock_bind(t, (struct sockaddr *)&other, sizeof(other));
	if (!conform_rc_is(c, "bind to 192.0.2.1, not the stack's", rc,
			   -EADDRNOTAVAIL))
		goto out;
	r = CONFORM_PASS;
out:
	close_all(s, t, NULL);
	return r;
}

static enum conform_result stack_connect(struct conform *c)
{
	struct devmgr_sock *l, *cl = NULL, *sv = NULL, *none = NULL;
	struct sockaddr_in a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);
	enum conform_result r = CONFORM_FAIL;
	char w[64], g[64];
	uint16_t port;
	int rc;

	if (!(l = listener(c, &port)))
		return CONFORM_FAIL;
	if (!pair(c, l, port, &cl, &sv))
		goto out;
	rc = devmgr_sock_accept(l, &none, NULL, NULL);
	if (!conform_rc_is(c, "accept with no connection waiting", rc, -EAGAIN))
		goto out;
	rc = devmgr_sock_getpeername(cl, (struct sockaddr *)&a, &la);
	if (!conform_rc_is(c, "getpeername of the client", rc, 0))
		goto out;
	b = own4(c, port);
	if (a.sin_addr.s_addr != b.sin_addr.s_addr ||
	    a.sin_port != b.sin_port) {
		conform_fail(c, "getpeername of the client",
			     addr_text(&b, w, sizeof(w)), "%s",
			     addr_text(&a, g, sizeof(g)));
		goto out;
	}
	/* Each end's name is the other's peer. */
	la = sizeof(a);
	rc = devmgr_sock_getsockname(cl, (struct sockaddr *)&a, &la);
	if (!conform_rc_is(c, "getsockname of the client", rc, 0))
		goto out;
	rc = devmgr_sock_getpeername(sv, (struct sockaddr *)&b, &lb);
	if (!conform_rc_is(c, "getpeername of the accepted socket", rc, 0))
		goto out;
	if (a.sin_addr.s_addr != b.sin_addr.s_addr ||
	    a.sin_port != b.sin_port) {
		conform_fail(c, "getpeername of the accepted socket",
			     addr_text(&a, w, sizeof(w)), "%s",
			     addr_text(&b, g, sizeof(g)));
		goto out;
	}
	r = CONFORM_PASS;
out:
	close_all(cl, sv, l);
	return r;
}

static enum conform_result stack_refused(struct conform *c)
{
	struct devmgr_sock *l, *s;
	struct seen e = { 0 };
	struct sockaddr_in to;
	enum conform_result r = CONFORM_FAIL;
	uint16_t port;
	char b;
	int rc;

	/* A port that was just freed: nobody listens there. */
	if (!(l = listener(c, &port)))
		return CONFORM_FAIL;
	devmgr_sock_close(l);
	to = own4(c, port);
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_STREAM, &s);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_STREAM)", rc, 0))
		return CONFORM_FAIL;
	rc = devmgr_sock_connect(s, (struct sockaddr *)&to, sizeof(to));
	if (rc == -EINPROGRESS) {
		devmgr_sock_set_events(s, DEVMGR_SOCK_WRITE, seen_fn, &e);
		pump(c, &e.calls, WAIT_MS);
		if (!(e.all & DEVMGR_SOCK_ERROR)) {
			conform_fail(c, "a refused connect", "ERROR reported",
				     "events 0x%x in %d ms", e.all, WAIT_MS);
			goto out;
		}
		if (e.all & DEVMGR_SOCK_WRITE) {
			conform_fail(c, "a refused connect", "ERROR, not WRITE",
				     "events 0x%x", e.all);
			goto out;
		}
		rc = (int)devmgr_sock_recv(s, &b, 1);
	}
	if (!conform_rc_is(c, "connect to a port nobody listens on", rc,
			   -ECONNREFUSED))
		goto out;
	r = CONFORM_PASS;
out:
	devmgr_sock_close(s);
	return r;
}

static enum conform_result stack_level(struct conform *c)
{
	struct devmgr_sock *l, *cl = NULL, *sv = NULL;
	struct seen e = { 0 };
	enum conform_result r = CONFORM_FAIL;
	uint16_t port;
	char buf[64];
	ssize_t n;
	bool eof;

	if (!(l = listener(c, &port)))
		return CONFORM_FAIL;
	if (!pair(c, l, port, &cl, &sv))
		goto out;
	n = devmgr_sock_send(cl, "level", 5);
	if (!conform_rc_is(c, "send 5 bytes", n, 5))
		goto out;
	/* Wait for them, then count READ over later dispatches. */
	devmgr_sock_set_events(sv, DEVMGR_SOCK_READ, seen_fn, &e);
	pump(c, &e.calls, WAIT_MS);
	e.calls = 0;
	spin(c, 4);
	if (e.calls < 3) {
		conform_fail(c, "unread data", "READ on every dispatch",
			     "%d calls in 4 dispatches", e.calls);
		goto out;
	}
	devmgr_sock_set_events(sv, 0, seen_fn, &e);
	e.calls = 0;
	spin(c, 3);
	if (e.calls != 0) {
		conform_fail(c, "unread data, no events asked", "no calls",
			     "%d calls", e.calls);
		goto out;
	}
	n = devmgr_sock_recv(sv, buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "level", 5) != 0) {
		conform_fail(c, "recv of the 5 bytes", "5 bytes \"level\"",
			     "%zd", n);
		goto out;
	}
	n = devmgr_sock_recv(sv, buf, sizeof(buf));
	if (!conform_rc_is(c, "recv with nothing waiting", n, -EAGAIN))
		goto out;
	devmgr_sock_set_events(sv, DEVMGR_SOCK_READ, seen_fn, &e);
	e.calls = 0;
	spin(c, 3);
	if (e.calls != 0) {
		conform_fail(c, "everything read, READ asked", "no calls",
			     "%d calls", e.calls);
		goto out;
	}
	devmgr_sock_close(cl);
	cl = NULL;
	pump(c, &e.calls, WAIT_MS);
	if (!(e.all & DEVMGR_SOCK_READ)) {
		conform_fail(c, "the peer closed", "READ", "events 0x%x",
			     e.all);
		goto out;
	}
	n = recv_all(c, sv, buf, sizeof(buf), 1, &eof);
	if (n != 0 || !eof) {
		conform_fail(c, "recv after the peer closed",
			     "0 (end of stream)", "%zd", n);
		goto out;
	}
	r = CONFORM_PASS;
out:
	close_all(cl, sv, l);
	return r;
}

/* The byte at offset off of the bulk stream. */
static uint8_t bulk_byte(size_t off)
{
	return (uint8_t)((off * 7 + (off >> 10)) & 0xff);
}

static enum conform_result stack_backpressure(struct conform *c)
{
	struct devmgr_sock *l, *cl = NULL, *sv = NULL;
	struct seen e = { 0 };
	enum conform_result r = CONFORM_FAIL;
	static uint8_t chunk[BULK_CHUNK], in[BULK_CHUNK];
	size_t sent = 0, got = 0;
	uint16_t port;
	long end;

	if (!(l = listener(c, &port)))
		return CONFORM_FAIL;
	if (!pair(c, l, port, &cl, &sv))
		goto out;
	/* The receiver reads nothing: send must come to -EAGAIN, and WRITE
	 * stay quiet while nothing is read.  (A send may still take a few
	 * bytes then: a kernel reports WRITE only once a third of its buffer
	 * is free, and that is allowed.) */
	for (;;) {
		ssize_t n;
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = bulk_byte(sent + i);
		n = devmgr_sock_send(cl, chunk, sizeof(chunk));
		if (n > 0) {
			sent += (size_t)n;
			if (sent > FLOOD_LIMIT) {
				conform_fail(
					c, "send while the peer reads nothing",
					"-EAGAIN once its buffers are full",
					"%zu bytes taken", sent);
				goto out;
			}
			continue;
		}
		if (n != -EAGAIN) {
			conform_rc_is(c, "send while the peer reads nothing", n,
				      -EAGAIN);
			goto out;
		}
		e.calls = 0;
		e.all = 0;
		devmgr_sock_set_events(cl, DEVMGR_SOCK_WRITE, seen_fn, &e);
		pump(c, &e.calls, QUIET_MS);
		devmgr_sock_set_events(cl, 0, NULL, NULL);
		if (!e.calls)
			break; /* full, and quiet: back-pressure holds */
		if (!(e.all & DEVMGR_SOCK_WRITE)) {
			conform_fail(c, "a full send buffer",
				     "WRITE or nothing", "events 0x%x", e.all);
			goto out;
		}
	}
	/* Now the receiver reads everything; the sender is told it may
	 * send again, and every byte arrives in order. */
	e.calls = 0;
	e.all = 0;
	devmgr_sock_set_events(cl, DEVMGR_SOCK_WRITE, seen_fn, &e);
	end = now_ms() + WAIT_MS;
	while (got < sent && now_ms() < end) {
		ssize_t n = devmgr_sock_recv(sv, in, sizeof(in));
		if (n == -EAGAIN) {
			devmgr_ctx_dispatch(c->ctx, 10);
			continue;
		}
		if (n <= 0) {
			conform_fail(c, "recv of the queued data", "the bytes",
				     "%zd after %zu of %zu bytes", n, got,
				     sent);
			goto out;
		}
		for (ssize_t i = 0; i < n; i++)
			if (in[i] != bulk_byte(got + (size_t)i)) {
				conform_fail(c, "the queued data",
					     "the bytes sent",
					     "a different byte at offset %zu",
					     got + (size_t)i);
				goto out;
			}
		got += (size_t)n;
		end = now_ms() + WAIT_MS;
	}
	if (got != sent) {
		conform_fail(c, "recv of the queued data", "every byte sent",
			     "%zu of %zu bytes", got, sent);
		goto out;
	}
	pump(c, &e.calls, WAIT_MS);
	devmgr_sock_set_events(cl, 0, NULL, NULL);
	if (!(e.all & DEVMGR_SOCK_WRITE)) {
		conform_fail(c, "the peer read everything", "WRITE",
			     "events 0x%x", e.all);
		goto out;
	}
	r = CONFORM_PASS;
out:
	close_all(cl, sv, l);
	return r;
}

static enum conform_result stack_close(struct conform *c)
{
	struct devmgr_sock *l = NULL, *cl = NULL, *sv = NULL, *s = NULL;
	enum conform_result r = CONFORM_FAIL;
	static uint8_t out[65536], in[65536 + 1];
	uint16_t port;
	ssize_t n;
	bool eof;
	char b;
	int rc;

	/* An unconnected socket. */
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_STREAM, &s);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_STREAM)", rc, 0))
		return CONFORM_FAIL;
	n = devmgr_sock_recv(s, &b, 1);
	if (!conform_rc_is(c, "recv on an unconnected socket", n, -ENOTCONN))
		goto out;
	n = devmgr_sock_send(s, "x", 1);
	if (n != -ENOTCONN && n != -EPIPE) {
		char g[64];
		conform_fail(c, "send on an unconnected socket",
			     "-ENOTCONN or -EPIPE", "%s",
			     conform_rc(n, g, sizeof(g)));
		goto out;
	}
	if (!(l = listener(c, &port)))
		goto out;
	if (!pair(c, l, port, &cl, &sv))
		goto out;
	/* Close with data queued: it is still delivered, then the end. */
	conform_fill(out, sizeof(out), 7);
	size_t sent = 0;
	long end = now_ms() + WAIT_MS;
	while (sent < sizeof(out) && now_ms() < end) {
		n = devmgr_sock_send(cl, out + sent, sizeof(out) - sent);
		if (n > 0)
			sent += (size_t)n;
		else if (n == -EAGAIN)
			devmgr_ctx_dispatch(c->ctx, 10);
		else
			break;
	}
	if (sent != sizeof(out)) {
		conform_fail(c, "send of 64 KiB", "65536 bytes taken",
			     "%zu bytes", sent);
		goto out;
	}
	rc = devmgr_sock_close(cl);
	cl = NULL;
	if (!conform_rc_is(c, "close with data queued", rc, 0))
		goto out;
	n = recv_all(c, sv, in, sizeof(in), sizeof(in), &eof);
	if (n != (ssize_t)sizeof(out) || memcmp(in, out, sizeof(out)) != 0 ||
	    !eof) {
		conform_fail(c, "recv after the peer closed with data queued",
			     "the 65536 bytes, then 0", "%zd bytes%s%s", n,
			     n == (ssize_t)sizeof(out) &&
					     memcmp(in, out, sizeof(out))
				     ? " (different)"
				     : "",
			     eof ? ", then 0" : ", no end of stream");
		goto out;
	}
	r = CONFORM_PASS;
out:
	close_all(cl, sv, l);
	devmgr_sock_close(s);
	return r;
}

static enum conform_result stack_shutdown(struct conform *c)
{
	struct devmgr_sock *l, *cl = NULL, *sv = NULL;
	enum conform_result r = CONFORM_FAIL;
	char buf[64];
	uint16_t port;
	ssize_t n;
	bool eof;
	int rc;

	if (!(l = listener(c, &port)))
		return CONFORM_FAIL;
	if (!pair(c, l, port, &cl, &sv))
		goto out;
	rc = devmgr_sock_shutdown(cl, SHUT_WR);
	if (!conform_rc_is(c, "shutdown(SHUT_WR)", rc, 0))
		goto out;
	n = recv_all(c, sv, buf, sizeof(buf), 1, &eof);
	if (n != 0 || !eof) {
		conform_fail(c, "recv after the peer's shutdown(SHUT_WR)",
			     "0 (end of stream)", "%zd", n);
		goto out;
	}
	/* Half closed: the other way still carries data. */
	n = devmgr_sock_send(sv, ECHO_MESSAGE, strlen(ECHO_MESSAGE));
	if (!conform_rc_is(c, "send towards a half-closed peer", n,
			   (long)strlen(ECHO_MESSAGE)))
		goto out;
	n = recv_all(c, cl, buf, sizeof(buf), strlen(ECHO_MESSAGE), &eof);
	if (n != (ssize_t)strlen(ECHO_MESSAGE) ||
	    memcmp(buf, ECHO_MESSAGE, (size_t)n) != 0) {
		conform_fail(c, "recv after one's own shutdown(SHUT_WR)",
			     "the peer's bytes", "%zd", n);
		goto out;
	}
	n = devmgr_sock_send(cl, "x", 1);
	if (!conform_rc_is(c, "send after one's own shutdown(SHUT_WR)", n,
			   -EPIPE))
		goto out;
	r = CONFORM_PASS;
out:
	close_all(cl, sv, l);
	return r;
}

/* sendfile (minor 1): a head, then a file's bytes from an offset, reach
 * the peer in order; the file's own offset stays; past its end, 0. */
#define SF_HEAD "HTTP/1.1 200 OK\r\n\r\n"
#define SF_HLEN (sizeof(SF_HEAD) - 1)
static enum conform_result stack_sendfile(struct conform *c)
{
	struct devmgr_sock *l = NULL, *cl = NULL, *sv = NULL;
	enum conform_result r = CONFORM_FAIL;
	enum { SIZE = 200000, FROM = 1000 };
	char path[] = "/tmp/devmgr-conform-sendfile.XXXXXX";
	uint8_t *data = malloc(SIZE), *in = malloc(SF_HLEN + SIZE);
	size_t sent = 0;
	uint16_t port;
	bool eof;
	int fd;

	if (!data || !in)
		abort();
	if (!DEVMGR_HAS_OP(stack_of(c)->ops, 1, sendfile)) {
		free(data);
		free(in);
		return conform_skip(c, "the provider does not offer sendfile");
	}
	fd = mkstemp(path);
	if (fd < 0) {
		free(data);
		free(in);
		return conform_skip(c, "no temporary file: %s",
				    strerror(errno));
	}
	unlink(path);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = bulk_byte(i);
	if (write(fd, data, SIZE) != SIZE) {
		conform_fail(c, "writing the temporary file", "200000 bytes",
			     "%s", strerror(errno));
		goto out;
	}
	if (!(l = listener(c, &port)))
		goto out;
	if (!pair(c, l, port, &cl, &sv))
		goto out;
	/* The peer reads as it goes: sendfile may take part at a time. */
	for (size_t got = 0; got < SF_HLEN + SIZE - FROM;) {
		ssize_t n;

		while (sent < SF_HLEN + SIZE - FROM) {
			size_t fsent = sent > SF_HLEN ? sent - SF_HLEN : 0;
			struct iovec head = { (char *)SF_HEAD + sent,
					      SF_HLEN - sent };

			n = devmgr_sock_sendfile(
				sv, &head, sent < SF_HLEN ? 1 : 0, fd,
				FROM + fsent, SIZE - FROM - fsent);
			if (n == -EAGAIN)
				break;
			if (n <= 0) {
				conform_fail(c,
					     "sendfile(from 1000 + what went)",
					     "bytes taken", "%zd", n);
				goto out;
			}
			sent += (size_t)n;
		}
		n = recv_all(c, cl, in + got, SF_HLEN + SIZE - FROM - got, 1,
			     &eof);
		if (n <= 0) {
			conform_fail(c, "recv of what sendfile sent",
				     "the file's bytes from 1000",
				     "%zu of %d bytes", got, SIZE - FROM);
			goto out;
		}
		got += (size_t)n;
	}
	if (memcmp(in, SF_HEAD, SF_HLEN) != 0 ||
	    memcmp(in + SF_HLEN, data + FROM, SIZE - FROM) != 0) {
		conform_fail(c, "the peer's bytes",
			     "the head, then the file's bytes from 1000",
			     "other bytes");
		goto out;
	}
	if (lseek(fd, 0, SEEK_CUR) != SIZE) {
		conform_fail(c, "the file's own offset after sendfile",
			     "200000 (unchanged)", "%lld",
			     (long long)lseek(fd, 0, SEEK_CUR));
		goto out;
	}
	if (!conform_rc_is(c, "sendfile(at the file's end)",
			   devmgr_sock_sendfile(sv, NULL, 0, fd, SIZE, 100), 0))
		goto out;
	r = CONFORM_PASS;
out:
	close(fd);
	close_all(cl, sv, l);
	free(data);
	free(in);
	return r;
}

static enum conform_result stack_udp(struct conform *c)
{
	struct sockaddr_in self = own4(c, 0), from, b;
	socklen_t len = sizeof(self), flen = sizeof(from);
	struct devmgr_sock *u, *v = NULL;
	struct seen e = { 0 };
	enum conform_result r = CONFORM_FAIL;
	static uint8_t big[1400], in[2048];
	ssize_t n;
	int rc;

	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_DGRAM, &u);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_DGRAM)", rc, 0))
		return CONFORM_FAIL;
	rc = devmgr_sock_bind(u, (struct sockaddr *)&self, sizeof(self));
	if (!conform_rc_is(c, "bind of a UDP socket", rc, 0))
		goto out;
	devmgr_sock_getsockname(u, (struct sockaddr *)&self, &len);
	n = devmgr_sock_recvfrom(u, in, sizeof(in), NULL, NULL);
	if (!conform_rc_is(c, "recvfrom with nothing waiting", n, -EAGAIN))
		goto out;
	n = devmgr_sock_sendto(u, "dgram", 5, (struct sockaddr *)&self, len);
	if (!conform_rc_is(c, "sendto itself, 5 bytes", n, 5))
		goto out;
	devmgr_sock_set_events(u, DEVMGR_SOCK_READ, seen_fn, &e);
	pump(c, &e.calls, WAIT_MS);
	devmgr_sock_set_events(u, 0, NULL, NULL);
	if (!(e.all & DEVMGR_SOCK_READ)) {
		conform_fail(c, "a datagram waiting", "READ", "events 0x%x",
			     e.all);
		goto out;
	}
	n = devmgr_sock_recvfrom(u, in, sizeof(in), (struct sockaddr *)&from,
				 &flen);
	if (n != 5 || memcmp(in, "dgram", 5) != 0) {
		conform_fail(c, "recvfrom of the datagram", "5 bytes \"dgram\"",
			     "%zd", n);
		goto out;
	}
	if (from.sin_port != self.sin_port ||
	    from.sin_addr.s_addr != self.sin_addr.s_addr) {
		char w[64], g[64];
		conform_fail(c, "recvfrom: the sender's address",
			     addr_text(&self, w, sizeof(w)), "%s",
			     addr_text(&from, g, sizeof(g)));
		goto out;
	}
	/* Between two sockets, a datagram keeps its bounds and bytes. */
	rc = devmgr_stack_socket(stack_of(c), AF_INET, SOCK_DGRAM, &v);
	if (!conform_rc_is(c, "socket(AF_INET, SOCK_DGRAM)", rc, 0))
		goto out;
	b = own4(c, 0);
	devmgr_sock_bind(v, (struct sockaddr *)&b, sizeof(b));
	conform_fill(big, sizeof(big), 3);
	for (int i = 0; i < 2; i++) {
		n = devmgr_sock_sendto(v, big, sizeof(big) - (size_t)i,
				       (struct sockaddr *)&self, len);
		if (!conform_rc_is(c, "sendto another socket, 1400 bytes", n,
				   (long)(sizeof(big) - (size_t)i)))
			goto out;
	}
	for (int i = 0; i < 2; i++) {
		long end = now_ms() + WAIT_MS;
		while ((n = devmgr_sock_recvfrom(u, in, sizeof(in), NULL,
						 NULL)) == -EAGAIN &&
		       now_ms() < end)
			devmgr_ctx_dispatch(c->ctx, 10);
		if (n != (ssize_t)(sizeof(big) - (size_t)i) ||
		    memcmp(in, big, (size_t)n) != 0) {
			conform_fail(c, "recvfrom of a datagram of 1400 bytes",
				     i ? "1399 bytes, the same"
				       : "1400 bytes, the same",
				     "%zd", n);
			goto out;
		}
	}
	r = CONFORM_PASS;
out:
	close_all(u, v, NULL);
	return r;
}

static enum conform_result stack_ipv6(struct conform *c)
{
	struct devmgr_stack_info info;
	struct sockaddr_in6 a;
	socklen_t len = sizeof(a);
	struct devmgr_sock *l = NULL, *cl = NULL, *sv = NULL;
	enum conform_result r = CONFORM_FAIL;
	char buf[64];
	ssize_t n;
	bool eof;
	int rc;

	memset(&info, 0, sizeof(info));
	devmgr_stack_info(stack_of(c), &info);
	if (!info.has_ipv6)
		return conform_skip(c, "the stack has no IPv6 address");
	a = info.ipv6;
	a.sin6_port = 0;
	rc = devmgr_stack_socket(stack_of(c), AF_INET6, SOCK_STREAM, &l);
	if (!conform_rc_is(c, "socket(AF_INET6, SOCK_STREAM)", rc, 0))
		return CONFORM_FAIL;
	rc = devmgr_sock_bind(l, (struct sockaddr *)&a, sizeof(a));
	if (!conform_rc_is(c, "bind(own IPv6 address, port 0)", rc, 0))
		goto out;
	if (!conform_rc_is(c, "listen", devmgr_sock_listen(l, 4), 0))
		goto out;
	devmgr_sock_getsockname(l, (struct sockaddr *)&a, &len);
	if (!pair_at(c, l, (struct sockaddr *)&a, sizeof(a), &cl, &sv))
		goto out;
	n = devmgr_sock_send(cl, ECHO_MESSAGE, strlen(ECHO_MESSAGE));
	if (!conform_rc_is(c, "send over IPv6", n, (long)strlen(ECHO_MESSAGE)))
		goto out;
	n = recv_all(c, sv, buf, sizeof(buf), strlen(ECHO_MESSAGE), &eof);
	if (n != (ssize_t)strlen(ECHO_MESSAGE) ||
	    memcmp(buf, ECHO_MESSAGE, (size_t)n) != 0) {
		conform_fail(c, "recv over IPv6", "the bytes sent", "%zd", n);
		goto out;
	}
	r = CONFORM_PASS;
out:
	close_all(cl, sv, l);
	return r;
}

const struct conform_case conform_stack_cases[] = {
	{ "stack.info",
	  "info() answers 0 and the same twice: ipv4 AF_INET, has_ipv6 "
	  "exactly when ipv6 is AF_INET6",
	  stack_info },
	{ "stack.socket",
	  "TCP and UDP sockets open and close; SOCK_RAW -EPROTONOSUPPORT, "
	  "AF_UNIX -EAFNOSUPPORT, AF_INET6 only with IPv6",
	  stack_socket },
	{ "stack.bind",
	  "bind to port 0 gets a port; a listener's port -EADDRINUSE; an "
	  "address not the stack's -EADDRNOTAVAIL",
	  stack_bind },
	{ "stack.connect",
	  "connect: WRITE; the listener READ; accept, then -EAGAIN; names "
	  "and peers agree",
	  stack_connect },
	{ "stack.refused",
	  "connect to a port nobody listens on: ERROR, then -ECONNREFUSED",
	  stack_refused },
	{ "stack.level",
	  "readiness is level-triggered: READ on every dispatch while data "
	  "waits, none when not asked or all read; READ and 0 at the end",
	  stack_level },
	{ "stack.backpressure",
	  "send comes to -EAGAIN while the peer reads nothing, without "
	  "WRITE; the peer reads every byte in order; WRITE again",
	  stack_backpressure },
	{ "stack.close",
	  "recv on an unconnected socket -ENOTCONN, send -ENOTCONN or "
	  "-EPIPE; data queued at close is delivered, then 0",
	  stack_close },
	{ "stack.shutdown",
	  "shutdown(SHUT_WR): the peer reads 0 and can still send; send "
	  "after it -EPIPE",
	  stack_shutdown },
	{ "stack.udp",
	  "UDP: recvfrom -EAGAIN when empty; a datagram to itself, READ, "
	  "its sender's address; datagrams keep bounds and bytes",
	  stack_udp },
	{ "stack.ipv6",
	  "with IPv6: a TCP connection to its own IPv6 address carries data",
	  stack_ipv6 },
	{ "stack.sendfile",
	  "when offered (minor 1): a head, then a file's bytes from an "
	  "offset, reach the peer in order, the file's own offset stays, "
	  "and at its end sendfile answers 0",
	  stack_sendfile },
	{ NULL, NULL, NULL },
};
