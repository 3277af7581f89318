/* test_lwip_link: two stack-lwip devices in one process, joined by
 * net-link ports of one hub, talk TCP and UDP to each other (also over a
 * lossy, reordering link); a third port of the hub throws bad frames at
 * them (truncated and garbage headers, random bytes), after which they
 * must still talk.  Plugins come from DEVMGR_PLUGIN_PATH, as in use.
 *
 * Plain C: lwIP's tcpip thread does not survive the fork of a Check
 * test. */
#include <devmgr/devmgr.h>
#include <devmgr/sig/net.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (cond) {                                                    \
			printf("PASS: ");                                      \
		} else {                                                       \
			printf("FAIL: ");                                      \
			failures++;                                            \
		}                                                              \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

static struct devmgr_ctx *ctx;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Dispatch until *flag or the deadline. */
static bool run_until(const bool *flag, double secs)
{
	double end = now_s() + secs;

	while (!*flag && now_s() < end)
		devmgr_ctx_dispatch(ctx, 10);
	return *flag;
}

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/* ---- an echo server on one stack ------------------------------------- */

struct srv_conn {
	struct devmgr_sock *s;
	unsigned char buf[16384];
	size_t off, len;
};

static void srv_conn_fn(void *arg, struct devmgr_sock *s, unsigned ev)
{
	struct srv_conn *c = arg;
	ssize_t n;

	if (ev & DEVMGR_SOCK_ERROR)
		goto done;
	if (c->off == c->len) {
		n = devmgr_sock_recv(s, c->buf, sizeof(c->buf));
		if (n == 0 || (n < 0 && n != -EAGAIN))
			goto done;
		if (n > 0) {
			c->off = 0;
			c->len = (size_t)n;
		}
	}
	while (c->off < c->len) {
		n = devmgr_sock_send(s, c->buf + c->off, c->len - c->off);
		if (n == -EAGAIN)
			break;
		if (n < 0)
			goto done;
		c->off += (size_t)n;
	}
	devmgr_sock_set_events(
		s, c->off < c->len ? DEVMGR_SOCK_WRITE : DEVMGR_SOCK_READ,
		srv_conn_fn, c);
	return;
done:
	devmgr_sock_close(s);
	free(c);
}

static void srv_listen_fn(void *arg, struct devmgr_sock *l, unsigned ev)
{
	struct devmgr_sock *s;
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);

	(void)arg;
	(void)ev;
	while (devmgr_sock_accept(l, &s, (struct sockaddr *)&peer, &plen) ==
	       0) {
		struct srv_conn *c = calloc(1, sizeof(*c));

		c->s = s;
		devmgr_sock_set_events(s, DEVMGR_SOCK_READ, srv_conn_fn, c);
		plen = sizeof(peer);
	}
}

static void udp_echo_fn(void *arg, struct devmgr_sock *s, unsigned ev)
{
	unsigned char buf[2048];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	(void)arg;
	(void)ev;
	while ((n = devmgr_sock_recvfrom(s, buf, sizeof(buf),
					 (struct sockaddr *)&from, &flen)) >=
	       0) {
		devmgr_sock_sendto(s, buf, (size_t)n, (struct sockaddr *)&from,
				   flen);
		flen = sizeof(from);
	}
}

/* ---- a client that sends a pattern and checks its echo --------------- */

struct client {
	struct devmgr_sock *s;
	unsigned char *data;
	size_t total, sent, got;
	bool connected, shut, done, bad;
	int err;
	size_t bad_at;
};

static void client_fn(void *arg, struct devmgr_sock *s, unsigned ev)
{
	struct client *c = arg;
	unsigned char buf[32768];
	ssize_t n;

	if (ev & DEVMGR_SOCK_ERROR) {
		c->err = (int)devmgr_sock_recv(s, buf, 1);
		c->done = true;
		devmgr_sock_set_events(s, 0, NULL, NULL);
		return;
	}
	if (ev & DEVMGR_SOCK_WRITE)
		c->connected = true;
	while ((ev & DEVMGR_SOCK_WRITE) && c->sent < c->total) {
		n = devmgr_sock_send(s, c->data + c->sent, c->total - c->sent);
		if (n < 0)
			break;
		c->sent += (size_t)n;
	}
	if (c->sent == c->total && !c->shut) {
		devmgr_sock_shutdown(s, SHUT_WR);
		c->shut = true;
	}
	while ((n = devmgr_sock_recv(s, buf, sizeof(buf))) > 0) {
		if (!c->bad &&
		    (c->got + (size_t)n > c->total ||
		     memcmp(buf, c->data + c->got, (size_t)n) != 0)) {
			c->bad = true;
			c->bad_at = c->got;
		}
		c->got += (size_t)n;
	}
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		c->err = n < 0 ? (int)n : 0;
		c->done = true;
		devmgr_sock_set_events(s, 0, NULL, NULL);
		return;
	}
	devmgr_sock_set_events(
		s,
		DEVMGR_SOCK_READ | (c->sent < c->total ? DEVMGR_SOCK_WRITE : 0),
		client_fn, c);
}

