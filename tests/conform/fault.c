/* test-conform-fault: deliberately broken providers for the conformance
 * kit's own test (tests/conform/faults.sh).  Built only for make check,
 * never installed.  fault=NAME breaks one rule of the signature, so that
 * exactly one case of "devmgr conform" fails (tests/conform/expect/SIG);
 * fault=none breaks nothing.
 *
 * test-blk-fault: a RAM disk of size bytes (512-byte sectors).
 * test-console-fault: a console that keeps nothing.
 * test-fs-fault: the fs below it (fault_fs.c).
 * test-net-fault: a port of an in-process hub (fault_net.c).
 * test-stack-fault: the stack below it (fault_stack.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* IOV_MAX */
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>
#include <devmgr/sig/console.h>

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#define SS 512

/* ---- blk ---------------------------------------------------------------- */

enum blk_fault {
	F_NONE,
	F_INFO,	      /* transfer_size 0 */
	F_SECTOR0,    /* writes to sector 0 are dropped */
	F_LAST,	      /* writes to the last sector are dropped */
	F_CLAMP,      /* a transfer across the end moves what fits */
	F_ZERO,	      /* a zero-byte transfer answers 0 */
	F_MISALIGNED, /* a length is rounded down to whole sectors */
	F_IOVEC,      /* only the first element of an iovec moves */
	F_SPILL,      /* a write also zeroes the sector after it */
	F_FLUSH,      /* flush after a write fails with -EIO */
	F_DISCARD,    /* a discard across the end is clamped */
	F_ROWRITE,    /* a read-only device takes writes */
	F_CRASH,      /* discard on a writable device kills the process */
	F_MAPCLAMP,   /* a map across the end lends what there is */
};

static const char *const blk_fault_names[] = {
	"none",	   "info",	 "sector0", "last",	"clamp",
	"zero",	   "misaligned", "iovec",   "spill",	"flush",
	"discard", "rowrite",	 "crash",   "mapclamp", NULL,
};

struct fblk {
	uint8_t *data;
	uint64_t sectors;
	bool read_only, dirty;
	enum blk_fault fault;
};

static int fblk_info(struct devmgr_blk *b, struct devmgr_blk_info *out)
{
	const struct fblk *f = b->priv;

	memset(out, 0, sizeof(*out));
	out->sector_size = SS;
	out->transfer_size = f->fault == F_INFO ? 0 : 4096;
	out->sectors = f->sectors;
	out->read_only = f->read_only;
	return 0;
}

/* The checks every transfer passes, with the faults that break them;
 * *len is how many bytes move. */
static int fblk_check(const struct fblk *f, uint64_t sector,
		      const struct iovec *iov, int iovcnt, size_t *len)
{
	size_t total = 0;

	if (iovcnt < 1 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - total)
			return -ERANGE;
		total += iov[i].iov_len;
	}
	if (total == 0)
		return f->fault == F_ZERO ? 1 : -EINVAL;
	if (total % SS) {
		if (f->fault != F_MISALIGNED)
			return -EINVAL;
		total -= total % SS;
		if (total == 0)
			return 1;
	}
	if (sector >= f->sectors)
		return -ERANGE;
	if (total / SS > f->sectors - sector) {
		if (f->fault != F_CLAMP)
			return -ERANGE;
		total = (f->sectors - sector) * SS;
	}
	*len = total;
	return 0;
}

static int fblk_readv(struct devmgr_blk *b, uint64_t sector,
		      const struct iovec *iov, int iovcnt)
{
	const struct fblk *f = b->priv;
	size_t len, off = 0;
	int rc = fblk_check(f, sector, iov, iovcnt, &len);

	if (rc)
		return rc < 0 ? rc : 0;
	for (int i = 0; i < iovcnt && off < len; i++) {
		size_t n =
			iov[i].iov_len < len - off ? iov[i].iov_len : len - off;
		if (f->fault == F_IOVEC && i > 0)
			break;
		memcpy(iov[i].iov_base, f->data + sector * SS + off, n);
		off += n;
	}
	return 0;
}

