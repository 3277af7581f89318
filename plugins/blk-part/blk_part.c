/* blk-part: one partition of a blk device, as a blk device.  Stacked on
 * exactly one blk device; the partition is chosen from the device's MBR
 * or GPT (part_table.c) by number, GPT name or GPT unique GUID, or given
 * as a raw offset and size.  Every transfer is checked against the
 * partition before it goes down, so nothing reaches outside it.
 *
 * The table is logged when the device is created (info level; the
 * warning that the GPT backup header was used at warning level): the
 * core's probe output describes a blk device by its signature only. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "part.h"

#include <devmgr/provider/blk.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct part {
	struct devmgr_ctx *ctx;
	const char *id;
	struct devmgr_blk *lower;
	struct devmgr_blk_info info; /* what this device presents */
	uint64_t start;		     /* first sector on the lower device */
};

__attribute__((format(printf, 3, 4))) static void
part_log(struct part *p, enum devmgr_log_level lvl, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	devmgr_log(p->ctx, lvl, "blk-part %s: %s", p->id, msg);
}

/* ---- the ops ------------------------------------------------------- */

static int part_info(struct devmgr_blk *b, struct devmgr_blk_info *out)
{
	struct part *p = b->priv;

	*out = p->info;
	return 0;
}

/* The transfer lies inside the partition: whole sectors, at least one.
 * Lengths whose sum wraps are -EINVAL, as blk-debug answers. */
static int check(const struct part *p, uint64_t sector, const struct iovec *iov,
		 int iovcnt)
{
	const struct devmgr_blk_rules rules = {
		.sector_size = p->info.sector_size,
		.sectors = p->info.sectors,
		.flags = DEVMGR_BLK_SHAPE_FIRST,
	};
	uint64_t count;

	return devmgr_blk_xfer_check(&rules, sector, iov, iovcnt, &count, NULL,
				     0);
}

static int part_readv(struct devmgr_blk *b, uint64_t sector,
		      const struct iovec *iov, int iovcnt)
{
	struct part *p = b->priv;
	int rc = check(p, sector, iov, iovcnt);

	return rc < 0 ? rc
		      : devmgr_blk_readv(p->lower, p->start + sector, iov,
					 iovcnt);
}

static int part_writev(struct devmgr_blk *b, uint64_t sector,
		       const struct iovec *iov, int iovcnt)
{
	struct part *p = b->priv;
	int rc;

	if (p->info.read_only)
		return -EROFS;
	rc = check(p, sector, iov, iovcnt);
	return rc < 0 ? rc
		      : devmgr_blk_writev(p->lower, p->start + sector, iov,
					  iovcnt);
}

static int part_flush(struct devmgr_blk *b)
{
	struct part *p = b->priv;

	return devmgr_blk_flush(p->lower);
}

static int part_discard(struct devmgr_blk *b, uint64_t sector, uint64_t count)
{
	struct part *p = b->priv;

	if (p->info.read_only)
		return -EROFS;
	if (count == 0)
		return -EINVAL;
	if (devmgr_blk_range_check(sector, count, p->info.sectors, NULL, 0) < 0)
		return -ERANGE;
	return devmgr_blk_discard(p->lower, p->start + sector, count);
}

static const struct devmgr_blk_ops part_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = part_info,
	.readv = part_readv,
	.writev = part_writev,
	.flush = part_flush,
	.discard = part_discard,
};

/* ---- create ------------------------------------------------------------ */

static const struct devmgr_param part_params[] = {
	{ "partition", DEVMGR_PARAM_INT, DEVMGR_PARAM_ONE_OF, NULL,
	  "the partition's number: MBR 1-4 primary, 5 and up logical (as Linux "
	  "numbers them); GPT the entry's index (as sgdisk numbers them)",
	  1, PART_GPT_ENTRIES_MAX },
	{ "name", DEVMGR_PARAM_STRING, DEVMGR_PARAM_ONE_OF, NULL,
	  "the GPT partition name (exact, UTF-8)", 0, 0 },
	{ "uuid", DEVMGR_PARAM_STRING, DEVMGR_PARAM_ONE_OF, NULL,
	  "the GPT unique partition GUID "
	  "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, "
	  "any case)",
	  0, 0 },
	{ "offset", DEVMGR_PARAM_SIZE, DEVMGR_PARAM_ONE_OF, NULL,
	  "no table: the partition starts at this byte (a multiple of the "
	  "sector size)",
	  0, 0 },
	{ "size", DEVMGR_PARAM_SIZE, 0, NULL,
	  "with offset: the partition's bytes (a multiple of the sector size; "
	  "default: to the end of the device)",
	  0, 0 },
	{ "table", DEVMGR_PARAM_STRING, 0, "\"auto\"",
	  "\"auto\" (GPT when the MBR has a GPT entry, type 0xEE, as Linux "
	  "decides; else MBR), \"mbr\" or \"gpt\"",
	  0, 0 },
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "false",
	  "present the partition read-only (also when the device below is)", 0,
	  0 },
	{ NULL },
};

