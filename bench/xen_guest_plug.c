/* xen_guest_plug.c: in a real Xen guest (tests/xen-guest, bench
 * scenario), the latency of a disk hot-plug made by the real toolstack.
 * dom0 runs "xl block-attach" and, when it returns, writes data/bench/go-N
 * into the guest's home.  Three moments are taken in the guest, on its
 * clock:
 *   go:     a bare libxenstore client sees go-N,
 *   state4: the same client sees the frontend's state reach 4
 *           (Connected): what the kernel's blkfront has done,
 *   open:   the same client, from then on, opens /dev/VDEV (retrying
 *           while the node is not there): the least a plain client does
 *           before it can use the disk,
 *   plug:   the app's plug callback runs (devmgr's xenstore source, the
 *           plan, blk-file opening /dev/{vdev}, plug).
 * Both the devmgr side and the bare side are served by one poll loop,
 * the bare side first.  After each sample the program writes
 * data/bench/done-N; dom0 detaches the disk, and the unplug is waited for
 * before data/bench/ready-(N+1).
 *
 * Usage: xen_guest_plug DEVID VDEV SAMPLES
 * Prints one "sample" line per attach, then the medians. */
#define _GNU_SOURCE
#include "bench.h"

#include <devmgr/app.h>
#include <devmgr/sig/blk.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <xenstore.h>

struct bench_devs {
	devmgr_blk_set disks;
};

static const struct devmgr_slot bench_slots[] = {
	DEVMGR_SLOT_SET(struct bench_devs, disks, blk, DEVMGR_SLOT_HOTPLUG),
	{ NULL },
};

static double plugged_at;
static long plugs, unplugs;

static int bench_start(struct devmgr_ctx *ctx, void *record)
{
	(void)ctx, (void)record;
	return 0;
}

static int bench_plug(struct devmgr_ctx *ctx, void *record, const char *slot,
		      void *handle)
{
	(void)ctx, (void)record, (void)slot, (void)handle;
	plugged_at = bench_now();
	plugs++;
	return 0;
}

static void bench_unplug(struct devmgr_ctx *ctx, void *record, const char *slot,
			 void *handle)
{
	(void)ctx, (void)record, (void)slot, (void)handle;
	unplugs++;
}

static const struct devmgr_app bench_app = {
	.size = sizeof(struct devmgr_app),
	.name = "guestplug",
	.record_size = sizeof(struct bench_devs),
	.slots = bench_slots,
	.start = bench_start,
	.plug = bench_plug,
	.unplug = bench_unplug,
};
static const struct devmgr_app *const apps[] = { &bench_app, NULL };
DEVMGR_PLUGIN("guestplug", "0.1.0", NULL, apps);

static struct xs_handle *bare;
static char state_path[64], go_path[64], node[64];
static double go_at, state4_at, open_at;

