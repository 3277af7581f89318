/* xenpin: a test app whose one disk is required and not hot-pluggable, so
 * that losing it from xenstore must stop the app cleanly (tests/xen/
 * pinned.sh).  It prints "start ID" and "stop" on stdout. */
#include <devmgr/app.h>
#include <devmgr/sig/blk.h>

#include <stdio.h>

struct pin_devs {
	struct devmgr_blk *disk;
};

static const struct devmgr_slot pin_slots[] = {
	DEVMGR_SLOT(struct pin_devs, disk, blk, DEVMGR_SLOT_REQUIRED),
	{ NULL },
};

static int pin_start(struct devmgr_ctx *ctx, void *record)
{
	struct pin_devs *d = record;
	(void)ctx;
	printf("start %s\n", devmgr_device_id(d->disk->dev));
	fflush(stdout);
	return 0;
}

static void pin_stop(struct devmgr_ctx *ctx, void *record)
{
	(void)ctx, (void)record;
	printf("stop\n");
	fflush(stdout);
}

static const struct devmgr_app pin_app = {
	.size = sizeof(struct devmgr_app),
	.name = "xenpin",
	.record_size = sizeof(struct pin_devs),
	.slots = pin_slots,
	.start = pin_start,
	.stop = pin_stop,
};

static const struct devmgr_app *const apps[] = { &pin_app, NULL };
DEVMGR_PLUGIN("xenpin", "0.1.0", NULL, apps);
