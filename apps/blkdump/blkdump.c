/* blkdump: print sectors of a block device on a console, in the layout of
 * "hexdump -C -s OFFSET -n LENGTH" (offsets are byte offsets in the device,
 * and runs of identical lines collapse into one "*").
 *
 * The same app is built as its own executable (main.c) and as the
 * "blkdump" plugin that "devmgr run blkdump" starts (plugin.c). */
#include <devmgr/app.h>
#include <devmgr/sig/blk.h>
#include <devmgr/sig/console.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct blkdump_devs {
	struct devmgr_console *log;
	struct devmgr_blk *disk;
};

/* Lines are gathered and written a block at a time: a console write may be
 * a system call, and a dump has tens of lines per sector. */
struct hexdump {
	struct devmgr_console *con;
	int rc; /* the first write error */
	size_t len;
	char buf[4096];
	uint8_t prev[16];
	bool have_prev, starred;
};

static void out_flush(struct hexdump *h)
{
	if (h->rc == 0 && h->len > 0)
		h->rc = devmgr_console_write(h->con, h->buf, h->len);
	h->len = 0;
}

static void out_line(struct hexdump *h, const char *line, size_t len)
{
	if (h->len + len > sizeof(h->buf))
		out_flush(h);
	memcpy(h->buf + h->len, line, len);
	h->len += len;
}

/* One line: "00000200  eb 3c ... 90 4d  53 44 ... 00 02  |.<.MSDOS5.0.....|" */
static void hexdump_line(struct hexdump *h, uint64_t off, const uint8_t *p)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "%08llx ",
			 (unsigned long long)off);

	for (int i = 0; i < 16; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      i == 8 ? "  %02x" : " %02x", p[i]);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "  |");
	for (int i = 0; i < 16; i++)
		line[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	line[n++] = '|';
	line[n++] = '\n';
	out_line(h, line, (size_t)n);
}

static void hexdump_block(struct hexdump *h, uint64_t off, const uint8_t *p,
			  size_t len)
{
	for (size_t i = 0; i < len; i += 16) {
		if (h->have_prev && memcmp(h->prev, p + i, 16) == 0) {
			if (!h->starred)
				out_line(h, "*\n", 2);
			h->starred = true;
			continue;
		}
		hexdump_line(h, off + i, p + i);
		memcpy(h->prev, p + i, 16);
		h->have_prev = true;
		h->starred = false;
	}
}

/* The closing line holds the offset just past the dump. */
static int hexdump_end(struct hexdump *h, uint64_t end)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%08llx\n",
			 (unsigned long long)end);

	out_line(h, line, (size_t)n);
	out_flush(h);
	return h->rc;
}

static int dump(struct devmgr_ctx *ctx, struct blkdump_devs *d,
		uint32_t sector_size, uint64_t sector, uint64_t count)
{
	struct hexdump *h = calloc(1, sizeof(*h));
	uint8_t *buf = malloc(sector_size);
	int rc = 0;

	if (h == NULL || buf == NULL) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "blkdump: out of memory");
		rc = -ENOMEM;
	} else {
		h->con = d->log;
	}
	for (uint64_t s = sector; rc == 0 && s < sector + count; s++) {
		rc = devmgr_blk_read(d->disk, s, buf, sector_size);
		if (rc < 0)
			devmgr_log(ctx, DEVMGR_LOG_ERROR,
				   "blkdump: read sector %llu: %s",
				   (unsigned long long)s, strerror(-rc));
		else
			hexdump_block(h, s * sector_size, buf, sector_size);
	}
	if (rc == 0) {
		rc = hexdump_end(h, (sector + count) * sector_size);
		if (rc < 0)
			devmgr_log(ctx, DEVMGR_LOG_ERROR,
				   "blkdump: console write: %s", strerror(-rc));
	}
	free(buf);
	free(h);
	return rc;
}

static int blkdump_start(struct devmgr_ctx *ctx, void *record)
{
	struct blkdump_devs *d = record;
	int64_t sector = devmgr_arg_int(ctx, "sector");
	int64_t count = devmgr_arg_int(ctx, "count");
	struct devmgr_blk_info info;
	int rc = devmgr_blk_info(d->disk, &info);

	if (rc < 0) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "blkdump: disk info: %s",
			   strerror(-rc));
		return rc;
	}
	if (sector < 0 || count < 1 || (uint64_t)sector >= info.sectors ||
	    (uint64_t)count > info.sectors - (uint64_t)sector) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR,
			   "blkdump: sector %lld, count %lld: outside the disk "
			   "(%llu sectors of %u bytes)",
			   (long long)sector, (long long)count,
			   (unsigned long long)info.sectors, info.sector_size);
		return -ERANGE;
	}
	rc = dump(ctx, d, info.sector_size, (uint64_t)sector, (uint64_t)count);
	if (rc < 0)
		return rc;
	devmgr_ctx_exit(ctx, 0);
	return 0;
}

static const struct devmgr_slot blkdump_slots[] = {
	DEVMGR_SLOT(struct blkdump_devs, log, console, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT(struct blkdump_devs, disk, blk, DEVMGR_SLOT_REQUIRED),
	{ NULL },
};

static const struct devmgr_param blkdump_args[] = {
	{ "sector", DEVMGR_PARAM_INT, 0, "0", "first sector to print", 0,
	  INT64_MAX },
	{ "count", DEVMGR_PARAM_INT, 0, "1", "number of sectors to print", 1,
	  65536 },
	{ NULL },
};

const struct devmgr_app blkdump_app = {
	.size = sizeof(struct devmgr_app),
	.name = "blkdump",
	.help = "print sectors of a block device as a hex listing",
	.record_size = sizeof(struct blkdump_devs),
	.slots = blkdump_slots,
	.args = blkdump_args,
	.default_config =
		"{\"devmgr\": 1,"
		" \"devices\": {"
		"  \"log\": {\"provider\": \"console-stdio\"},"
		"  \"disk\": {\"provider\": \"blk-ram\", \"size\": \"64K\"}},"
		" \"app\": {\"name\": \"blkdump\","
		"  \"bind\": {\"log\": \"log\", \"disk\": \"disk\"}}}",
	.start = blkdump_start,
};
