/* switch: an L2 learning switch over any number of net devices (ports).
 *
 * It learns the source address of every frame with the port it came in
 * on, sends a unicast frame to the port its destination was learned on,
 * floods frames for unknown destinations and group (broadcast, multicast)
 * frames to every other port, and drops a frame whose destination sits on
 * the port it arrived from.  Frames to the IEEE 802.1D reserved group
 * 01:80:c2:00:00:00..0f are never forwarded.  Tagged frames (802.1Q,
 * QinQ) pass as they are, up to the ports' MTU plus their tags.  A port
 * that floods more than storm_limit frames in a second (a loop, most
 * likely) is blocked for storm_hold seconds.  Ports come and go while it
 * runs (a configuration reload, a vif hot-plugged through xenstore); a
 * port that goes is forgotten from the table at once.
 *
 * Counters per port go to the log console on SIGUSR1 (SIGUSR2 adds the
 * forwarding table) and when the switch stops.
 *
 * The same app is built as its own executable (main.c) and as the
 * "switch" plugin that "devmgr run switch" starts (plugin.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* CLOCK_MONOTONIC_COARSE */
#endif
#include "switch.h"

#include <devmgr/app.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static struct sw *state(struct devmgr_ctx *ctx)
{
	return devmgr_app_state(ctx);
}

/* Ageing needs milliseconds, not nanoseconds: the coarse clock is read
 * without a system call and costs little per frame. */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- forwarding --------------------------------------------------------- */

static void send_to(struct sw_port *out, const void *frame, size_t len)
{
	int r = devmgr_net_send(out->net, frame, len);

	if (r == 0) {
		out->c.tx_frames++;
		out->c.tx_bytes += len;
	} else if (r == -EAGAIN) {
		out->c.tx_dropped++; /* as a full link would */
	} else {
		out->c.tx_errors++; /* too big for this port's MTU, ... */
	}
}

/* 01:80:c2:00:00:00 to 0f, the IEEE 802.1D reserved group addresses
 * (STP, pause, LACP, EAPOL, LLDP...): they speak of one link, and a
 * bridge never forwards them. */
static bool is_reserved(const uint8_t *d)
{
	return d[0] == 0x01 && d[1] == 0x80 && d[2] == 0xc2 && d[3] == 0 &&
	       d[4] == 0 && (d[5] & 0xf0) == 0;
}

/* A blocked port is let go lazily, when a frame next comes in or would
 * go out of it: no timer runs. */
static bool port_blocked(struct sw_port *p, uint64_t now)
{
	if (!p->blocked_until)
		return false;
	if (now < p->blocked_until)
		return true;
	p->blocked_until = 0;
	p->win_start = now;
	p->win_floods = 0;
	if (p->sw->log)
		devmgr_console_printf(p->sw->log, "switch: port %s unblocked\n",
				      p->name);
	return false;
}

/* Counts one frame that in is about to flood, in one-second windows.
 * Past the limit, in is blocked: with two ports on one loop, every
 * flooded frame comes back, and blocking one of them ends the loop.
 * Its table entries go, so that its stations are flooded for (to the
 * ports that are not blocked) rather than sent into a blocked port. */
static bool storm(struct sw *sw, struct sw_port *in, uint64_t now)
{
	if (!sw->storm_limit)
		return false;
	if (now - in->win_start >= 1000) {
		in->win_start = now;
		in->win_floods = 0;
	}
	if (++in->win_floods <= sw->storm_limit)
		return false;
	in->blocked_until = now + sw->storm_hold;
	in->c.storms++;
	fdb_forget_port(&sw->fdb, in->id);
	if (sw->log)
		devmgr_console_printf(
			sw->log,
			"switch: port %s blocked for %llu s: more than %llu "
			"flooded frames in a second (a loop?)\n",
			in->name, (unsigned long long)(sw->storm_hold / 1000),
			(unsigned long long)sw->storm_limit);
	return true;
}

static void flood(struct sw *sw, const struct sw_port *in, const void *frame,
		  size_t len, uint64_t now)
{
	for (size_t i = 0; i < sw->nslots; i++) {
		struct sw_port *p = sw->ports[i];
		if (p && p != in && !port_blocked(p, now))
			send_to(p, frame, len);
	}
}