struct lower_rd {
	struct devmgr_blk *blk;
	uint32_t ss;
};

static int read_lower(void *arg, uint64_t sector, void *buf, size_t count)
{
	struct lower_rd *l = arg;

	return devmgr_blk_read(l->blk, sector, buf, count * l->ss);
}

static int raw_range(struct devmgr_device *dev, struct part *p,
		     const struct devmgr_blk_info *li, struct devmgr_error *err)
{
	uint64_t ss = li->sector_size, dev_bytes = li->sectors * ss;
	uint64_t off = (uint64_t)devmgr_param_int(dev, "offset");
	uint64_t size = devmgr_param_present(dev, "size")
				? (uint64_t)devmgr_param_int(dev, "size")
				: (off < dev_bytes ? dev_bytes - off : 0);

	if (off % ss != 0 || size % ss != 0)
		return devmgr_error_set(err, -EINVAL,
					"offset %llu and size %llu must be "
					"multiples of the sector size %llu",
					(unsigned long long)off,
					(unsigned long long)size,
					(unsigned long long)ss);
	if (size == 0 || off >= dev_bytes || size > dev_bytes - off)
		return devmgr_error_set(err, -ERANGE,
					"offset %llu and size %llu do not fit "
					"in the device (%llu bytes)",
					(unsigned long long)off,
					(unsigned long long)size,
					(unsigned long long)dev_bytes);
	p->start = off / ss;
	p->info.sectors = size / ss;
	return 0;
}

static void log_table(struct part *p, const struct part_table *t,
		      const char *below)
{
	char line[512];

	if (t->backup)
		part_log(p, DEVMGR_LOG_WARN, "%s: %s", below, t->note);
	part_log(
		p, DEVMGR_LOG_INFO, "%s: %s table, %u partition%s%s", below,
		t->kind == PART_GPT ? "GPT" : "MBR", t->n, t->n == 1 ? "" : "s",
		t->kind == PART_GPT
			? (t->backup ? " (backup header)" : " (primary header)")
			: "");
	for (unsigned i = 0; i < t->n; i++) {
		part_entry_str(t, &t->e[i], line, sizeof(line));
		part_log(p, DEVMGR_LOG_INFO, "  %s", line);
	}
}

/* The numbers, or names, of the table's partitions, for an error. */
static void list(const struct part_table *t, bool names, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < t->n && o < len; i++) {
		int w = names ? snprintf(out + o, len - o, "%s\"%s\"",
					 i ? ", " : "", t->e[i].name)
			      : snprintf(out + o, len - o, "%s%u",
					 i ? ", " : "", t->e[i].number);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (t->n == 0)
		snprintf(out, len, "none");
}

static const struct part_entry *choose(struct devmgr_device *dev,
				       const struct part_table *t,
				       struct devmgr_error *err)
{
	const char *kind = t->kind == PART_GPT ? "GPT" : "MBR";
	const struct part_entry *found = NULL;
	char have[512];

	if (devmgr_param_present(dev, "partition")) {
		unsigned n = (unsigned)devmgr_param_int(dev, "partition");

		for (unsigned i = 0; i < t->n; i++)
			if (t->e[i].number == n)
				return &t->e[i];
		list(t, false, have, sizeof(have));
		devmgr_error_set(err, -ENOENT,
				 "no partition %u in the %s (partitions: %s)",
				 n, kind, have);
		return NULL;
	}
	if (t->kind != PART_GPT) {
		devmgr_error_set(err, -EINVAL,
				 "name and uuid choose GPT partitions, but "
				 "the disk has an MBR table");
		return NULL;
	}
	if (devmgr_param_present(dev, "uuid")) {
		const char *s = devmgr_param_str(dev, "uuid");
		uint8_t g[16];

		if (part_guid_parse(s, g) < 0) {
			devmgr_error_set(err, -EINVAL,
					 "uuid \"%s\" is not a GUID "
					 "(xxxxxxxx-xxxx-xxxx-xxxx-"
					 "xxxxxxxxxxxx)",
					 s);
			return NULL;
		}
		for (unsigned i = 0; i < t->n; i++)
			if (memcmp(t->e[i].guid, g, 16) == 0)
				return &t->e[i];
		devmgr_error_set(err, -ENOENT,
				 "no GPT partition has the uuid %s", s);
		return NULL;
	}
	const char *name = devmgr_param_str(dev, "name");
	for (unsigned i = 0; i < t->n; i++) {
		if (strcmp(t->e[i].name, name) != 0)
			continue;
		if (found != NULL) {
			devmgr_error_set(err, -EINVAL,
					 "partitions %u and %u are both named "
					 "\"%s\": choose by partition or uuid",
					 found->number, t->e[i].number, name);
			return NULL;
		}
		found = &t->e[i];
	}
	if (found == NULL) {
		list(t, true, have, sizeof(have));
		devmgr_error_set(err, -ENOENT,
				 "no GPT partition is named \"%s\" (names: %s)",
				 name, have);
	}
	return found;
}

