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
	{ "mkfs", DEVMGR_PARAM_BOOL, 0, "false",
	  "make a new, empty filesystem on the device before mounting it "
	  "(everything on it is lost; devmgr-fat mkfs sets this)",
	  0, 0 },
	{ "mkfs_fat", DEVMGR_PARAM_INT, 0, "0",
	  "mkfs: the FAT type, 12, 16 or 32; 0 chooses by size as mkfs.fat "
	  "does",
	  0, 32 },
	{ "mkfs_sector_size", DEVMGR_PARAM_INT, 0, "0",
	  "mkfs: bytes per sector, 512 to 4096; 0: 512, or the device's "
	  "sector size when larger",
	  0, 4096 },
	{ "mkfs_cluster_sectors", DEVMGR_PARAM_INT, 0, "0",
	  "mkfs: sectors per cluster, a power of two from 1 to 128; 0: by "
	  "size as mkfs.fat",
	  0, 128 },
	{ "mkfs_label", DEVMGR_PARAM_STRING, 0, NULL,
	  "mkfs: the volume label, up to 11 characters (upper-cased); none "
	  "by default",
	  0, 0 },
	{ "mkfs_volume_id", DEVMGR_PARAM_INT, 0, NULL,
	  "mkfs: the volume serial number, 0 to 4294967295; by default one "
	  "from the clock",
	  0, 0xFFFFFFFFll },
	{ NULL },
};

/* A label as DOS keeps it: upper case, printable ASCII, none of the
 * characters that names cannot hold. */
static int mkfs_label(const char *s, char out[12], struct devmgr_error *err)
{
	size_t n = strlen(s);

	if (n > 11)
		return devmgr_error_set(err, -EINVAL,
					"mkfs_label \"%s\" is longer than 11 "
					"characters",
					s);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7E || strchr("\"*+,./:;<=>?[\\]|", c))
			return devmgr_error_set(
				err, -EINVAL,
				"mkfs_label \"%s\": '%c' cannot "
				"be in a label (printable "
				"ASCII but \"*+,./:;<=>?[\\]|)",
				s, c >= 0x20 && c <= 0x7E ? c : '?');
		out[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	out[n] = '\0';
	if (n > 0 && out[0] == ' ')
		return devmgr_error_set(err, -EINVAL,
					"mkfs_label \"%s\" starts with a space",
					s);
	return 0;
}

static int make_fs(struct fat_vol *v, struct devmgr_device *dev,
		   struct devmgr_blk *blk, struct devmgr_error *err)
{
	struct fat_mkfs_opts o = {
		.type = (int)devmgr_param_int(dev, "mkfs_fat"),
		.sector_size =
			(uint32_t)devmgr_param_int(dev, "mkfs_sector_size"),
		.spc = (uint32_t)devmgr_param_int(dev, "mkfs_cluster_sectors"),
	};
	struct fat_geom g;
	int rc;

	if (devmgr_param_present(dev, "mkfs_label")) {
		rc = mkfs_label(devmgr_param_str(dev, "mkfs_label"), o.label,
				err);
		if (rc < 0)
			return rc;
	}
	if (devmgr_param_present(dev, "mkfs_volume_id")) {
		o.volume_id = (uint32_t)devmgr_param_int(dev, "mkfs_volume_id");
		o.have_id = true;
	}
	rc = fat_mkfs(blk, &o, &g, err);
	if (rc == 0)
		fat_log(v, DEVMGR_LOG_INFO,
			"made FAT%d: %u clusters of %u sectors of %u bytes, "
			"volume id %08X",
			g.type, g.clusters, g.spc, g.ss, g.volume_id);
	return rc;
}

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
	if (devmgr_param_bool(dev, "mkfs")) {
		rc = make_fs(v, dev, blk, err);
		if (rc < 0)
			return rc;
	}
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
		rc = devmgr_device_set_handle_ops(
			dev, v->read_only ? &fat_ops_ro : &fat_ops_rw);
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