void sw_input(struct sw_port *in, const void *frame, size_t len)
{
	struct sw *sw = in->sw;
	const uint8_t *eth = frame;

	in->c.rx_frames++;
	in->c.rx_bytes += len;
	if (len < DEVMGR_NET_HDR_LEN) {
		in->c.invalid++;
		return;
	}
	uint64_t now = sw->clock();
	/* Before learning: on a loop, a blocked port's sources are the
	 * other ports' stations, and must not move there. */
	if (port_blocked(in, now)) {
		in->c.blocked++;
		return;
	}
	/* A group or all-zero source is no station's address: such a frame
	 * is malformed (as the Linux bridge holds it). */
	if (fdb_learn(&sw->fdb, eth + 6, in->id, now) == FDB_INVALID) {
		in->c.invalid++;
		return;
	}
	if (fdb_mac_is_group(eth)) {
		if (is_reserved(eth)) {
			in->c.reserved++;
			return;
		}
	} else {
		unsigned out = fdb_lookup(&sw->fdb, eth, now);
		if (out == in->id) {
			in->c.filtered++;
			return;
		}
		if (out != FDB_NO_PORT) {
			send_to(sw->ports[out], frame, len);
			return;
		}
	}
	if (storm(sw, in, now)) {
		in->c.blocked++;
		return;
	}
	in->c.flooded++;
	flood(sw, in, frame, len, now);
}

static void on_frame(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	(void)n;
	sw_input(arg, frame, len);
}

/* ---- reports on the console ------------------------------------------- */

/* Lines are gathered and written a block at a time: a table dump may have
 * a million lines, and a console write may be a system call. */
struct out {
	struct devmgr_console *con;
	size_t len;
	char buf[8192];
};

static void out_flush(struct out *o)
{
	if (o->len)
		devmgr_console_write(o->con, o->buf, o->len);
	o->len = 0;
}

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (o->len + (size_t)n > sizeof(o->buf))
		out_flush(o);
	memcpy(o->buf + o->len, line, (size_t)n);
	o->len += (size_t)n;
}

#define MAC_FMT	    "%02x:%02x:%02x:%02x:%02x:%02x"
#define MAC_ARGS(m) (m)[0], (m)[1], (m)[2], (m)[3], (m)[4], (m)[5]

static void print_port(struct out *o, const struct sw_port *p)
{
	const struct sw_counters *c = &p->c;

	out_printf(
		o,
		"switch: port %s rx_frames=%llu rx_bytes=%llu "
		"tx_frames=%llu tx_bytes=%llu flooded=%llu filtered=%llu "
		"invalid=%llu tx_dropped=%llu tx_errors=%llu reserved=%llu "
		"blocked=%llu storms=%llu%s\n",
		p->name, (unsigned long long)c->rx_frames,
		(unsigned long long)c->rx_bytes,
		(unsigned long long)c->tx_frames,
		(unsigned long long)c->tx_bytes, (unsigned long long)c->flooded,
		(unsigned long long)c->filtered, (unsigned long long)c->invalid,
		(unsigned long long)c->tx_dropped,
		(unsigned long long)c->tx_errors,
		(unsigned long long)c->reserved, (unsigned long long)c->blocked,
		(unsigned long long)c->storms,
		p->blocked_until ? " (blocked)" : "");
}

struct dump {
	struct out *o;
	struct sw *sw;
	uint64_t now;
};

static void print_entry(void *arg, const struct fdb_entry *e)
{
	struct dump *d = arg;
	struct sw_port *p = d->sw->ports[e->port];

	out_printf(d->o, "switch: fdb " MAC_FMT " port %s age_ms=%llu\n",
		   MAC_ARGS(e->mac), p ? p->name : "?",
		   (unsigned long long)(d->now - e->seen));
}

void sw_report(struct sw *sw, bool table)
{
	struct out *o = malloc(sizeof(*o));
	uint64_t now = sw->clock();

	if (!o || !sw->log)
		goto out;
	o->con = sw->log;
	o->len = 0;
	fdb_expire(&sw->fdb, now);
	out_printf(o,
		   "switch: counters ports=%zu entries=%zu capacity=%zu "
		   "learned=%llu moved=%llu expired=%llu full=%llu\n",
		   sw->nports, sw->fdb.count, sw->fdb.capacity,
		   (unsigned long long)sw->fdb.learned,
		   (unsigned long long)sw->fdb.moved,
		   (unsigned long long)sw->fdb.expired,
		   (unsigned long long)sw->fdb.full_misses);
	for (size_t i = 0; i < sw->nslots; i++)
		if (sw->ports[i])
			print_port(o, sw->ports[i]);
	if (table) {
		struct dump d = { o, sw, now };
		fdb_foreach(&sw->fdb, print_entry, &d);
	}
	out_printf(o, "switch: end of report\n");
	out_flush(o);
out:
	free(o);
}

/* ---- ports -------------------------------------------------------------- */

