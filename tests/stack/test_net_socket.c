/* test_net_socket: net-socket's calls and readiness against the kernel
 * on 127.0.0.1 (plugins from DEVMGR_PLUGIN_PATH, as in use): the
 * address and ports checks at bind, -EADDRINUSE, a refused connect
 * reported as ERROR and then -ECONNREFUSED, level-triggered READ (again
 * on every dispatch until the data is read, none once the app stops
 * asking), WRITE after a connect, and UDP to itself. */
#include <devmgr/devmgr.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		printf((cond) ? "PASS: " : "FAIL: ");                          \
		failures += !(cond);                                           \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

static struct devmgr_ctx *ctx;

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

struct counter {
	int calls;
	unsigned last;
};

static void count_fn(void *arg, struct devmgr_sock *s, unsigned ev)
{
	struct counter *c = arg;

	(void)s;
	c->calls++;
	c->last = ev;
}

static void spin(int rounds)
{
	for (int i = 0; i < rounds; i++)
		devmgr_ctx_dispatch(ctx, 20);
}

/* A listener on an ephemeral port of 127.0.0.1; its port in *port. */
static struct devmgr_sock *listener(struct devmgr_stack *st, uint16_t *port)
{
	struct devmgr_sock *l;
	struct sockaddr_in a = sin4("0.0.0.0", 0);
	socklen_t alen = sizeof(a);

	devmgr_stack_socket(st, AF_INET, SOCK_STREAM, &l);
	devmgr_sock_listen(l, 4);
	devmgr_sock_getsockname(l, (struct sockaddr *)&a, &alen);
	*port = ntohs(a.sin_port);
	CHECK(a.sin_addr.s_addr == sin4("127.0.0.1", 0).sin_addr.s_addr,
	      "an unbound listener is bound to the device's 127.0.0.1");
	return l;
}

static void check_binds(struct devmgr_stack *st)
{
	struct devmgr_sock *s, *s2;
	struct sockaddr_in other = sin4("127.0.0.2", 7100);
	struct sockaddr_in out = sin4("127.0.0.1", 7300);
	struct sockaddr_in in = sin4("0.0.0.0", 7101);
	int rc;

	devmgr_stack_socket(st, AF_INET, SOCK_STREAM, &s);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&other, sizeof(other));
	CHECK(rc == -EADDRNOTAVAIL, "bind to 127.0.0.2: -EADDRNOTAVAIL (%d)",
	      rc);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&out, sizeof(out));
	CHECK(rc == -EACCES, "bind outside ports: -EACCES (%d)", rc);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&in, sizeof(in));
	CHECK(rc == 0 || rc == -EADDRINUSE, "bind 0.0.0.0:7101 (%d)", rc);
	if (rc == 0) {
		devmgr_sock_listen(s, 1);
		devmgr_stack_socket(st, AF_INET, SOCK_STREAM, &s2);
		rc = devmgr_sock_bind(s2, (struct sockaddr *)&in, sizeof(in));
		CHECK(rc == -EADDRINUSE,
		      "the same port again: -EADDRINUSE "
		      "(%d)",
		      rc);
		devmgr_sock_close(s2);
	}
	devmgr_sock_close(s);
	rc = devmgr_stack_socket(st, AF_INET, SOCK_RAW, &s);
	CHECK(rc == -EPROTONOSUPPORT, "SOCK_RAW: -EPROTONOSUPPORT (%d)", rc);
}

static void check_refused(struct devmgr_stack *st)
{
	struct devmgr_sock *l, *s;
	struct counter c = { 0 };
	struct sockaddr_in to;
	uint16_t port;
	char b;
	int rc;

	/* a port that was just freed: nobody listens there */
	l = listener(st, &port);
	devmgr_sock_close(l);
	to = sin4("127.0.0.1", port);
	devmgr_stack_socket(st, AF_INET, SOCK_STREAM, &s);
	rc = devmgr_sock_connect(s, (struct sockaddr *)&to, sizeof(to));
	if (rc == -EINPROGRESS) {
		devmgr_sock_set_events(s, DEVMGR_SOCK_WRITE, count_fn, &c);
		spin(10);
		CHECK(c.calls > 0 && c.last == DEVMGR_SOCK_ERROR,
		      "refused connect: ERROR reported (%d calls, events %u)",
		      c.calls, c.last);
		rc = (int)devmgr_sock_recv(s, &b, 1);
	}
	CHECK(rc == -ECONNREFUSED, "refused connect: -ECONNREFUSED (%d)", rc);
	devmgr_sock_close(s);
}

