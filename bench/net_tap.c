/* net_tap.c: frames per second through a net-tap device (the devmgr
 * handle) against plain write/read on a tap fd, in the same run, with
 * 64-byte and 1500-byte frames.  Medians of several repetitions, each
 * running both paths (alternating which goes first).
 *
 * Run by bench/run.d/net.sh inside a network namespace it makes, with
 * five taps that are up:
 *   SEND_DEV, SEND_RAW  not bridged: sent frames go to the kernel, which
 *                       drops them (an unknown destination MAC), so both
 *                       paths end in the same kernel work;
 *   SRC, RX_DEV, RX_RAW on one bridge: each frame written into SRC is
 *                       flooded to both RX taps, whose queues are then
 *                       drained, one through devmgr (dispatch and the
 *                       receive callback), one with read(2).
 *
 * Usage: net_tap [--quick] SEND_DEV SEND_RAW SRC RX_DEV RX_RAW */
#include <devmgr/devmgr.h>
#include <devmgr/sig/net.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

/* Frames per burst in the receive test: less than the taps' queue
 * (txqueuelen, set to 4096 by net.sh). */
#define RX_BURST 2000
/* Each send repetition is cut into this many samples per path. */
#define SEND_SLICES 20

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror(name);
		close(fd);
		return -1;
	}
	return fd;
}

static void make_frame(uint8_t *f, size_t len, uint8_t src_last)
{
	static const uint8_t dst[6] = { 0x02, 0xbe, 0x9c, 0, 0, 0x99 };

	memset(f, 0x5a, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, dst, 6);
	f[11] = src_last;
	f[12] = 0x88;
	f[13] = 0xb5;
}

static unsigned rx_count;

static void count_rx(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	(void)arg;
	(void)n;
	(void)len;
	bench_clobber((void *)frame);
	rx_count++;
}

struct bench {
	struct devmgr_ctx *ctx;
	struct devmgr_net *send_dev, *rx_dev;
	int send_raw, src, rx_raw;
	int quick;
};

/* Seconds to send n frames of len bytes through one path. */
static double send_run(struct bench *b, int dev, const uint8_t *f, size_t len,
		       unsigned n)
{
	double t0 = bench_now();

	for (unsigned i = 0; i < n; i++) {
		int r = dev ? devmgr_net_send(b->send_dev, f, len)
			    : (write(b->send_raw, f, len) == (ssize_t)len
				       ? 0
				       : -errno);

		if (r < 0) {
			fprintf(stderr, "net_tap: %s send: %s\n",
				dev ? "devmgr" : "raw", strerror(-r));
			return -1;
		}
	}
	return bench_now() - t0;
}

/* Seconds to receive RX_BURST frames already queued on one path. */
static double rx_drain(struct bench *b, int dev, uint8_t *buf)
{
	double t0 = bench_now(), limit = t0 + 5;
	unsigned got = 0;

	if (dev) {
		rx_count = 0;
		while (rx_count < RX_BURST && bench_now() < limit)
			devmgr_ctx_dispatch(b->ctx, 0);
		got = rx_count;
	} else {
		/* The clock is read once per 64 reads, as the devmgr path
		 * reads it once per dispatch (up to 64 frames). */
		for (unsigned k = 0; got < RX_BURST; k++) {
			ssize_t r = read(b->rx_raw, buf, 65536);

			if (r > 0)
				got++;
			else if (r < 0 && errno != EAGAIN)
				return -1;
			if (k % 64 == 63 && bench_now() > limit)
				break;
		}
	}
	if (got >= RX_BURST)
		return bench_now() - t0;
	fprintf(stderr, "net_tap: %s receive: %u of %u frames\n",
		dev ? "devmgr" : "raw", got, RX_BURST);
	return -1;
}

/* One receive repetition: fill both RX queues, drain them in turn. */
static int rx_rep(struct bench *b, int r, size_t len, uint8_t *f, uint8_t *buf,
		  double *tdev, double *traw)
{
	for (unsigned i = 0; i < RX_BURST; i++)
		if (write(b->src, f, len) != (ssize_t)len)
			return -1;
	/* The bridge forwards in softirq context, which may run a little
	 * later (ksoftirqd): without this pause the first path drained
	 * would be timed waiting for frames still on their way. */
	usleep(2000);
	for (int order = 0; order < 2; order++) {
		int dev = (order == 0) == (r % 2 == 0);
		double t = rx_drain(b, dev, buf);

		if (t < 0)
			return -1;
		*(dev ? tdev : traw) = t;
	}
	return 0;
}

/* Frames the kernel sent before the run (router solicitations and the
 * like) are read and thrown away. */
