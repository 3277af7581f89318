/* switch_engine: the switch's own cost per frame, without any I/O: frames
 * from 4096 stations behind port 0 to 4096 stations behind port 1 (all
 * learned, so each frame is one table refresh, one lookup and one send)
 * through sw_input(), the sends going to a net handle that only counts.
 * "switch_engine [--quick]" (2^20 frames instead of 2^24).  Prints
 * "switch engine: N ns per frame ... INFO": what the app adds to
 * the two system calls (read, write) that forwarding a tap frame costs. */
#include "../apps/switch/switch.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define STATIONS 4096

static unsigned long long sent;

static int sink_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	(void)n;
	memset(out, 0, sizeof(*out));
	out->mac[0] = 2;
	out->mtu = 1500;
	return 0;
}

static int sink_sendv(struct devmgr_net *n, const struct iovec *iov, int cnt)
{
	(void)n, (void)iov, (void)cnt;
	sent++;
	return 0;
}

static devmgr_net_rx_fn rx_fn[2];
static void *rx_arg[2];

static int sink_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn, void *arg)
{
	int i = n->priv != NULL;

	rx_fn[i] = fn;
	rx_arg[i] = arg;
	return 0;
}

static const struct devmgr_net_ops sink_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = sink_info,
	.sendv = sink_sendv,
	.set_rx = sink_set_rx,
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void station(uint8_t *mac, unsigned side, unsigned i)
{
	mac[0] = 0x02;
	mac[1] = (uint8_t)side;
	mac[2] = 0;
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

int main(int argc, char **argv)
{
	unsigned count = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 1u << 20
								     : 1u << 24;
	static uint8_t frames[STATIONS][60];
	struct devmgr_net ports[2] = { { .ops = &sink_ops, .priv = NULL },
				       { .ops = &sink_ops, .priv = &sent } };
	struct sw sw;

	if (sw_init(&sw, NULL, 2 * STATIONS, 300000) < 0 ||
	    sw_port_add(&sw, &ports[0]) < 0 ||
	    sw_port_add(&sw, &ports[1]) < 0) {
		fprintf(stderr, "switch_engine: setup failed\n");
		return 2;
	}
	for (unsigned i = 0; i < STATIONS; i++) {
		uint8_t f[60] = { 0 };
		station(f, 1, i);
		station(f + 6, 0, i);
		rx_fn[1](rx_arg[1], &ports[1],
			 (uint8_t[60]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0x02, 1, 0, (uint8_t)(i >> 16),
					(uint8_t)(i >> 8), (uint8_t)i },
			 60);
		memcpy(frames[i], f, sizeof(f));
	}
	for (unsigned i = 0; i < STATIONS; i++)
		rx_fn[0](rx_arg[0], &ports[0], frames[i], 60);
	sent = 0;
	double t0 = now_s();
	for (unsigned i = 0; i < count; i++)
		rx_fn[0](rx_arg[0], &ports[0],
			 frames[(i * 2654435761u) % STATIONS], 60);
	double t = now_s() - t0;
	if (sent != count) {
		fprintf(stderr, "switch_engine: %llu of %u frames forwarded\n",
			sent, count);
		return 2;
	}
	printf("switch engine: %.1f ns per frame (%u frames, %u stations a "
	       "side, learned unicast) INFO\n",
	       t * 1e9 / count, count, STATIONS);
	sw_fini(&sw);
	return 0;
}