/* Echo size bytes from a to b's server at ip:port; true when exact. */
static bool tcp_echo(struct devmgr_stack *a, const char *ip, uint16_t port,
		     size_t size, double secs, const char *what)
{
	struct client c = { 0 };
	struct sockaddr_in to = sin4(ip, port);
	int rc;

	c.total = size;
	c.data = malloc(size ? size : 1);
	srand(42);
	for (size_t i = 0; i < size; i++)
		c.data[i] = (unsigned char)rand();
	rc = devmgr_stack_socket(a, AF_INET, SOCK_STREAM, &c.s);
	if (rc == 0)
		rc = devmgr_sock_connect(c.s, (struct sockaddr *)&to,
					 sizeof(to));
	CHECK(rc == -EINPROGRESS, "%s: connect returns -EINPROGRESS (%d)", what,
	      rc);
	devmgr_sock_set_events(c.s, DEVMGR_SOCK_READ | DEVMGR_SOCK_WRITE,
			       client_fn, &c);
	double t0 = now_s();

	run_until(&c.done, secs);
	bool ok = c.done && !c.bad && c.err == 0 && c.got == size;

	CHECK(ok,
	      "%s: %zu bytes echoed byte for byte (%zu back, err %d%s) "
	      "in %.2f s",
	      what, size, c.got, c.err, c.bad ? ", differs" : "", now_s() - t0);
	devmgr_sock_close(c.s);
	free(c.data);
	return ok;
}

/* ---- level-triggered readiness ---------------------------------------- */

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

static void check_level_triggered(struct devmgr_stack *a,
				  struct devmgr_stack *b)
{
	struct devmgr_sock *l, *c, *s = NULL, *none = NULL;
	struct counter lc = { 0 }, cc = { 0 }, sc = { 0 };
	struct sockaddr_in at = sin4("0.0.0.0", 5002);
	struct sockaddr_in to = sin4("10.9.0.2", 5002);
	char buf[16];
	ssize_t n;

	devmgr_stack_socket(b, AF_INET, SOCK_STREAM, &l);
	devmgr_sock_bind(l, (struct sockaddr *)&at, sizeof(at));
	devmgr_sock_listen(l, 4);
	devmgr_sock_set_events(l, DEVMGR_SOCK_READ, count_fn, &lc);
	devmgr_stack_socket(a, AF_INET, SOCK_STREAM, &c);
	devmgr_sock_connect(c, (struct sockaddr *)&to, sizeof(to));
	devmgr_sock_set_events(c, DEVMGR_SOCK_WRITE, count_fn, &cc);
	for (int i = 0; i < 100 && (lc.calls < 3 || cc.calls < 3); i++)
		spin(1);
	CHECK(cc.calls >= 3 && cc.last == DEVMGR_SOCK_WRITE,
	      "lwIP: connected: WRITE, again on each dispatch (%d calls)",
	      cc.calls);
	CHECK(lc.calls >= 3 && lc.last == DEVMGR_SOCK_READ,
	      "lwIP: listener: READ while a connection waits (%d calls)",
	      lc.calls);
	CHECK(devmgr_sock_accept(l, &s, NULL, NULL) == 0 &&
		      devmgr_sock_accept(l, &none, NULL, NULL) == -EAGAIN,
	      "lwIP: accept, then -EAGAIN");
	devmgr_sock_set_events(c, 0, NULL, NULL);
	n = devmgr_sock_send(c, "level", 5);
	CHECK(n == 5, "lwIP: send 5 bytes (%zd)", n);
	devmgr_sock_set_events(s, DEVMGR_SOCK_READ, count_fn, &sc);
	for (int i = 0; i < 100 && sc.calls < 4; i++)
		spin(1);
	CHECK(sc.calls >= 4,
	      "lwIP: unread data: READ on every dispatch (%d "
	      "calls)",
	      sc.calls);
	devmgr_sock_set_events(s, 0, count_fn, &sc);
	sc.calls = 0;
	spin(3);
	CHECK(sc.calls == 0, "lwIP: no events asked: no calls (%d)", sc.calls);
	n = devmgr_sock_recv(s, buf, sizeof(buf));
	CHECK(n == 5 && memcmp(buf, "level", 5) == 0, "lwIP: recv the 5 "
						      "bytes");
	CHECK(devmgr_sock_recv(s, buf, sizeof(buf)) == -EAGAIN,
	      "lwIP: nothing more: -EAGAIN");
	devmgr_sock_set_events(s, DEVMGR_SOCK_READ, count_fn, &sc);
	spin(3);
	CHECK(sc.calls == 0, "lwIP: all read: no READ (%d calls)", sc.calls);
	devmgr_sock_close(c);
	for (int i = 0; i < 100 && sc.calls == 0; i++)
		spin(1);
	n = devmgr_sock_recv(s, buf, sizeof(buf));
	CHECK(sc.calls >= 1 && n == 0,
	      "lwIP: peer closed: READ, then recv 0 "
	      "(%zd)",
	      n);
	devmgr_sock_close(s);
	devmgr_sock_close(l);
}

