/* mkfs.c: the command line of "devmgr-fat mkfs" and its configuration.
 * The filesystem is made by fs-fat itself (its "mkfs" parameters, see
 * plugins/fs-fat/fat_mkfs.c) when the fs device is created; this file
 * turns the options into those parameters, on the --image configuration
 * or on the one fs-fat device of a -c configuration. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fattool.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkfs_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "devmgr-fat: mkfs: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'devmgr-fat --help'.\n");
	return FAT_EXIT_USAGE;
}

/* A whole number, decimal or (with hex) hexadecimal, within max. */
static bool number(const char *s, int base, unsigned long long max,
		   unsigned long long *out)
{
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, base);
	return errno == 0 && *end == '\0' && *out <= max;
}

/* Bytes, with an optional K, M, G or T (powers of 1024). */
static bool size_arg(const char *s, unsigned long long *out)
{
	static const char units[] = "KMGT";
	size_t n = strlen(s);
	const char *u = n ? strchr(units, s[n - 1]) : NULL;
	char buf[32];
	unsigned shift = 0;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	if (u != NULL && s[n - 1] != '\0') {
		shift = 10 * (unsigned)(u - units + 1);
		buf[n - 1] = '\0';
	}
	if (!number(buf, 10, ~0ull >> shift, out))
		return false;
	*out <<= shift;
	return true;
}

int fat_mkfs_args(int argc, char **argv, struct fat_cmd *c)
{
	unsigned long long v;
	int a;

	c->verb = FAT_MKFS;
	for (a = 1; a < argc && argv[a][0] == '-' && argv[a][1] != '\0'; a++) {
		const char *opt = argv[a], *val;

		if (strcmp(opt, "--") == 0) {
			a++;
			break;
		}
		if (strlen(opt) != 2 || strchr("FSsni", opt[1]) == NULL)
			return mkfs_usage("unknown option \"%s\"", opt);
		if (a + 1 >= argc)
			return mkfs_usage("%s needs a value", opt);
		val = argv[++a];
		switch (opt[1]) {
		case 'F':
			if (!number(val, 10, 32, &v) ||
			    (v != 12 && v != 16 && v != 32))
				return mkfs_usage("-F %s: the FAT type is 12, "
						  "16 or 32",
						  val);
			c->mkfs.type = (int)v;
			break;
		case 'S':
			if (!number(val, 10, 4096, &v) || v < 512 ||
			    (v & (v - 1)) != 0)
				return mkfs_usage("-S %s: the sector size is "
						  "512, 1024, 2048 or 4096",
						  val);
			c->mkfs.sector_size = (unsigned)v;
			break;
		case 's':
			if (!number(val, 10, 128, &v) || v == 0 ||
			    (v & (v - 1)) != 0)
				return mkfs_usage("-s %s: sectors per cluster "
						  "are a power of two from 1 "
						  "to 128",
						  val);
			c->mkfs.cluster_sectors = (unsigned)v;
			break;
		case 'n':
			if (strlen(val) > 11)
				return mkfs_usage("-n \"%s\": a label has at "
						  "most 11 characters",
						  val);
			c->mkfs.label = val;
			break;
		case 'i':
			if (!number(val, 16, 0xFFFFFFFFull, &v))
				return mkfs_usage("-i %s: the volume id is up "
						  "to 8 hexadecimal digits",
						  val);
			c->mkfs.volume_id = (unsigned)v;
			c->mkfs.have_id = true;
			break;
		}
	}
	if (argc - a > 1)
		return mkfs_usage("%s", "wrong number of arguments (at most "
					"one SIZE)");
	if (argc - a == 1) {
		if (!size_arg(argv[a], &c->mkfs.size) || c->mkfs.size == 0)
			return mkfs_usage("\"%s\" is not a size (bytes, or "
					  "with K, M, G, T)",
					  argv[a]);
		c->mkfs.have_size = true;
	}
	c->nargs = 0;
	return FAT_EXIT_OK;
}

/* The mkfs parameters on an fs-fat device object. */
static int set_params(json_t *fs, const struct fat_cmd *c)
{
	int rc = json_object_set_new(fs, "mkfs", json_true());

	json_object_del(fs, "read_only");
	if (c->mkfs.type)
		rc |= json_object_set_new(fs, "mkfs_fat",
					  json_integer(c->mkfs.type));
	if (c->mkfs.sector_size)
		rc |= json_object_set_new(fs, "mkfs_sector_size",
					  json_integer(c->mkfs.sector_size));
	if (c->mkfs.cluster_sectors)
		rc |= json_object_set_new(
			fs, "mkfs_cluster_sectors",
			json_integer(c->mkfs.cluster_sectors));
	if (c->mkfs.label)
		rc |= json_object_set_new(fs, "mkfs_label",
					  json_string(c->mkfs.label));
	if (c->mkfs.have_id)
		rc |= json_object_set_new(fs, "mkfs_volume_id",
					  json_integer(c->mkfs.volume_id));
	return rc ? -ENOMEM : 0;
}