static void drain_stale(struct bench *b)
{
	uint8_t buf[2048];

	usleep(100000);
	for (int i = 0; i < 100; i++)
		devmgr_ctx_dispatch(b->ctx, 0);
	while (read(b->rx_raw, buf, sizeof(buf)) > 0)
		;
	rx_count = 0;
}

/* Medians are taken over every slice (send) and every burst (receive)
 * of all repetitions: each sample is a few milliseconds long, so one
 * that a burst of load from elsewhere on the machine hits is an outlier
 * the median ignores, and within a pair the two paths run back to back. */
static int measure(struct bench *b, size_t len)
{
	int reps = b->quick ? 3 : 9, bursts = b->quick ? 7 : 25, missed;
	unsigned n = (b->quick ? 20000 : 200000) / SEND_SLICES;
	size_t ns = (size_t)reps * SEND_SLICES, nr = (size_t)reps * bursts;
	double *sd = calloc(ns, sizeof(double)),
	       *sr = calloc(ns, sizeof(double));
	double *rd = calloc(nr, sizeof(double)),
	       *rr = calloc(nr, sizeof(double));
	uint8_t *f = malloc(len), *buf = malloc(65536);
	double fd_, fr_, ratio;

	make_frame(f, len, 1);
	drain_stale(b);
	for (size_t i = 0; i < ns; i++) {
		for (int order = 0; order < 2; order++) {
			int dev = (order == 0) == (i % 2 == 0);
			double t = send_run(b, dev, f, len, n);

			if (t < 0)
				return 2;
			(dev ? sd : sr)[i] = t;
		}
	}
	for (size_t i = 0; i < nr; i++)
		if (rx_rep(b, (int)i, len, f, buf, &rd[i], &rr[i]))
			return 2;
	fd_ = n / bench_median(sd, ns);
	fr_ = n / bench_median(sr, ns);
	ratio = fd_ / fr_;
	printf("net-tap send %zuB: devmgr %.0f fps, raw write %.0f fps, "
	       "ratio %.3f ",
	       len, fd_, fr_, ratio);
	missed = bench_verdict(ratio, 0.90, 1);
	fd_ = RX_BURST / bench_median(rd, nr);
	fr_ = RX_BURST / bench_median(rr, nr);
	ratio = fd_ / fr_;
	printf("net-tap receive %zuB: devmgr %.0f fps, raw read %.0f fps, "
	       "ratio %.3f ",
	       len, fd_, fr_, ratio);
	missed |= bench_verdict(ratio, 0.90, 1);
	fflush(stdout);
	free(sd);
	free(sr);
	free(rd);
	free(rr);
	free(f);
	free(buf);
	return missed;
}

static int open_devices(struct bench *b, char **names)
{
	char json[512];
	struct devmgr_error err;
	char line[1400];

	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {"
		 "\"send\": {\"provider\": \"net-tap\", \"name\": \"%s\"},"
		 "\"rx\": {\"provider\": \"net-tap\", \"name\": \"%s\"}}}",
		 names[0], names[3]);
	b->ctx = devmgr_ctx_new();
	if (!b->ctx ||
	    devmgr_ctx_load_config_string(b->ctx, json, "<bench>", &err) < 0 ||
	    devmgr_ctx_create_devices(b->ctx, false, &err) < 0) {
		fprintf(stderr, "net_tap: %s\n",
			b->ctx ? devmgr_error_format(&err, line, sizeof(line))
			       : "no context");
		return -1;
	}
	b->send_dev =
		devmgr_device_handle(devmgr_ctx_find_device(b->ctx, "send"));
	b->rx_dev = devmgr_device_handle(devmgr_ctx_find_device(b->ctx, "rx"));
	devmgr_net_set_rx(b->rx_dev, count_rx, NULL);
	b->send_raw = open_tap(names[1]);
	b->src = open_tap(names[2]);
	b->rx_raw = open_tap(names[4]);
	if (b->send_raw < 0 || b->src < 0 || b->rx_raw < 0)
		return -1;
	return fcntl(b->rx_raw, F_SETFL, O_NONBLOCK);
}

int main(int argc, char **argv)
{
	struct bench b = { .quick = bench_quick(argc, argv) };
	char *names[5];
	int n = 0, missed;

	for (int i = 1; i < argc && n < 5; i++)
		if (strcmp(argv[i], "--quick") != 0)
			names[n++] = argv[i];
	if (n != 5) {
		fprintf(stderr, "usage: net_tap [--quick] SEND_DEV SEND_RAW "
				"SRC RX_DEV RX_RAW\n");
		return 2;
	}
	if (open_devices(&b, names) < 0)
		return 2;
	missed = measure(&b, 64);
	if (missed < 2)
		missed |= measure(&b, 1500);
	devmgr_ctx_free(b.ctx);
	return missed;
}