/* ---- bad frames ------------------------------------------------------ */

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An Ethernet + IPv4 frame to dst with random protocol fields; the IPv4
 * header checksum is right so that the garbage reaches deeper layers. */
static size_t ip_garbage(uint8_t *f, const uint8_t *dmac, const char *dst,
			 unsigned seed)
{
	size_t len = 34 + (size_t)(rand() % 200);
	uint8_t proto[] = { 1, 6, 17, 2, (uint8_t)rand() };
	struct in_addr d;

	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)rand();
	memcpy(f, dmac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	if (seed % 3 == 0)
		f[6 + 14] = f[7 + 14] = 0; /* not a fragment */
	f[23] = proto[seed % 5];
	inet_pton(AF_INET, dst, &d);
	memcpy(f + 30, &d, 4);
	f[24] = f[25] = 0;
	uint16_t c = csum(f + 14, 20);

	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	return len;
}

static void send_bad_frames(struct devmgr_net *inj, const uint8_t *mac_b,
			    unsigned *sent)
{
	uint8_t f[1514];
	static const uint16_t types[] = { 0x0800, 0x0806, 0x86dd, 0x8100,
					  0x88cc };

	*sent = 0;
	/* headers only, and headers cut short, of each type */
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t len = 14; len < 80; len += 3) {
			memset(f, 0, sizeof(f));
			memcpy(f, t & 1 ? mac_bcast : mac_b, 6);
			f[12] = (uint8_t)(types[t] >> 8);
			f[13] = (uint8_t)types[t];
			if (types[t] == 0x0800)
				f[14] = 0x4f; /* IHL 60 bytes */
			if (types[t] == 0x86dd)
				f[14] = 0x60;
			if (devmgr_net_send(inj, f, len) == 0)
				(*sent)++;
		}
	}
	/* IPv4 claiming more than the frame holds, and 0 */
	memset(f, 0, sizeof(f));
	memcpy(f, mac_b, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = 0xff;
	f[17] = 0xff;
	if (devmgr_net_send(inj, f, 60) == 0)
		(*sent)++;
	f[16] = f[17] = 0;
	if (devmgr_net_send(inj, f, 60) == 0)
		(*sent)++;
	/* ARP with absurd address lengths, to broadcast */
	memset(f, 0, sizeof(f));
	memcpy(f, mac_bcast, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	f[18] = 0xff;
	f[19] = 0xff;
	if (devmgr_net_send(inj, f, 42) == 0)
		(*sent)++;
	/* random bytes, and IPv4 garbage with a good header checksum */
	srand(7);
	for (unsigned i = 0; i < 3000; i++) {
		size_t len;

		if (i % 2) {
			len = ip_garbage(f, mac_b, "10.9.0.2", i);
		} else {
			len = 14 + (size_t)(rand() % 1500);
			for (size_t k = 0; k < len; k++)
				f[k] = (uint8_t)rand();
			if (i % 4 == 0)
				memcpy(f, mac_b, 6);
		}
		if (devmgr_net_send(inj, f, len) == 0)
			(*sent)++;
		if (i % 64 == 0)
			devmgr_ctx_dispatch(ctx, 0);
	}
}

/* ---- the tests ------------------------------------------------------- */

static struct devmgr_stack *stack(const char *id)
{
	return devmgr_device_handle(devmgr_ctx_find_device(ctx, id));
}

static void check_errors(struct devmgr_stack *a, struct devmgr_stack *b)
{
	struct devmgr_sock *s, *s2;
	struct sockaddr_in other = sin4("10.9.0.77", 6000);
	struct sockaddr_in any = sin4("0.0.0.0", 6001);
	struct sockaddr_in name;
	socklen_t nlen = sizeof(name);
	struct devmgr_stack_info info;
	int rc;

	devmgr_stack_info(a, &info);
	CHECK(info.ipv4.sin_addr.s_addr ==
			      sin4("10.9.0.1", 0).sin_addr.s_addr &&
		      info.netmask.sin_addr.s_addr ==
			      sin4("255.255.255.0", 0).sin_addr.s_addr,
	      "info: 10.9.0.1/255.255.255.0");
	devmgr_stack_socket(a, AF_INET, SOCK_STREAM, &s);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&other, sizeof(other));
	CHECK(rc == -EADDRNOTAVAIL,
	      "bind to another address: -EADDRNOTAVAIL "
	      "(%d)",
	      rc);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&any, sizeof(any));
	CHECK(rc == 0, "bind to 0.0.0.0:6001 (%d)", rc);
	devmgr_sock_getsockname(s, (struct sockaddr *)&name, &nlen);
	CHECK(name.sin_addr.s_addr == info.ipv4.sin_addr.s_addr &&
		      ntohs(name.sin_port) == 6001,
	      "getsockname: the wildcard is the device's address");
	devmgr_sock_listen(s, 4);
	devmgr_stack_socket(a, AF_INET, SOCK_STREAM, &s2);
	rc = devmgr_sock_bind(s2, (struct sockaddr *)&any, sizeof(any));
	CHECK(rc == -EADDRINUSE, "bind to a port in use: -EADDRINUSE (%d)", rc);
	devmgr_sock_close(s2);
	devmgr_sock_close(s);
	rc = devmgr_stack_socket(a, AF_INET6, SOCK_STREAM, &s);
	CHECK(rc == -EAFNOSUPPORT, "IPv6 socket without ipv6: -EAFNOSUPPORT");
	rc = devmgr_stack_socket(a, AF_UNIX, SOCK_STREAM, &s);
	CHECK(rc == -EAFNOSUPPORT, "AF_UNIX: -EAFNOSUPPORT");

	/* a port nobody listens on: the connect ends in ECONNREFUSED */
	struct client c = { 0 };
	struct sockaddr_in to = sin4("10.9.0.2", 6002);

	c.data = malloc(1);
	devmgr_stack_socket(a, AF_INET, SOCK_STREAM, &c.s);
	devmgr_sock_connect(c.s, (struct sockaddr *)&to, sizeof(to));
	devmgr_sock_set_events(c.s, DEVMGR_SOCK_WRITE, client_fn, &c);
	run_until(&c.done, 5);
	CHECK(c.err == -ECONNREFUSED,
	      "connect to a closed port: ERROR, then "
	      "-ECONNREFUSED (%d)",
	      c.err);
	devmgr_sock_close(c.s);
	free(c.data);
	(void)b;
}

