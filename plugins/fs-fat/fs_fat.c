/* fs-fat: the provider.  A FAT12, FAT16 or FAT32 filesystem stacked on one
 * blk device ("on"), mounted when the device is created and cleanly
 * unmounted (FAT and FSInfo written, dirty bit cleared, device flushed)
 * when it is destroyed. */
#include "fat.h"

#include <errno.h>
#include <string.h>

static const struct devmgr_param fat_params[] = {
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "false",
	  "mount read-only: the write ops are absent and opening to write "
	  "gives EROFS (also forced by a read-only blk device)",
	  0, 0 },
	{ "utc_offset", DEVMGR_PARAM_INT, 0, "0",
	  "minutes east of UTC of the local time that the volume's times are "
	  "in (FAT has no zone; 540 for a volume written in Tokyo)",
	  -720, 840 },
	{ NULL },
};

static int fat_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct fat_vol *v = devmgr_device_priv(dev);
	struct devmgr_device *below = devmgr_device_dep(dev, 0);
	struct devmgr_blk *blk = below ? devmgr_device_handle(below) : NULL;
	int rc;

	v->dev = dev;
	v->ctx = devmgr_device_ctx(dev);
	v->id = devmgr_device_id(dev);
	if (blk == NULL)
		return devmgr_error_set(err, -ENODEV,
					"needs one blk device (\"on\")");
	v->utc_offset = (int32_t)devmgr_param_int(dev, "utc_offset") * 60;
	rc = fat_mount(v, blk, devmgr_param_bool(dev, "read_only"), err);
	if (rc == 0) {
		rc = fat_dir_load_label(v);
		if (rc < 0)
			devmgr_error_set(err, rc,
					 "the root folder cannot be read: %s",
					 v->last_error[0] ? v->last_error
							  : strerror(-rc));
	}
	if (rc == 0) {
		rc = devmgr_device_set_handle_ops(dev, v->read_only
							       ? &fat_ops_ro
							       : &fat_ops_rw);
		if (rc < 0)
			devmgr_error_set(err, rc, "the ops table was refused");
	}
	if (rc < 0) {
		fat_unmount(v);
		return rc;
	}
	fat_log(v, DEVMGR_LOG_DEBUG,
		"FAT%d, %u clusters of %u bytes, %u free%s", v->type,
		v->nclusters, v->cs, v->free_count,
		v->read_only ? ", read-only" : "");
	return 0;
}

static void fat_destroy(struct devmgr_device *dev)
{
	fat_unmount(devmgr_device_priv(dev));
}

static const struct devmgr_provider fat_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "fs-fat",
	.help = "FAT12/16/32 filesystem on a blk device, long names included",
	.sig = "fs",
	.sig_major = DEVMGR_FS_MAJOR,
	.sig_minor = DEVMGR_FS_MINOR,
	.ops = &fat_ops_rw,
	.params = fat_params,
	.on_sig = "blk",
	.on_min = 1,
	.on_max = 1,
	.priv_size = sizeof(struct fat_vol),
	.create = fat_create,
	.destroy = fat_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&fat_provider,
	NULL,
};

DEVMGR_PLUGIN("fs-fat", "0.1.0", providers, NULL);