static void die(const char *what)
{
	fprintf(stderr, "xen_guest_plug: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void put(const char *path, const char *value)
{
	if (!xs_write(bare, XBT_NULL, path, value, strlen(value)))
		die(path);
}

/* The bare client's events: the go key, the frontend's state. */
static void bare_events(void)
{
	char **v;
	while ((v = xs_check_watch(bare))) {
		const char *p = v[XS_WATCH_PATH];
		unsigned len;
		if (!go_at && strcmp(p, go_path) == 0) {
			char *s = xs_read(bare, XBT_NULL, go_path, &len);
			if (s)
				go_at = bench_now();
			free(s);
		} else if (!state4_at && strcmp(p, state_path) == 0) {
			char *s = xs_read(bare, XBT_NULL, state_path, &len);
			if (s && len == 1 && s[0] == '4')
				state4_at = bench_now();
			free(s);
		}
		free(v);
	}
}

/* Serve both sides until done() or 120 s pass. */
/* After state 4: the bare client opens the node once it is there. */
static void bare_open(void)
{
	if (!state4_at || open_at)
		return;
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		open_at = bench_now();
		close(fd);
	}
}

static void run_until(struct devmgr_ctx *ctx, int (*done)(void))
{
	double end = bench_now() + 120;
	while (bare_open(), !done()) {
		struct pollfd p[2] = { { xs_fileno(bare), POLLIN, 0 },
				       { devmgr_ctx_fd(ctx), POLLIN, 0 } };
		if (bench_now() > end) {
			fprintf(stderr, "xen_guest_plug: timed out\n");
			exit(2);
		}
		if (poll(p, 2, state4_at && !open_at ? 1 : 200) < 0 &&
		    errno != EINTR)
			die("poll");
		if (p[0].revents)
			bare_events();
		if (p[1].revents)
			devmgr_ctx_dispatch(ctx, 0);
	}
}

static long want;
static int sample_done(void)
{
	return go_at && state4_at && open_at && plugs >= want;
}
static int unplugged(void)
{
	return unplugs >= want;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return fprintf(stderr, "usage: %s DEVID VDEV SAMPLES\n",
			       argv[0]),
		       2;
	int n = atoi(argv[3]);
	snprintf(node, sizeof(node), "/dev/%s", argv[2]);
	if (n < 1 || n > 1000)
		return fprintf(stderr, "xen_guest_plug: bad SAMPLES\n"), 2;
	struct devmgr_error e;
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	bare = xs_open(0);
	if (!ctx || !bare)
		die("xs_open");
	if (devmgr_ctx_load_config_string(
		    ctx,
		    "{\"devmgr\":1,\"devices\":{},\"app\":{\"name\":"
		    "\"guestplug\"},"
		    "\"xenstore\":{\"map\":{\"vbd\":{\"provider\":\"blk-file\","
		    "\"path\":\"/dev/{vdev}\"}}}}",
		    "<bench>", &e) < 0 ||
	    devmgr_ctx_use_xenstore(ctx, &e) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &e) < 0 ||
	    devmgr_ctx_start_app(ctx, NULL, &e) < 0) {
		char line[1200];
		fprintf(stderr, "xen_guest_plug: %s\n",
			devmgr_error_format(&e, line, sizeof(line)));
		return 2;
	}
	/* Relative paths: under this domain's home. */
	snprintf(state_path, sizeof(state_path), "device/vbd/%s/state",
		 argv[1]);
	if (!xs_watch(bare, "device/vbd", "front") ||
	    !xs_watch(bare, "data/bench", "go"))
		die("xs_watch");
	double *plug = calloc((size_t)n, sizeof(*plug)),
	       *st4 = calloc((size_t)n, sizeof(*st4)),
	       *opn = calloc((size_t)n, sizeof(*opn)),
	       *over = calloc((size_t)n, sizeof(*over));
	if (!plug || !st4 || !opn || !over)
		die("memory");
	for (int i = 0; i < n; i++) {
		char k[64];
		snprintf(go_path, sizeof(go_path), "data/bench/go-%d", i);
		go_at = state4_at = open_at = 0;
		want = plugs + 1;
		snprintf(k, sizeof(k), "data/bench/ready-%d", i);
		put(k, "1");
		run_until(ctx, sample_done);
		plug[i] = (plugged_at - go_at) * 1e3;
		st4[i] = (state4_at - go_at) * 1e3;
		opn[i] = (open_at - go_at) * 1e3;
		over[i] = (plugged_at - open_at) * 1e3;
		printf("sample %d go_to_plug_ms=%.1f go_to_state4_ms=%.1f "
		       "go_to_open_ms=%.1f open_to_plug_ms=%.1f\n",
		       i, plug[i], st4[i], opn[i], over[i]);
		fflush(stdout);
		want = unplugs + 1;
		snprintf(k, sizeof(k), "data/bench/done-%d", i);
		put(k, "1");
		run_until(ctx, unplugged);
	}
	double mp = bench_median(plug, (size_t)n),
	       ms = bench_median(st4, (size_t)n),
	       mn = bench_median(opn, (size_t)n),
	       mo = bench_median(over, (size_t)n);
	printf("median over %d attaches: go_to_plug_ms=%.1f "
	       "go_to_state4_ms=%.1f go_to_open_ms=%.1f open_to_plug_ms=%.1f "
	       "ratio_state4=%.2f ratio_open=%.2f\n",
	       n, mp, ms, mn, mo, ms > 0 ? mp / ms : 0, mn > 0 ? mp / mn : 0);
	devmgr_ctx_free(ctx);
	xs_close(bare);
	free(plug);
	free(st4);
	free(opn);
	free(over);
	return 0;
}