struct udp_client {
	bool got;
	char buf[64];
	ssize_t n;
};

static void udp_client_fn(void *arg, struct devmgr_sock *s, unsigned ev)
{
	struct udp_client *u = arg;

	(void)ev;
	u->n = devmgr_sock_recvfrom(s, u->buf, sizeof(u->buf), NULL, NULL);
	if (u->n != -EAGAIN)
		u->got = true;
}

static void check_udp(struct devmgr_stack *a)
{
	struct devmgr_sock *s;
	struct udp_client u = { 0 };
	struct sockaddr_in to = sin4("10.9.0.2", 5001);
	ssize_t n;

	devmgr_stack_socket(a, AF_INET, SOCK_DGRAM, &s);
	devmgr_sock_set_events(s, DEVMGR_SOCK_READ, udp_client_fn, &u);
	n = devmgr_sock_sendto(s, "ping over lwIP", 14, (struct sockaddr *)&to,
			       sizeof(to));
	CHECK(n == 14, "UDP sendto takes 14 bytes (%zd)", n);
	run_until(&u.got, 5);
	CHECK(u.got && u.n == 14 && memcmp(u.buf, "ping over lwIP", 14) == 0,
	      "UDP datagram echoed by the other stack");
	devmgr_sock_close(s);
}

static int setup(const char *hub, const char *loss)
{
	char cfg[2048];
	struct devmgr_error err;
	char line[1400];

	snprintf(cfg, sizeof(cfg),
		 "{\"devmgr\": 1, \"devices\": {"
		 " \"la\": {\"provider\": \"net-link\", \"hub\": \"%s\"%s},"
		 " \"lb\": {\"provider\": \"net-link\", \"hub\": \"%s\"%s},"
		 " \"lc\": {\"provider\": \"net-link\", \"hub\": \"%s\"},"
		 " \"sa\": {\"provider\": \"stack-lwip\", \"on\": \"la\","
		 "  \"address\": \"10.9.0.1\"},"
		 " \"sb\": {\"provider\": \"stack-lwip\", \"on\": \"lb\","
		 "  \"address\": \"10.9.0.2\"}}}",
		 hub, loss, hub, loss, hub);
	ctx = devmgr_ctx_new();
	devmgr_ctx_load_plugins(ctx);
	if (devmgr_ctx_load_config_string(ctx, cfg, "<test>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		printf("FAIL: setup: %s\n",
		       devmgr_error_format(&err, line, sizeof(line)));
		return -1;
	}
	return 0;
}