static int grow_slots(struct sw *sw)
{
	size_t n = sw->nslots ? 2 * sw->nslots : 8;

	if (n > FDB_MAX_PORTS)
		n = FDB_MAX_PORTS;
	if (n <= sw->nslots)
		return -ENOSPC;
	struct sw_port **p = realloc(sw->ports, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + sw->nslots, 0, (n - sw->nslots) * sizeof(*p));
	sw->ports = p;
	sw->nslots = n;
	return 0;
}

static const char *net_name(struct devmgr_net *n)
{
	const char *id = n->dev ? devmgr_device_id(n->dev) : NULL;

	return id ? id : "?";
}

int sw_port_add(struct sw *sw, struct devmgr_net *n)
{
	struct devmgr_net_info info;
	size_t id = 0;
	int r = devmgr_net_info(n, &info);

	if (r < 0)
		return r;
	while (id < sw->nslots && sw->ports[id])
		id++;
	if (id == sw->nslots && (r = grow_slots(sw)) < 0)
		return r;
	struct sw_port *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sw = sw;
	p->net = n;
	p->id = (unsigned)id;
	snprintf(p->name, sizeof(p->name), "%s", net_name(n));
	memcpy(p->mac, info.mac, 6);
	p->mtu = info.mtu;
	r = devmgr_net_set_rx(n, on_frame, p);
	if (r < 0) {
		free(p);
		return r;
	}
	sw->ports[id] = p;
	sw->nports++;
	if (sw->log)
		devmgr_console_printf(sw->log,
				      "switch: port %s joined (mac " MAC_FMT
				      ", mtu %u)\n",
				      p->name, MAC_ARGS(p->mac), p->mtu);
	return 0;
}

static struct sw_port *port_of(struct sw *sw, struct devmgr_net *n)
{
	for (size_t i = 0; i < sw->nslots; i++)
		if (sw->ports[i] && sw->ports[i]->net == n)
			return sw->ports[i];
	return NULL;
}

void sw_port_remove(struct sw *sw, struct devmgr_net *n)
{
	struct sw_port *p = port_of(sw, n);

	if (!p)
		return;
	devmgr_net_set_rx(n, NULL, NULL);
	size_t forgotten = fdb_forget_port(&sw->fdb, p->id);
	sw->ports[p->id] = NULL;
	sw->nports--;
	if (sw->log && !sw->stopping) {
		struct out o = { .con = sw->log };
		print_port(&o, p);
		out_printf(
			&o,
			"switch: port %s left (%zu table entries forgotten)\n",
			p->name, forgotten);
		out_flush(&o);
	}
	free(p);
}

/* ---- signals ------------------------------------------------------------ */

static void on_signal(void *arg, int fd, unsigned events)
{
	struct sw *sw = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si))
		sw_report(sw, si.ssi_signo == SIGUSR2);
}

/* SIGUSR1/SIGUSR2 are blocked on the loop thread and read from a
 * signalfd that the devmgr loop watches, so a report is printed between
 * two frames, never inside one. */
static int signals_on(struct devmgr_ctx *ctx, struct sw *sw)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	int r = pthread_sigmask(SIG_BLOCK, &set, &sw->oldmask);
	if (r)
		return -r;
	sw->masked = true;
	sw->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sw->sigfd < 0)
		return -errno;
	sw->sigwatch =
		devmgr_watch_fd(ctx, sw->sigfd, DEVMGR_EV_READ, on_signal, sw);
	if (!sw->sigwatch)
		return -errno;
	return 0;
}

static void signals_off(struct sw *sw)
{
	devmgr_watch_cancel(sw->sigwatch);
	sw->sigwatch = NULL;
	if (sw->sigfd >= 0)
		close(sw->sigfd);
	sw->sigfd = -1;
	if (sw->masked)
		pthread_sigmask(SIG_SETMASK, &sw->oldmask, NULL);
	sw->masked = false;
}

/* ---- the app ------------------------------------------------------------ */

int sw_init(struct sw *sw, struct devmgr_console *log, size_t table_size,
	    uint64_t ageing_ms)
{
	uint64_t seed;

	memset(sw, 0, sizeof(*sw));
	sw->sigfd = -1;
	sw->log = log;
	sw->clock = now_ms;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)now_ms() * 0x9e3779b97f4a7c15ULL;
	return fdb_init(&sw->fdb, table_size, ageing_ms, seed);
}

void sw_fini(struct sw *sw)
{
	sw->stopping = true;
	for (size_t i = 0; i < sw->nslots; i++)
		if (sw->ports[i])
			sw_port_remove(sw, sw->ports[i]->net);
	free(sw->ports);
	sw->ports = NULL;
	sw->nslots = 0;
	fdb_fini(&sw->fdb);
}