static int fblk_writev(struct devmgr_blk *b, uint64_t sector,
		       const struct iovec *iov, int iovcnt)
{
	struct fblk *f = b->priv;
	size_t len, off = 0;

	if (f->read_only && f->fault != F_ROWRITE)
		return -EROFS;
	int rc = fblk_check(f, sector, iov, iovcnt, &len);
	if (rc)
		return rc < 0 ? rc : 0;
	f->dirty = true;
	for (int i = 0; i < iovcnt && off < len; i++) {
		size_t n =
			iov[i].iov_len < len - off ? iov[i].iov_len : len - off;
		if (f->fault == F_IOVEC && i > 0)
			break;
		if (!(f->fault == F_SECTOR0 && sector == 0))
			memcpy(f->data + sector * SS + off, iov[i].iov_base, n);
		off += n;
	}
	if (f->fault == F_LAST && sector + len / SS == f->sectors)
		memset(f->data + (f->sectors - 1) * SS, 0, SS);
	if (f->fault == F_SPILL && sector + len / SS < f->sectors)
		memset(f->data + sector * SS + len, 0, SS);
	return 0;
}

static int fblk_flush(struct devmgr_blk *b)
{
	struct fblk *f = b->priv;

	if (f->fault == F_FLUSH && f->dirty)
		return -EIO;
	f->dirty = false;
	return 0;
}

static int fblk_discard(struct devmgr_blk *b, uint64_t sector, uint64_t count)
{
	struct fblk *f = b->priv;

	if (f->fault == F_CRASH && !f->read_only)
		raise(SIGSEGV);
	if (f->read_only)
		return -EROFS;
	if (count == 0)
		return -EINVAL;
	if (sector >= f->sectors)
		return -ERANGE;
	if (count > f->sectors - sector) {
		if (f->fault != F_DISCARD)
			return -ERANGE;
		count = f->sectors - sector;
	}
	memset(f->data + sector * SS, 0, count * SS);
	return 0;
}

static int fblk_map(struct devmgr_blk *b, uint64_t sector, uint64_t count,
		    const void **out)
{
	const struct fblk *f = b->priv;

	if (count == 0)
		return -EINVAL;
	if (sector >= f->sectors ||
	    (count > f->sectors - sector && f->fault != F_MAPCLAMP))
		return -ERANGE;
	*out = f->data + sector * SS;
	return 0;
}

static const struct devmgr_blk_ops fblk_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = fblk_info,
	.readv = fblk_readv,
	.writev = fblk_writev,
	.flush = fblk_flush,
	.discard = fblk_discard,
	.map = fblk_map,
};

/* discard=false: the same without discard (the kit skips its case). */
static const struct devmgr_blk_ops fblk_ops_nodiscard = {
	.minor = DEVMGR_BLK_MINOR,
	.info = fblk_info,
	.readv = fblk_readv,
	.writev = fblk_writev,
	.flush = fblk_flush,
	.map = fblk_map,
};

int fault_find(const char *const *names, const char *name)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int fblk_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct fblk *f = devmgr_device_priv(dev);
	int64_t size = devmgr_param_int(dev, "size");
	int fault = fault_find(blk_fault_names, devmgr_param_str(dev, "fault"));

	if (fault < 0)
		return devmgr_error_set(err, -EINVAL, "unknown fault \"%s\"",
					devmgr_param_str(dev, "fault"));
	if (size <= 0 || size % SS)
		return devmgr_error_set(err, -EINVAL,
					"size %lld is not a multiple of %d",
					(long long)size, SS);
	f->data = calloc(1, (size_t)size);
	if (!f->data)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	f->sectors = (uint64_t)size / SS;
	f->read_only = devmgr_param_bool(dev, "read_only");
	f->fault = (enum blk_fault)fault;
	if (!devmgr_param_bool(dev, "discard"))
		devmgr_device_set_handle_ops(dev, &fblk_ops_nodiscard);
	return 0;
}