static void start_servers(struct devmgr_stack *b, struct devmgr_sock **l,
			  struct devmgr_sock **u)
{
	struct sockaddr_in at = sin4("0.0.0.0", 5000);
	struct sockaddr_in atu = sin4("10.9.0.2", 5001);
	int rc;

	devmgr_stack_socket(b, AF_INET, SOCK_STREAM, l);
	rc = devmgr_sock_bind(*l, (struct sockaddr *)&at, sizeof(at));
	if (rc == 0)
		rc = devmgr_sock_listen(*l, 16);
	CHECK(rc == 0, "listen on 10.9.0.2:5000 (%d)", rc);
	devmgr_sock_set_events(*l, DEVMGR_SOCK_READ, srv_listen_fn, NULL);
	devmgr_stack_socket(b, AF_INET, SOCK_DGRAM, u);
	rc = devmgr_sock_bind(*u, (struct sockaddr *)&atu, sizeof(atu));
	CHECK(rc == 0, "UDP bind 10.9.0.2:5001 (%d)", rc);
	devmgr_sock_set_events(*u, DEVMGR_SOCK_READ, udp_echo_fn, NULL);
}

int main(void)
{
	char hub[64];
	struct devmgr_sock *l, *u;
	struct devmgr_net_info nb;
	unsigned sent;

	snprintf(hub, sizeof(hub), "stack%d", (int)getpid());
	if (setup(hub, "") < 0)
		return 1;
	struct devmgr_stack *a = stack("sa"), *b = stack("sb");
	struct devmgr_net *inj =
		devmgr_device_handle(devmgr_ctx_find_device(ctx, "lc"));

	devmgr_net_info(devmgr_device_handle(devmgr_ctx_find_device(ctx, "lb")),
			&nb);
	start_servers(b, &l, &u);
	tcp_echo(a, "10.9.0.2", 5000, 1 << 20, 30, "TCP over net-link");
	tcp_echo(a, "10.9.0.2", 5000, 0, 5, "empty TCP stream");
	check_udp(a);
	check_errors(a, b);
	check_level_triggered(a, b);

	send_bad_frames(inj, nb.mac, &sent);
	for (int i = 0; i < 50; i++)
		devmgr_ctx_dispatch(ctx, 2);
	CHECK(sent > 3000, "%u bad frames sent through net-link", sent);
	tcp_echo(a, "10.9.0.2", 5000, 65536, 30, "TCP after the bad frames");
	check_udp(a);
	devmgr_sock_close(l);
	devmgr_sock_close(u);
	devmgr_ctx_free(ctx);

	/* 5% loss and reordering both ways: TCP still delivers every byte */
	snprintf(hub, sizeof(hub), "stackloss%d", (int)getpid());
	if (setup(hub, ", \"loss\": \"5%\", \"reorder\": \"5%\", "
		       "\"seed\": 3") < 0)
		return 1;
	start_servers(stack("sb"), &l, &u);
	tcp_echo(stack("sa"), "10.9.0.2", 5000, 128 << 10, 60,
		 "TCP over a link with 5% loss and reordering");
	devmgr_sock_close(l);
	devmgr_sock_close(u);
	devmgr_ctx_free(ctx);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
