/* libFuzzer target: the switch's forwarding engine (apps/switch/switch.c
 * and fdb.c) driven by a byte program: ports come and go, time moves,
 * frames with chosen or raw addresses come in.  Ports are net handles
 * whose sendv records where each frame went.  After every step it checks
 * what must hold whatever the input:
 *   - a frame never goes back out of the port it came in on;
 *   - a group destination goes to every other port once, a unicast one
 *     to at most one port, or to every other port (flooded);
 *   - the table holds at most its bound, and only live ports' entries;
 *   - each frame is counted once on its port, as exactly one of
 *     forwarded, flooded, filtered, invalid or reserved (a frame to
 *     01:80:c2:00:00:00..0f from a valid source: never sent anywhere).
 * run_corpus replays tests/fuzz/corpus/switch in make check. */
#include "../../apps/switch/switch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PORTS 6
#define TABLE	  8

struct fake {
	struct devmgr_net net;
	bool in_use, busy;
	uint32_t mtu;
	devmgr_net_rx_fn rx;
	void *rx_arg;
	unsigned sent; /* during the current frame */
};

static struct fake fakes[MAX_PORTS];
static uint64_t clock_ms;
static struct fake *current_in;
static unsigned sends;

static uint64_t fake_clock(void)
{
	return clock_ms;
}

static int fake_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	struct fake *f = (struct fake *)n;

	memset(out, 0, sizeof(*out));
	out->mac[0] = 0x02;
	out->mac[5] = (uint8_t)(f - fakes);
	out->mtu = f->mtu;
	out->link_up = true;
	return 0;
}

static int fake_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	struct fake *f = (struct fake *)n;
	size_t len = 0;

	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (f == current_in || !f->in_use)
		abort(); /* back to its own port, or to a port that left */
	f->sent++;
	sends++;
	if (len < DEVMGR_NET_MIN_FRAME || len > f->mtu + DEVMGR_NET_HDR_LEN)
		return -EMSGSIZE;
	return f->busy ? -EAGAIN : 0;
}

static int fake_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn, void *arg)
{
	struct fake *f = (struct fake *)n;

	f->rx = fn;
	f->rx_arg = arg;
	return 0;
}

static const struct devmgr_net_ops fake_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = fake_info,
	.sendv = fake_sendv,
	.set_rx = fake_set_rx,
};

/* A small address alphabet, so that addresses repeat and get learned. */
static void mac_from(uint8_t mac[6], uint8_t v)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	if (v & 0x80)
		memcpy(mac, bcast, 6);
	else if (v & 0x40)
		memcpy(mac, mcast, 6);
	else
		memcpy(mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, v & 0x1f }, 6);
}

static size_t live_ports(void)
{
	size_t n = 0;

	for (int i = 0; i < MAX_PORTS; i++)
		n += fakes[i].in_use;
	return n;
}

static bool valid_source(const uint8_t *frame)
{
	static const uint8_t zero[6];

	return !(frame[6] & 1) && memcmp(frame + 6, zero, 6) != 0;
}

/* One frame in; then what happened must be one of the four outcomes,
 * counted once on the port it came in on. */
static void frame_in(struct fake *in, const uint8_t *frame, size_t len)
{
	struct sw_port *p = in->rx_arg;
	struct sw_counters before = p->c;
	size_t others = live_ports() - 1;

	for (int i = 0; i < MAX_PORTS; i++)
		fakes[i].sent = 0;
	sends = 0;
	current_in = in;
	in->rx(in->rx_arg, &in->net, frame, len);
	current_in = NULL;
	for (int i = 0; i < MAX_PORTS; i++)
		if (fakes[i].sent > 1)
			abort();
	if (p->c.rx_frames != before.rx_frames + 1)
		abort();
	unsigned outcomes = (unsigned)(p->c.flooded - before.flooded) +
			    (unsigned)(p->c.filtered - before.filtered) +
			    (unsigned)(p->c.invalid - before.invalid) +
			    (unsigned)(p->c.reserved - before.reserved) +
			    (unsigned)(p->c.blocked - before.blocked);
	if (len < DEVMGR_NET_HDR_LEN || !valid_source(frame)) {
		if (p->c.invalid != before.invalid + 1 || sends != 0)
			abort();
		return;
	}
	if (frame[0] == 0x01 && frame[1] == 0x80 && frame[2] == 0xc2 &&
	    frame[3] == 0 && frame[4] == 0 && frame[5] < 0x10) {
		if (p->c.reserved != before.reserved + 1 || outcomes != 1 ||
		    sends != 0)
			abort();
		return;
	}
	if (p->c.flooded != before.flooded) {
		if (outcomes != 1 || sends != others)
			abort();
	} else if (p->c.filtered != before.filtered) {
		if (outcomes != 1 || sends != 0 || (frame[0] & 1))
			abort();
	} else if (outcomes != 0 || sends != 1 || (frame[0] & 1)) {
		abort(); /* forwarded to the one learned port */
	}
}

static void check_entry(void *arg, const struct fdb_entry *e)
{
	struct sw *sw = arg;

	if (e->port >= sw->nslots || !sw->ports[e->port])
		abort(); /* an entry of a port that left */
}

static void check(struct sw *sw)
{
	if (sw->fdb.count > TABLE || sw->nports != live_ports())
		abort();
	fdb_foreach(&sw->fdb, check_entry, sw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw sw;
	size_t i = 0;

	memset(fakes, 0, sizeof(fakes));
	clock_ms = 1;
	if (sw_init(&sw, NULL, TABLE, 1000) < 0)
		return 0;
	sw.clock = fake_clock;
	while (i < size) {
		uint8_t op = data[i++];
		uint8_t a = i < size ? data[i] : 0;
		struct fake *f = &fakes[a % MAX_PORTS];
		switch (op % 5) {
		case 0: /* port a joins; bit 3 makes it busy, bit 4 small */
			i++;
			if (f->in_use)
				break;
			f->net.ops = &fake_ops;
			f->busy = a & 8;
			f->mtu = a & 16 ? 100 : 1500;
			if (sw_port_add(&sw, &f->net) == 0)
				f->in_use = true;
			break;
		case 1: /* port a leaves */
			i++;
			if (!f->in_use)
				break;
			sw_port_remove(&sw, &f->net);
			if (f->rx)
				abort(); /* its receiver must be cleared */
			f->in_use = false;
			break;
		case 2: /* time moves on by a * 50 ms */
			i++;
			clock_ms += (uint64_t)a * 50;
			break;
		case 3: { /* frame on port a: destination, source, length */
			uint8_t frame[256];
			if (size - i < 4)
				return sw_fini(&sw), 0;
			size_t len = data[i + 3];
			memset(frame, 0xab, sizeof(frame));
			mac_from(frame, data[i + 1]);
			mac_from(frame + 6, data[i + 2]);
			i += 4;
			if (!f->in_use)
				break;
			frame_in(f, frame, len);
			break;
		}
		default: { /* raw frame on port a: length, bytes */
			if (size - i < 2)
				return sw_fini(&sw), 0;
			size_t len = data[i + 1];
			i += 2;
			if (len > size - i)
				len = size - i;
			if (f->in_use)
				frame_in(f, data + i, len);
			i += len;
			break;
		}
		}
		check(&sw);
	}
	sw_fini(&sw);
	for (int k = 0; k < MAX_PORTS; k++)
		if (fakes[k].in_use && fakes[k].rx)
			abort(); /* sw_fini releases every port */
	return 0;
}
