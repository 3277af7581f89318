/* responder: a tiny host on any net device, for the L2 tests.  It creates
 * the devices of a configuration through the devmgr API, checks that the
 * chosen net device refuses frames of a bad length with -EMSGSIZE, then
 * answers ARP requests and ICMP echo requests for one IPv4 address, so
 * that the kernel's ping on the other side of a tap or veth gets replies.
 *
 * Usage: responder CONFIG DEVICE IPV4 [--replies N] [--seconds S]
 *                  [--linger MS]
 * Prints "ready" once listening, and at the end one line of counts.
 * Exit: 0 when N echo replies were sent, 1 on a device error, 3 when a
 * check failed, 4 on timeout. */
#include <devmgr/devmgr.h>
#include <devmgr/sig/net.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct host {
	struct devmgr_net *net;
	uint8_t mac[6];
	uint32_t ip; /* network order */
	unsigned rx, arp, icmp, other;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void answer_arp(struct host *h, const uint8_t *f, size_t len)
{
	uint8_t r[42];

	if (len < 42 || f[20] != 0 || f[21] != 1 || memcmp(f + 38, &h->ip, 4))
		return; /* not a request for our address */
	memcpy(r, f + 6, 6);
	memcpy(r + 6, h->mac, 6);
	put16(r + 12, 0x0806);
	memcpy(r + 14, f + 14, 6); /* htype, ptype, hlen, plen */
	put16(r + 20, 2);
	memcpy(r + 22, h->mac, 6);
	memcpy(r + 28, &h->ip, 4);
	memcpy(r + 32, f + 22, 10); /* the asker's MAC and IP */
	if (devmgr_net_send(h->net, r, sizeof(r)) == 0)
		h->arp++;
}

static void answer_icmp(struct host *h, const uint8_t *f, size_t len)
{
	uint8_t r[65536];
	size_t ihl = (size_t)(f[14] & 15) * 4, tot;

	if (len < 34 || f[14] >> 4 != 4 || f[23] != 1 ||
	    memcmp(f + 30, &h->ip, 4))
		return;
	tot = (size_t)(f[16] << 8 | f[17]);
	if (tot + 14 > len || tot + 14 > sizeof(r) || ihl < 20 ||
	    tot < ihl + 8 || f[14 + ihl] != 8)
		return;
	memcpy(r, f + 6, 6);
	memcpy(r + 6, h->mac, 6);
	memcpy(r + 12, f + 12, 2 + tot);
	memcpy(r + 26, f + 30, 4); /* swap the addresses */
	memcpy(r + 30, f + 26, 4);
	r[22] = 64;
	put16(r + 24, 0);
	put16(r + 24, csum(r + 14, ihl));
	r[14 + ihl] = 0; /* echo reply */
	put16(r + 14 + ihl + 2, 0);
	put16(r + 14 + ihl + 2, csum(r + 14 + ihl, tot - ihl));
	if (devmgr_net_send(h->net, r, 14 + tot) == 0)
		h->icmp++;
}

static void on_frame(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	struct host *h = arg;
	const uint8_t *f = frame;

	(void)n;
	h->rx++;
	if (len < 14)
		return;
	if (f[12] == 0x08 && f[13] == 0x06)
		answer_arp(h, f, len);
	else if (f[12] == 0x08 && f[13] == 0x00)
		answer_icmp(h, f, len);
	else
		h->other++;
}

/* Frames of 13 bytes and of mtu + 15 bytes must be refused, not cut. */
static int check_lengths(struct host *h, uint32_t mtu)
{
	size_t big = (size_t)mtu + 15;
	uint8_t *f = calloc(1, big);
	int r1, r2;

	if (!f)
		return -1;
	memset(f, 0xff, 12);
	r1 = devmgr_net_send(h->net, f, big);
	r2 = devmgr_net_send(h->net, f, 13);
	free(f);
	if (r1 != -EMSGSIZE || r2 != -EMSGSIZE) {
		fprintf(stderr,
			"responder: bad lengths gave %d and %d, not "
			"-EMSGSIZE\n",
			r1, r2);
		return -1;
	}
	printf("oversize refused: EMSGSIZE\n");
	return 0;
}

static struct devmgr_net *open_net(struct devmgr_ctx *ctx, const char *cfg,
				   const char *id)
{
	struct devmgr_error err;
	char line[1400];
	struct devmgr_device *dev;

	devmgr_ctx_load_plugins(ctx);
	if (devmgr_ctx_load_config(ctx, cfg, &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		fprintf(stderr, "responder: %s\n",
			devmgr_error_format(&err, line, sizeof(line)));
		return NULL;
	}
	dev = devmgr_ctx_find_device(ctx, id);
	if (!dev || strcmp(devmgr_device_sig_name(dev), "net") != 0) {
		fprintf(stderr, "responder: no net device \"%s\"\n", id);
		return NULL;
	}
	return devmgr_device_handle(dev);
}

int main(int argc, char **argv)
{
	struct host h = { 0 };
	struct devmgr_net_info info;
	struct devmgr_net_stats st = { 0 };
	unsigned want = 3;
	double seconds = 10, linger = 0, end, done_at = 0;
	struct devmgr_ctx *ctx;
	int status = 4;

	if (argc < 4 || inet_pton(AF_INET, argv[3], &h.ip) != 1) {
		fprintf(stderr, "usage: responder CONFIG DEVICE IPV4 "
				"[--replies N] [--seconds S] [--linger MS]\n");
		return 2;
	}
	for (int i = 4; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--replies") == 0)
			want = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--linger") == 0)
			linger = atof(argv[i + 1]) / 1000;
	}
	ctx = devmgr_ctx_new();
	h.net = ctx ? open_net(ctx, argv[1], argv[2]) : NULL;
	if (!h.net)
		return 1;
	devmgr_net_info(h.net, &info);
	memcpy(h.mac, info.mac, 6);
	if (check_lengths(&h, info.mtu) < 0)
		return 3;
	devmgr_net_set_rx(h.net, on_frame, &h);
	printf("ready\n");
	fflush(stdout);
	end = now() + seconds;
	while (now() < end) {
		if (h.icmp >= want && done_at == 0)
			done_at = now();
		if (done_at && now() >= done_at + linger) {
			status = 0;
			break;
		}
		devmgr_ctx_dispatch(ctx, 50);
	}
	devmgr_net_stats(h.net, &st);
	printf("rx %u arp %u icmp %u other %u stats rx_frames %llu "
	       "tx_frames %llu\n",
	       h.rx, h.arp, h.icmp, h.other, (unsigned long long)st.rx_frames,
	       (unsigned long long)st.tx_frames);
	devmgr_ctx_free(ctx);
	return status;
}