static void check_level_triggered(struct devmgr_stack *st)
{
	struct devmgr_sock *l, *c, *a = NULL, *none = NULL;
	struct counter lc = { 0 }, cc = { 0 }, ac = { 0 };
	struct sockaddr_in to;
	uint16_t port;
	char buf[16];
	ssize_t n;
	int rc;

	l = listener(st, &port);
	to = sin4("127.0.0.1", port);
	devmgr_stack_socket(st, AF_INET, SOCK_STREAM, &c);
	rc = devmgr_sock_connect(c, (struct sockaddr *)&to, sizeof(to));
	CHECK(rc == 0 || rc == -EINPROGRESS, "connect (%d)", rc);
	devmgr_sock_set_events(c, DEVMGR_SOCK_WRITE, count_fn, &cc);
	devmgr_sock_set_events(l, DEVMGR_SOCK_READ, count_fn, &lc);
	spin(3);
	CHECK(cc.calls >= 2 && cc.last == DEVMGR_SOCK_WRITE,
	      "connected: WRITE, again on each dispatch (%d calls)", cc.calls);
	CHECK(lc.calls >= 2 && lc.last == DEVMGR_SOCK_READ,
	      "listener: READ while a connection waits (%d calls)", lc.calls);
	rc = devmgr_sock_accept(l, &a, NULL, NULL);
	CHECK(rc == 0, "accept (%d)", rc);
	rc = devmgr_sock_accept(l, &none, NULL, NULL);
	CHECK(rc == -EAGAIN, "accept with none waiting: -EAGAIN (%d)", rc);
	devmgr_sock_set_events(c, 0, NULL, NULL);
	n = devmgr_sock_send(c, "level", 5);
	CHECK(n == 5, "send 5 bytes (%zd)", n);
	devmgr_sock_set_events(a, DEVMGR_SOCK_READ, count_fn, &ac);
	spin(4);
	CHECK(ac.calls >= 3, "unread data: READ on every dispatch (%d calls)",
	      ac.calls);
	devmgr_sock_set_events(a, 0, count_fn, &ac);
	ac.calls = 0;
	spin(3);
	CHECK(ac.calls == 0, "no events asked: no calls (%d)", ac.calls);
	n = devmgr_sock_recv(a, buf, sizeof(buf));
	CHECK(n == 5 && memcmp(buf, "level", 5) == 0, "recv the 5 bytes");
	n = devmgr_sock_recv(a, buf, sizeof(buf));
	CHECK(n == -EAGAIN, "nothing more: -EAGAIN (%zd)", n);
	devmgr_sock_set_events(a, DEVMGR_SOCK_READ, count_fn, &ac);
	spin(3);
	CHECK(ac.calls == 0, "all read: no READ (%d calls)", ac.calls);
	devmgr_sock_close(c);
	spin(3);
	n = devmgr_sock_recv(a, buf, sizeof(buf));
	CHECK(ac.calls >= 1 && n == 0, "peer closed: READ, then recv 0 (%zd)",
	      n);
	devmgr_sock_close(a);
	devmgr_sock_close(l);
}

static void check_udp(struct devmgr_stack *st)
{
	struct devmgr_sock *u;
	struct sockaddr_in self = sin4("0.0.0.0", 0), from;
	socklen_t len = sizeof(self), flen = sizeof(from);
	struct counter uc = { 0 };
	char buf[16];
	ssize_t n;

	devmgr_stack_socket(st, AF_INET, SOCK_DGRAM, &u);
	devmgr_sock_bind(u, (struct sockaddr *)&self, sizeof(self));
	devmgr_sock_getsockname(u, (struct sockaddr *)&self, &len);
	n = devmgr_sock_sendto(u, "dgram", 5, (struct sockaddr *)&self, len);
	CHECK(n == 5, "UDP sendto itself (%zd)", n);
	devmgr_sock_set_events(u, DEVMGR_SOCK_READ, count_fn, &uc);
	spin(2);
	n = devmgr_sock_recvfrom(u, buf, sizeof(buf), (struct sockaddr *)&from,
				 &flen);
	CHECK(uc.calls > 0 && n == 5 && from.sin_port == self.sin_port,
	      "UDP: READ, and the datagram from its own port");
	devmgr_sock_close(u);
}

int main(void)
{
	static const char cfg[] =
		"{\"devmgr\": 1, \"devices\": {\"net\": {\"provider\": "
		"\"net-socket\", \"ports\": \"7000-7199\"}}}";
	struct devmgr_error err;
	char line[1400];
	struct devmgr_stack *st;
	struct devmgr_stack_info info;

	ctx = devmgr_ctx_new();
	devmgr_ctx_load_plugins(ctx);
	if (devmgr_ctx_load_config_string(ctx, cfg, "<test>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		printf("FAIL: setup: %s\n",
		       devmgr_error_format(&err, line, sizeof(line)));
		return 1;
	}
	st = devmgr_device_handle(devmgr_ctx_find_device(ctx, "net"));
	devmgr_stack_info(st, &info);
	CHECK(info.ipv4.sin_addr.s_addr == sin4("127.0.0.1", 0).sin_addr.s_addr,
	      "info: 127.0.0.1 by default");
	check_binds(st);
	check_refused(st);
	check_level_triggered(st);
	check_udp(st);
	devmgr_ctx_free(ctx);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
