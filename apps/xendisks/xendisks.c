/* xendisks: an app with one hot-pluggable set of disks.  It reports every
 * disk it holds, one line each on stdout, as it starts and as disks arrive
 * and leave:
 *
 *   disk vbd-51712 sectors=2048 sector_size=512 read_only=false
 *   plug vbd-51728 sectors=4096 sector_size=512 read_only=true
 *   unplug vbd-51712
 *
 * and, with the "check" argument, reads the first sector of each disk as
 * it arrives (a disk that cannot be read is refused).  It runs on any blk
 * devices; with xenstore (always on in its executable) the Xen toolstack
 * attaching and detaching vbds drives it. */
#include <devmgr/app.h>
#include <devmgr/sig/blk.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xendisks_devs {
	devmgr_blk_set disks;
};

static const struct devmgr_slot xendisks_slots[] = {
    DEVMGR_SLOT_SET(struct xendisks_devs, disks, blk, DEVMGR_SLOT_HOTPLUG),
    {NULL},
};

static const struct devmgr_param xendisks_args[] = {
    {"check", DEVMGR_PARAM_BOOL, 0, "false",
     "read the first sector of each disk as it arrives", 0, 0},
    {NULL},
};

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
	for (size_t i = 0; i < d->disks.count; i++)
		report(ctx, "disk", d->disks.items[i]);
	printf("started %zu\n", d->disks.count);
	fflush(stdout);
	return 0;
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
    .start = xendisks_start,
    .plug = xendisks_plug,
    .unplug = xendisks_unplug,
};