static int from_table(struct devmgr_device *dev, struct part *p,
		      const struct devmgr_blk_info *li, const char *below,
		      struct devmgr_error *err)
{
	const char *tname = devmgr_param_str(dev, "table");
	enum part_kind want = PART_AUTO;
	struct lower_rd l = { p->lower, li->sector_size };
	struct part_table *t;
	char why[512];
	int rc;

	if (strcmp(tname, "mbr") == 0)
		want = PART_MBR;
	else if (strcmp(tname, "gpt") == 0)
		want = PART_GPT;
	else if (strcmp(tname, "auto") != 0)
		return devmgr_error_set(err, -EINVAL,
					"table \"%s\" is not \"auto\", \"mbr\" "
					"or \"gpt\"",
					tname);
	t = malloc(sizeof(*t));
	if (t == NULL)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	rc = part_read_table(read_lower, &l, li->sector_size, li->sectors, want,
			     t, why, sizeof(why));
	if (rc < 0) {
		devmgr_error_set(err, rc, "the partition table of %s: %s",
				 below, why);
		free(t);
		return rc;
	}
	log_table(p, t, below);
	const struct part_entry *e = choose(dev, t, err);
	if (e != NULL) {
		char line[512];

		p->start = e->start;
		p->info.sectors = e->count;
		part_entry_str(t, e, line, sizeof(line));
		part_log(p, DEVMGR_LOG_INFO, "using %s partition %s",
			 t->kind == PART_GPT ? "GPT" : "MBR", line);
	}
	free(t);
	return e != NULL ? 0 : -ENOENT;
}

static int part_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	static const char *const sel[] = { "partition", "name", "uuid",
					   "offset" };
	struct part *p = devmgr_device_priv(dev);
	struct devmgr_device *below = devmgr_device_dep(dev, 0);
	struct devmgr_blk_info li;
	const char *given[4];
	unsigned ngiven = 0;
	int rc;

	p->ctx = devmgr_device_ctx(dev);
	p->id = devmgr_device_id(dev);
	p->lower = below ? devmgr_device_handle(below) : NULL;
	if (p->lower == NULL)
		return devmgr_error_set(err, -ENODEV,
					"needs the blk device it is stacked "
					"on (\"on\")");
	for (unsigned i = 0; i < 4; i++)
		if (devmgr_param_present(dev, sel[i]))
			given[ngiven++] = sel[i];
	if (ngiven > 1)
		return devmgr_error_set(err, -EINVAL,
					"give one of partition, name, uuid and "
					"offset, not both %s and %s",
					given[0], given[1]);
	if (devmgr_param_present(dev, "size") &&
	    !devmgr_param_present(dev, "offset"))
		return devmgr_error_set(err, -EINVAL,
					"size goes with offset only");
	rc = devmgr_blk_info(p->lower, &li);
	if (rc < 0)
		return devmgr_error_set(err, rc, "info of %s: %s",
					devmgr_device_id(below), strerror(-rc));
	p->info = li;
	if (devmgr_param_bool(dev, "read_only"))
		p->info.read_only = true;
	rc = devmgr_param_present(dev, "offset")
		     ? raw_range(dev, p, &li, err)
		     : from_table(dev, p, &li, devmgr_device_id(below), err);
	if (rc < 0)
		return rc;
	part_log(p, DEVMGR_LOG_DEBUG,
		 "sectors %llu..%llu of %s, %llu sectors of %u bytes%s",
		 (unsigned long long)p->start,
		 (unsigned long long)(p->start + p->info.sectors - 1),
		 devmgr_device_id(below), (unsigned long long)p->info.sectors,
		 p->info.sector_size, p->info.read_only ? ", read-only" : "");
	return 0;
}

static const struct devmgr_provider part_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "blk-part",
	.help = "one partition (MBR, GPT, or offset and size) of a blk device",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &part_ops,
	.params = part_params,
	.on_sig = "blk",
	.on_min = 1,
	.on_max = 1,
	.priv_size = sizeof(struct part),
	.create = part_create,
};

static const struct devmgr_provider *const providers[] = {
	&part_provider,
	NULL,
};

DEVMGR_PLUGIN("blk-part", "0.1.0", providers, NULL);