static void stop_all(struct sw *sw)
{
	signals_off(sw);
	sw_fini(sw);
}

static int switch_start(struct devmgr_ctx *ctx, void *record)
{
	struct switch_devs *d = record;
	struct sw *sw = state(ctx);
	int64_t size = devmgr_arg_int(ctx, "table_size");
	int64_t ageing = devmgr_arg_int(ctx, "ageing");
	int64_t limit = devmgr_arg_int(ctx, "storm_limit");
	int64_t hold = devmgr_arg_int(ctx, "storm_hold");
	int r = sw_init(sw, d->log, (size_t)size, (uint64_t)ageing * 1000);

	if (r < 0) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR,
			   "switch: table of %lld entries: %s", (long long)size,
			   strerror(-r));
		return r;
	}
	sw->storm_limit = (uint64_t)limit;
	sw->storm_hold = (uint64_t)hold * 1000;
	r = signals_on(ctx, sw);
	if (r < 0) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "switch: signals: %s",
			   strerror(-r));
		stop_all(sw);
		return r;
	}
	for (size_t i = 0; i < d->ports.count; i++) {
		r = sw_port_add(sw, d->ports.items[i]);
		if (r < 0) {
			devmgr_log(ctx, DEVMGR_LOG_ERROR, "switch: port %s: %s",
				   net_name(d->ports.items[i]), strerror(-r));
			stop_all(sw);
			return r;
		}
	}
	devmgr_console_printf(
		d->log,
		"switch: started, %zu ports, table_size=%zu "
		"ageing=%llds storm_limit=%lld/s storm_hold=%llds, "
		"SIGUSR1 prints counters, SIGUSR2 counters and "
		"table\n",
		sw->nports, sw->fdb.capacity, (long long)ageing,
		(long long)limit, (long long)hold);
	return 0;
}

static void switch_stop(struct devmgr_ctx *ctx, void *record)
{
	struct sw *sw = state(ctx);

	(void)record;
	sw_report(sw, false);
	stop_all(sw);
	devmgr_console_printf(sw->log, "switch: stopped\n");
}

static int switch_plug(struct devmgr_ctx *ctx, void *record, const char *slot,
		       void *handle)
{
	struct sw *sw = state(ctx);

	(void)record;
	if (!DEVMGR_SLOT_IS(struct switch_devs, ports, slot))
		return -EINVAL;
	int r = sw_port_add(sw, handle);
	if (r < 0)
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "switch: port %s: %s",
			   net_name(handle), strerror(-r));
	return r;
}

static void switch_unplug(struct devmgr_ctx *ctx, void *record,
			  const char *slot, void *handle)
{
	(void)record;
	if (DEVMGR_SLOT_IS(struct switch_devs, ports, slot))
		sw_port_remove(state(ctx), handle);
}

static const struct devmgr_slot switch_slots[] = {
	DEVMGR_SLOT_SET(struct switch_devs, ports, net, DEVMGR_SLOT_HOTPLUG),
	DEVMGR_SLOT(struct switch_devs, log, console, DEVMGR_SLOT_REQUIRED),
	{ NULL },
};

static const struct devmgr_param switch_args[] = {
	{ "table_size", DEVMGR_PARAM_INT, 0, "4096",
	  "most addresses the forwarding table holds", 1, FDB_MAX_ENTRIES },
	{ "ageing", DEVMGR_PARAM_INT, 0, "300",
	  "seconds an address stays learned without traffic (0: forever)", 0,
	  1000000 },
	{ "storm_limit", DEVMGR_PARAM_INT, 0, "5000",
	  "flooded (broadcast, multicast, unknown unicast) frames a second "
	  "that one port may bring in before it is blocked (0: no limit)",
	  0, 100000000 },
	{ "storm_hold", DEVMGR_PARAM_INT, 0, "10",
	  "seconds a port that went past storm_limit stays blocked", 1, 86400 },
	{ NULL },
};

const struct devmgr_app switch_app = {
	.size = sizeof(struct devmgr_app),
	.name = "switch",
	.help = "L2 learning switch over hot-pluggable net ports (SIGUSR1: "
		"counters on the log console; SIGUSR2: counters and table)",
	.record_size = sizeof(struct switch_devs),
	.slots = switch_slots,
	.args = switch_args,
	.state_size = sizeof(struct sw),
	.default_config = "{\"devmgr\": 1,"
			  " \"devices\": {"
			  "  \"log\": {\"provider\": \"console-stdio\"}},"
			  " \"app\": {\"name\": \"switch\"}}",
	.start = switch_start,
	.stop = switch_stop,
	.plug = switch_plug,
	.unplug = switch_unplug,
};
