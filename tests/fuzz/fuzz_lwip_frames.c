/* fuzz_lwip_frames: random frames into stack-lwip.
 *
 * The input is a sequence of frames, each a 2-byte big-endian length and
 * that many bytes (the last one cut at the end of the input), so a frame
 * may be a runt, empty, or larger than the MTU (a TCP super-frame to a
 * device with offloads).  They are handed to the stack exactly as a net
 * device hands its frames over, through the receiver that stack-lwip
 * installs, and the loop is dispatched after each one.  The stack (10.0.0.2/24
 * and fd00::2) has a TCP listener and a UDP socket on port 7 whose app reads
 * everything, so that frames reach the TCP and UDP state machines; what the
 * stack sends is dropped by the frame source below it.
 *
 * Built by tests/fuzz/build-stack.sh with libFuzzer, and in make check
 * with tests/fuzz/run_corpus.c, which replays the seed corpus. */
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the frame source: a net device the fuzzer drives ---------------- */

struct src {
	devmgr_net_rx_fn rx;
	void *arg;
	struct devmgr_net *handle;
};

static struct src *the_src;

static int src_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	(void)n;
	memset(out, 0, sizeof(*out));
	memcpy(out->mac, mac, 6);
	out->mtu = 1500;
	out->link_up = true;
	/* as net-tap with offload: frames past 1514 bytes take stack-lwip's
	 * super-frame input, and what it sends is joined into super-frames */
	out->offload = DEVMGR_NET_OFF_LRO | DEVMGR_NET_OFF_TSO;
	out->max_frame = 14 + 65535;
	return 0;
}

static int src_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	(void)n;
	(void)iov;
	(void)iovcnt;
	return 0; /* what the stack sends goes nowhere */
}

static int src_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn, void *arg)
{
	struct src *s = n->priv;

	s->rx = fn;
	s->arg = arg;
	s->handle = n;
	return 0;
}

static const struct devmgr_net_ops src_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = src_info,
	.sendv = src_sendv,
	.set_rx = src_set_rx,
};

static int src_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	(void)err;
	the_src = devmgr_device_priv(dev);
	return 0;
}

static void src_destroy(struct devmgr_device *dev)
{
	(void)dev;
	the_src = NULL;
}

static const struct devmgr_param src_params[] = { { NULL } };

static const struct devmgr_provider src_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "fuzz-frames",
	.help = "frames from the fuzzer",
	.sig = "net",
	.sig_major = DEVMGR_NET_MAJOR,
	.sig_minor = DEVMGR_NET_MINOR,
	.ops = &src_ops,
	.params = src_params,
	.priv_size = sizeof(struct src),
	.create = src_create,
	.destroy = src_destroy,
};

static const struct devmgr_provider *const src_providers[] = {
	&src_provider,
	NULL,
};

DEVMGR_PLUGIN("fuzz-frames", "0.1.0", src_providers, NULL);

/* ---- an app that takes whatever arrives ------------------------------ */

#define MAX_CONNS 32

static struct devmgr_ctx *ctx;
static struct devmgr_sock *conns[MAX_CONNS];

static void drop_conn(struct devmgr_sock *s)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i] == s)
			conns[i] = NULL;
	devmgr_sock_close(s);
}

static void on_conn(void *arg, struct devmgr_sock *s, unsigned ev)
{
	char buf[2048];
	ssize_t n;

	(void)arg;
	(void)ev;
	n = devmgr_sock_recv(s, buf, sizeof(buf));
	if (n > 0)
		devmgr_sock_send(s, buf, (size_t)n);
	else if (n != -EAGAIN)
		drop_conn(s);
}

static void on_listener(void *arg, struct devmgr_sock *l, unsigned ev)
{
	struct devmgr_sock *s;

	(void)arg;
	(void)ev;
	while (devmgr_sock_accept(l, &s, NULL, NULL) == 0) {
		int i = 0;

		while (i < MAX_CONNS && conns[i])
			i++;
		if (i == MAX_CONNS) {
			devmgr_sock_close(s);
			continue;
		}
		conns[i] = s;
		devmgr_sock_set_events(s, DEVMGR_SOCK_READ, on_conn, NULL);
	}
}

static void on_udp(void *arg, struct devmgr_sock *s, unsigned ev)
{
	char buf[2048];
	struct sockaddr_storage from;
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

static void open_port7(struct devmgr_stack *st, int family)
{
	struct sockaddr_storage a;
	socklen_t alen;
	struct devmgr_sock *l, *u;

	memset(&a, 0, sizeof(a));
	if (family == AF_INET) {
		((struct sockaddr_in *)&a)->sin_family = AF_INET;
		((struct sockaddr_in *)&a)->sin_port = htons(7);
		alen = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&a)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&a)->sin6_port = htons(7);
		alen = sizeof(struct sockaddr_in6);
	}
	if (devmgr_stack_socket(st, family, SOCK_STREAM, &l) == 0 &&
	    devmgr_sock_bind(l, (struct sockaddr *)&a, alen) == 0 &&
	    devmgr_sock_listen(l, 8) == 0)
		devmgr_sock_set_events(l, DEVMGR_SOCK_READ, on_listener, NULL);
	if (devmgr_stack_socket(st, family, SOCK_DGRAM, &u) == 0 &&
	    devmgr_sock_bind(u, (struct sockaddr *)&a, alen) == 0)
		devmgr_sock_set_events(u, DEVMGR_SOCK_READ, on_udp, NULL);
}

static int setup(void)
{
	static const char cfg[] =
		"{\"devmgr\": 1, \"devices\": {"
		" \"src\": {\"provider\": \"fuzz-frames\"},"
		" \"st\": {\"provider\": \"stack-lwip\", \"on\": \"src\","
		"  \"address\": \"10.0.0.2\", \"gateway\": \"10.0.0.1\","
		"  \"ipv6\": \"fd00::2\"}}}";
	struct devmgr_error err;
	char line[1400];
	struct devmgr_stack *st;

	ctx = devmgr_ctx_new();
	if (ctx == NULL ||
	    devmgr_ctx_load_config_string(ctx, cfg, "<fuzz>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		fprintf(stderr, "fuzz_lwip_frames: %s\n",
			ctx ? devmgr_error_format(&err, line, sizeof(line))
			    : "no context");
		abort();
	}
	st = devmgr_device_handle(devmgr_ctx_find_device(ctx, "st"));
	open_port7(st, AF_INET);
	open_port7(st, AF_INET6);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready = -1;

	if (ready < 0)
		ready = setup();
	while (size >= 2 && the_src && the_src->rx) {
		size_t len = (size_t)data[0] << 8 | data[1];

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		the_src->rx(the_src->arg, the_src->handle, data, len);
		devmgr_ctx_dispatch(ctx, 0);
		data += len;
		size -= len;
	}
	devmgr_ctx_dispatch(ctx, 0);
	return 0;
}