static void fblk_destroy(struct devmgr_device *dev)
{
	struct fblk *f = devmgr_device_priv(dev);

	free(f->data);
}

static const struct devmgr_param fblk_params[] = {
	{ "fault", DEVMGR_PARAM_STRING, 0, "\"none\"",
	  "the rule to break (tests/conform/fault.c)", 0, 0 },
	{ "size", DEVMGR_PARAM_SIZE, 0, "65536", "bytes", 0, 0 },
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "false", "read-only", 0, 0 },
	{ "discard", DEVMGR_PARAM_BOOL, 0, "true", "offer discard", 0, 0 },
	{ NULL },
};

static const struct devmgr_provider fblk_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "test-blk-fault",
	.help = "test: a RAM disk that breaks the blk rule named by fault",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &fblk_ops,
	.params = fblk_params,
	.priv_size = sizeof(struct fblk),
	.create = fblk_create,
	.destroy = fblk_destroy,
};

/* ---- console --------------------------------------------------------------
 */

enum console_fault { C_NONE, C_INFO, C_WRITE, C_EMPTY, C_FLUSH, C_REOPEN };

static const char *const console_fault_names[] = {
	"none", "info", "write", "empty", "flush", "reopen", NULL,
};

struct fcon {
	enum console_fault fault;
};

static int fcon_info(struct devmgr_console *c, struct devmgr_console_info *out)
{
	const struct fcon *f = c->priv;

	memset(out, 0, sizeof(*out));
	if (f->fault != C_INFO)
		strcpy(out->name, "fault");
	return 0;
}

static int fcon_write(struct devmgr_console *c, const char *buf, size_t len)
{
	const struct fcon *f = c->priv;

	(void)buf;
	if (len == 0 && f->fault == C_EMPTY)
		return -EINVAL;
	/* A short count for a long text, as write(2) answers: not what
	 * the signature says. */
	if (f->fault == C_WRITE && len > 4096)
		return 4096;
	return 0;
}

static int fcon_flush(struct devmgr_console *c)
{
	const struct fcon *f = c->priv;

	return f->fault == C_FLUSH ? -EIO : 0;
}

static int fcon_reopen(struct devmgr_console *c)
{
	const struct fcon *f = c->priv;

	return f->fault == C_REOPEN ? -EIO : 0;
}

static const struct devmgr_console_ops fcon_ops = {
	.minor = DEVMGR_CONSOLE_MINOR,
	.info = fcon_info,
	.write = fcon_write,
	.flush = fcon_flush,
	.reopen = fcon_reopen,
};

static int fcon_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct fcon *f = devmgr_device_priv(dev);
	int fault =
		fault_find(console_fault_names, devmgr_param_str(dev, "fault"));

	if (fault < 0)
		return devmgr_error_set(err, -EINVAL, "unknown fault \"%s\"",
					devmgr_param_str(dev, "fault"));
	f->fault = (enum console_fault)fault;
	return 0;
}

static const struct devmgr_param fcon_params[] = {
	{ "fault", DEVMGR_PARAM_STRING, 0, "\"none\"",
	  "the rule to break (tests/conform/fault.c)", 0, 0 },
	{ NULL },
};

static const struct devmgr_provider fcon_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "test-console-fault",
	.help = "test: a console that breaks the rule named by fault",
	.sig = "console",
	.sig_major = DEVMGR_CONSOLE_MAJOR,
	.sig_minor = DEVMGR_CONSOLE_MINOR,
	.ops = &fcon_ops,
	.params = fcon_params,
	.priv_size = sizeof(struct fcon),
	.create = fcon_create,
};

static const struct devmgr_provider *const providers[] = {
	&fblk_provider,	     &fcon_provider,	    &fault_fs_provider,
	&fault_net_provider, &fault_stack_provider, NULL,
};

DEVMGR_PLUGIN("test-conform-fault", "1", providers, NULL);