static int oom(void)
{
	fprintf(stderr, "devmgr-fat: out of memory\n");
	return FAT_EXIT_FAILED;
}

static int report(const struct devmgr_error *e, int status)
{
	char line[1400];

	fprintf(stderr, "devmgr-fat: %s\n",
		devmgr_error_format(e, line, sizeof(line)));
	return status;
}

/* --image FILE: SIZE makes the file that size first (created if need
 * be); without it the file is formatted as large as it is. */
static int image(const char *path, const struct fat_cmd *c, json_t **root)
{
	if (c->mkfs.have_size) {
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0 || ftruncate(fd, (off_t)c->mkfs.size) < 0) {
			fprintf(stderr, "devmgr-fat: mkfs %s: %s (%s)\n", path,
				strerror(errno), devmgr_err_name(-errno));
			if (fd >= 0)
				close(fd);
			return FAT_EXIT_FAILED;
		}
		close(fd);
	}
	*root = json_pack("{s:i, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:{s:s}}",
			  "devmgr", 1, "devices", "disk", "provider",
			  "blk-file", "path", path, "fs", "provider", "fs-fat",
			  "on", "disk", "app", "name", "fat");
	return *root ? FAT_EXIT_OK : oom();
}

/* -c CONFIG: its one fs-fat device gets the parameters.  The text is
 * loaded from memory, so relative paths are taken from the current
 * folder: it becomes the configuration's folder first (mkfs has no host
 * paths of its own). */
static int config(const char *path, const struct fat_cmd *c, json_t **root)
{
	char dir[PATH_MAX];
	json_error_t je;
	json_t *devs, *dev, *fs = NULL;
	const char *id, *prov;
	int found = 0;

	if (c->mkfs.have_size)
		return mkfs_usage("%s", "SIZE is for --image: the blk device "
					"of a configuration has its own size");
	*root = json_load_file(path, 0, &je);
	if (*root == NULL) {
		fprintf(stderr, "devmgr-fat: %s:%d: %s\n", path, je.line,
			je.text);
		return FAT_EXIT_USAGE;
	}
	devs = json_object_get(*root, "devices");
	json_object_foreach (devs, id, dev) {
		prov = json_string_value(json_object_get(dev, "provider"));
		if (prov != NULL && strcmp(prov, "fs-fat") == 0) {
			fs = dev;
			found++;
		}
	}
	if (found != 1) {
		fprintf(stderr,
			"devmgr-fat: mkfs: %s has %d fs-fat devices; mkfs "
			"needs exactly one\n",
			path, found);
		return FAT_EXIT_USAGE;
	}
	if (set_params(fs, c) < 0)
		return oom();
	snprintf(dir, sizeof(dir), "%s", path);
	if (chdir(dirname(dir)) < 0) {
		fprintf(stderr, "devmgr-fat: mkfs: %s: %s\n", dir,
			strerror(errno));
		return FAT_EXIT_USAGE;
	}
	return FAT_EXIT_OK;
}

int fat_mkfs_load(struct devmgr_ctx *ctx, const char *image_path,
		  const char *config_path)
{
	const struct fat_cmd *c = &fat_command;
	struct devmgr_error e;
	json_t *root = NULL, *fs;
	char *text = NULL;
	int rc;

	if (image_path != NULL) {
		rc = image(image_path, c, &root);
		fs = root ? json_object_get(json_object_get(root, "devices"),
					    "fs")
			  : NULL;
		if (rc == FAT_EXIT_OK && (fs == NULL || set_params(fs, c) < 0))
			rc = oom();
	} else {
		rc = config(config_path, c, &root);
	}
	if (rc == FAT_EXIT_OK) {
		text = json_dumps(root, JSON_COMPACT);
		if (text == NULL)
			rc = oom();
	}
	if (rc == FAT_EXIT_OK &&
	    devmgr_ctx_load_config_string(
		    ctx, text, image_path ? image_path : config_path, &e) < 0)
		rc = report(&e, FAT_EXIT_USAGE);
	free(text);
	json_decref(root);
	return rc;
}
