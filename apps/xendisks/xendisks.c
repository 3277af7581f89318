/* xendisks: an app with one hot-pluggable set of disks.  It reports every
 * disk it holds, one line each on stdout, as it starts and as disks arrive
 * and leave:
 *
 *   disk vbd-51712 sectors=2048 sector_size=512 read_only=false
 *   plug vbd-51728 sectors=4096 sector_size=512 read_only=true
 *   unplug vbd-51712
 *
 * and, with the "check" argument, reads the first sector of each disk as
 * it arrives (a disk that cannot be read is refused).  With "read_ms" it
 * keeps reading every disk it holds (64 KiB a disk every read_ms ms, on
 * the loop thread), so that a detach meets I/O in flight: a failed read
 * is printed ("read-error ID: ..."), and stop prints "reads=N errors=N".  It
 * runs on any blk devices; with xenstore (always on in its executable) the Xen
 * toolstack attaching and detaching vbds drives it. */
#include <devmgr/app.h>
#include <devmgr/sig/blk.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct xendisks_devs {
	devmgr_blk_set disks;
};

static const struct devmgr_slot xendisks_slots[] = {
	DEVMGR_SLOT_SET(struct xendisks_devs, disks, blk, DEVMGR_SLOT_HOTPLUG),
	{ NULL },
};

static const struct devmgr_param xendisks_args[] = {
	{ "check", DEVMGR_PARAM_BOOL, 0, "false",
	  "read the first sector of each disk as it arrives", 0, 0 },
	{ "read_ms", DEVMGR_PARAM_INT, 0, "0",
	  "keep reading every disk, 64 KiB each this often (0: do not)", 0,
	  60000 },
	{ NULL },
};

/* The reader's state (the app's state, owned by the core). */
struct xendisks_state {
	struct xendisks_devs *devs;
	struct devmgr_watch *tick;
	int tfd;
	unsigned long long reads, errors, round;
	char *buf;
};

#define READ_SIZE 65536

static void read_tick(void *arg, int fd, unsigned events)
{
	struct devmgr_ctx *ctx = arg;
	struct xendisks_state *st = devmgr_app_state(ctx);
	uint64_t n;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0)
		return;
	st->round++;
	for (size_t i = 0; i < st->devs->disks.count; i++) {
		struct devmgr_blk *b = st->devs->disks.items[i];
		struct devmgr_blk_info info;
		if (devmgr_blk_info(b, &info) < 0 || !info.sectors)
			continue;
		uint64_t per = READ_SIZE / info.sector_size;
		uint64_t count = per < info.sectors ? per : info.sectors;
		uint64_t at = (st->round * count) % (info.sectors - count + 1);
		int r = devmgr_blk_read(b, at, st->buf,
					count * info.sector_size);
		st->reads++;
		if (r < 0) {
			st->errors++;
			printf("read-error %s: %s\n", devmgr_device_id(b->dev),
			       strerror(-r));
			fflush(stdout);
		}
	}
}

static int start_reader(struct devmgr_ctx *ctx, struct xendisks_devs *d)
{
	struct xendisks_state *st = devmgr_app_state(ctx);
	int64_t ms = devmgr_arg_int(ctx, "read_ms");
	st->devs = d;
	st->tfd = -1;
	if (ms <= 0)
		return 0;
	struct itimerspec its = { { ms / 1000, (ms % 1000) * 1000000L },
				  { ms / 1000, (ms % 1000) * 1000000L } };
	st->buf = malloc(READ_SIZE);
	st->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (!st->buf || st->tfd < 0 ||
	    timerfd_settime(st->tfd, 0, &its, NULL) < 0 ||
	    !(st->tick = devmgr_watch_fd(ctx, st->tfd, DEVMGR_EV_READ,
					 read_tick, ctx)))
		return -errno ? -errno : -ENOMEM;
	return 0;
}

static int report(struct devmgr_ctx *ctx, const char *what,
		  struct devmgr_blk *b)
{
	struct devmgr_blk_info info;
	int r = devmgr_blk_info(b, &info);
	if (r < 0)
		return r;
	if (devmgr_arg_bool(ctx, "check")) {
		char *buf = malloc(info.sector_size);
		r = buf ? devmgr_blk_read(b, 0, buf, info.sector_size)
			: -ENOMEM;
		free(buf);
		if (r < 0)
			return r;
	}
	printf("%s %s sectors=%llu sector_size=%u read_only=%s\n", what,
	       devmgr_device_id(b->dev), (unsigned long long)info.sectors,
	       info.sector_size, info.read_only ? "true" : "false");
	fflush(stdout);
	return 0;
}

static int xendisks_start(struct devmgr_ctx *ctx, void *record)
{
	struct xendisks_devs *d = record;
	int r = start_reader(ctx, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d->disks.count; i++)
		report(ctx, "disk", d->disks.items[i]);
	printf("started %zu\n", d->disks.count);
	fflush(stdout);
	return 0;
}

static void xendisks_stop(struct devmgr_ctx *ctx, void *record)
{
	struct xendisks_state *st = devmgr_app_state(ctx);
	(void)record;
	if (st->tfd < 0)
		return;
	devmgr_watch_cancel(st->tick);
	close(st->tfd);
	free(st->buf);
	printf("reads=%llu errors=%llu\n", st->reads, st->errors);
	fflush(stdout);
}

static int xendisks_plug(struct devmgr_ctx *ctx, void *record, const char *slot,
			 void *handle)
{
	(void)record;
	(void)slot;
	return report(ctx, "plug", handle);
}

static void xendisks_unplug(struct devmgr_ctx *ctx, void *record,
			    const char *slot, void *handle)
{
	struct devmgr_blk *b = handle;
	(void)ctx;
	(void)record;
	(void)slot;
	printf("unplug %s\n", devmgr_device_id(b->dev));
	fflush(stdout);
}

const struct devmgr_app xendisks_app = {
	.size = sizeof(struct devmgr_app),
	.name = "xendisks",
	.help = "report hot-plugged disks as they come and go",
	.record_size = sizeof(struct xendisks_devs),
	.slots = xendisks_slots,
	.args = xendisks_args,
	.state_size = sizeof(struct xendisks_state),
	.start = xendisks_start,
	.stop = xendisks_stop,
	.plug = xendisks_plug,
	.unplug = xendisks_unplug,
};
