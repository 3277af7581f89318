/* blk-debug: a blk interposer, stacked on any blk device and presenting a
 * blk device again.  It owns three things:
 *
 *  - a contract check of every call against the blk signature (lengths in
 *    whole sectors, bounds, iovec shape, iovcnt limit, writes to a
 *    read-only device).  A violation is refused with -EINVAL, -ERANGE or
 *    -EROFS and one logged line naming it, before the device below sees
 *    the call, so that a filesystem bug shows up here rather than as a
 *    corrupted image later;
 *  - a reproducible fault schedule: fail the k-th read, write or flush,
 *    fail every transfer that touches a range of sectors, fail calls at
 *    random with a seeded generator, and delay transfers;
 *  - an optional trace file with one line per call.
 *
 * Injected failures never reach the device below: a failed write leaves
 * the sectors as they were, which is the "lost write" a filesystem must
 * survive. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* IOV_MAX */
#endif
#include <devmgr/provider/blk.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum dbg_op {
	OP_READ,
	OP_WRITE,
	OP_FLUSH,
	OP_DISCARD,
	OP_INFO,
};

static const char *const op_names[] = {
	[OP_READ] = "read",	  [OP_WRITE] = "write", [OP_FLUSH] = "flush",
	[OP_DISCARD] = "discard", [OP_INFO] = "info",
};

/* Which operations a sector range fault applies to. */
enum {
	BAD_READ = 1,
	BAD_WRITE = 2,
};

struct dbg {
	struct devmgr_blk *lower;
	struct devmgr_ctx *ctx;
	const char *id;
	struct devmgr_blk_info info; /* as presented: read_only may be added */
	bool check, strict_iov;
	int max_iovcnt;
	/* The fault schedule. */
	int error;	     /* negative errno of injected failures */
	uint64_t fail_at[3]; /* k-th read, write, flush (1-based); 0: never */
	uint64_t fail_count; /* consecutive calls failed from k; 0: all */
	uint64_t bad_start, bad_count;
	unsigned bad_ops;
	uint32_t fail_ppm;
	uint64_t rng;
	unsigned delay_us;
	/* State, under lock. */
	pthread_mutex_t lock;
	uint64_t calls;	   /* every call, the trace's sequence number */
	uint64_t count[3]; /* reads, writes, flushes that passed the check */
	FILE *trace;
};

/* splitmix64: small, fast, and the same sequence on every platform for a
 * given seed, which is all a reproducible schedule needs. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void dbg_log(struct dbg *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dbg_log(struct dbg *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	devmgr_log(d->ctx, DEVMGR_LOG_ERROR, "blk-debug %s: %s", d->id, msg);
}

/* ---- the contract check ---------------------------------------------- */

/* Why a transfer breaks the blk contract (the kit's check, with this
 * device's iovcnt limit and strict_iov), written into why; 0 when it
 * keeps it.  *count gets the transfer's sectors.  Lengths whose sum wraps
 * are a malformed iovec here, -EINVAL, whatever the device's size. */
static int check_xfer(const struct dbg *d, uint64_t sector,
		      const struct iovec *iov, int iovcnt, uint64_t *count,
		      char *why, size_t size)
{
	const struct devmgr_blk_rules rules = {
		.sector_size = d->info.sector_size,
		.max_iovcnt = d->max_iovcnt,
		.sectors = d->info.sectors,
		.flags = DEVMGR_BLK_SHAPE_FIRST,
		.whole_entries = d->strict_iov ? "strict_iov" : NULL,
	};

	return devmgr_blk_xfer_check(&rules, sector, iov, iovcnt, count, why,
				     size);
}

static int check_write(const struct dbg *d, char *why, size_t size)
{
	if (d->info.read_only) {
		snprintf(why, size, "the device is read-only");
		return -EROFS;
	}
	return 0;
}

/* ---- the fault schedule ---------------------------------------------- */

static bool touches_bad(const struct dbg *d, enum dbg_op op, uint64_t sector,
			uint64_t count)
{
	unsigned want = op == OP_READ ? BAD_READ : BAD_WRITE;

	if (d->bad_count == 0 || !(d->bad_ops & want))
		return false;
	return sector < d->bad_start + d->bad_count &&
	       d->bad_start < sector + count;
}

/* Whether this call (already counted) fails, and why.  Called under
 * lock, so that the random sequence and the counters stay in step. */
static bool inject(struct dbg *d, enum dbg_op op, uint64_t sector,
		   uint64_t count, char *why, size_t size)
{
	uint64_t n = d->count[op], k = d->fail_at[op];

	if (k != 0 && n >= k && (d->fail_count == 0 || n - k < d->fail_count)) {
		snprintf(why, size, "injected: %s #%llu", op_names[op],
			 (unsigned long long)n);
		return true;
	}
	if (op != OP_FLUSH && touches_bad(d, op, sector, count)) {
		snprintf(why, size, "injected: bad sectors %llu..+%llu",
			 (unsigned long long)d->bad_start,
			 (unsigned long long)d->bad_count);
		return true;
	}
	if (d->fail_ppm != 0 && rng_next(&d->rng) % 1000000 < d->fail_ppm) {
		snprintf(why, size, "injected: random (%u ppm)", d->fail_ppm);
		return true;
	}
	return false;
}

/* One trace line: "SEQ OP SECTOR COUNT IOVCNT RESULT[ # NOTE]".  Fields
 * that do not apply to the call are "-": SECTOR and COUNT to info and
 * flush, IOVCNT to all but read and write. */
static void trace(struct dbg *d, uint64_t seq, enum dbg_op op, uint64_t sector,
		  uint64_t count, int iovcnt, int rc, const char *note)
{
	bool span = op == OP_READ || op == OP_WRITE || op == OP_DISCARD;
	char s[24] = "-", c[24] = "-", v[16] = "-";

	if (d->trace == NULL)
		return;
	if (span) {
		snprintf(s, sizeof(s), "%llu", (unsigned long long)sector);
		snprintf(c, sizeof(c), "%llu", (unsigned long long)count);
	}
	if (op == OP_READ || op == OP_WRITE)
		snprintf(v, sizeof(v), "%d", iovcnt);
	fprintf(d->trace, "%llu %s %s %s %s %s%s%s\n", (unsigned long long)seq,
		op_names[op], s, c, v, rc == 0 ? "0" : devmgr_err_name(rc),
		note && *note ? " # " : "", note ? note : "");
}

static void delay(const struct dbg *d)
{
	struct timespec ts = {
		.tv_sec = d->delay_us / 1000000,
		.tv_nsec = (long)(d->delay_us % 1000000) * 1000,
	};

	while (d->delay_us && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the ops ----------------------------------------------------------- */

static int dbg_info(struct devmgr_blk *b, struct devmgr_blk_info *out)
{
	struct dbg *d = b->priv;

	*out = d->info;
	pthread_mutex_lock(&d->lock);
	trace(d, ++d->calls, OP_INFO, 0, 0, 0, 0, NULL);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* The check and the schedule of a read or a write.  Returns 0 to pass
 * the call down, or the error to return; *seq is the trace number. */
static int dbg_enter(struct dbg *d, enum dbg_op op, uint64_t sector,
		     const struct iovec *iov, int iovcnt, uint64_t *seq)
{
	char why[256] = "";
	uint64_t bytes = 0, count = 0;
	int rc = 0;

	if (d->check) {
		if (op == OP_WRITE)
			rc = check_write(d, why, sizeof(why));
		if (rc == 0)
			rc = check_xfer(d, sector, iov, iovcnt, &count, why,
					sizeof(why));
		if (rc < 0)
			dbg_log(d, "%s at sector %llu refused: %s",
				op_names[op], (unsigned long long)sector, why);
	} else if (iov != NULL && iovcnt > 0 && iovcnt <= IOV_MAX) {
		for (int i = 0; i < iovcnt; i++)
			bytes += iov[i].iov_len;
		count = bytes / d->info.sector_size;
	}
	pthread_mutex_lock(&d->lock);
	*seq = ++d->calls;
	if (rc == 0) {
		d->count[op]++;
		if (inject(d, op, sector, count, why, sizeof(why)))
			rc = d->error;
	}
	if (rc < 0)
		trace(d, *seq, op, sector, count, iovcnt, rc, why);
	pthread_mutex_unlock(&d->lock);
	if (rc == 0)
		delay(d);
	return rc;
}

static void dbg_leave(struct dbg *d, uint64_t seq, enum dbg_op op,
		      uint64_t sector, const struct iovec *iov, int iovcnt,
		      int rc)
{
	uint64_t bytes = 0;

	if (d->trace == NULL)
		return;
	for (int i = 0; iov != NULL && i < iovcnt && i < IOV_MAX; i++)
		bytes += iov[i].iov_len;
	pthread_mutex_lock(&d->lock);
	trace(d, seq, op, sector, bytes / d->info.sector_size, iovcnt, rc,
	      NULL);
	pthread_mutex_unlock(&d->lock);
}

static int dbg_readv(struct devmgr_blk *b, uint64_t sector,
		     const struct iovec *iov, int iovcnt)
{
	struct dbg *d = b->priv;
	uint64_t seq;
	int rc = dbg_enter(d, OP_READ, sector, iov, iovcnt, &seq);

	if (rc < 0)
		return rc;
	rc = devmgr_blk_readv(d->lower, sector, iov, iovcnt);
	dbg_leave(d, seq, OP_READ, sector, iov, iovcnt, rc);
	return rc;
}

static int dbg_writev(struct devmgr_blk *b, uint64_t sector,
		      const struct iovec *iov, int iovcnt)
{
	struct dbg *d = b->priv;
	uint64_t seq;
	int rc = dbg_enter(d, OP_WRITE, sector, iov, iovcnt, &seq);

	if (rc < 0)
		return rc;
	rc = devmgr_blk_writev(d->lower, sector, iov, iovcnt);
	dbg_leave(d, seq, OP_WRITE, sector, iov, iovcnt, rc);
	return rc;
}

static int dbg_flush(struct devmgr_blk *b)
{
	struct dbg *d = b->priv;
	char why[128] = "";
	uint64_t seq;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	seq = ++d->calls;
	d->count[OP_FLUSH]++;
	if (inject(d, OP_FLUSH, 0, 0, why, sizeof(why)))
		rc = d->error;
	pthread_mutex_unlock(&d->lock);
	if (rc == 0)
		rc = devmgr_blk_flush(d->lower);
	pthread_mutex_lock(&d->lock);
	trace(d, seq, OP_FLUSH, 0, 0, 0, rc, why);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Discard is checked like a write but never failed on purpose: a
 * filesystem may not depend on it. */
static int dbg_discard(struct devmgr_blk *b, uint64_t sector, uint64_t count)
{
	struct dbg *d = b->priv;
	char why[256] = "";
	uint64_t seq;
	int rc = 0;

	if (d->check) {
		rc = check_write(d, why, sizeof(why));
		if (rc == 0 && count == 0) {
			snprintf(why, sizeof(why), "count is 0");
			rc = -EINVAL;
		}
		if (rc == 0)
			rc = devmgr_blk_range_check(sector, count,
						    d->info.sectors, why,
						    sizeof(why));
		if (rc < 0)
			dbg_log(d, "discard at sector %llu refused: %s",
				(unsigned long long)sector, why);
	}
	if (rc == 0)
		rc = devmgr_blk_discard(d->lower, sector, count);
	pthread_mutex_lock(&d->lock);
	seq = ++d->calls;
	trace(d, seq, OP_DISCARD, sector, count, 0, rc, why);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static const struct devmgr_blk_ops dbg_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = dbg_info,
	.readv = dbg_readv,
	.writev = dbg_writev,
	.flush = dbg_flush,
	.discard = dbg_discard,
};

/* ---- creation ---------------------------------------------------------- */

static const struct devmgr_param dbg_params[] = {
	{ "seed", DEVMGR_PARAM_INT, 0, "1",
	  "seed of the random failures (fail_ppm)", 0, INT64_MAX },
	{ "fail_read", DEVMGR_PARAM_INT, 0, "0",
	  "fail the k-th read (1-based); 0: never", 0, INT64_MAX },
	{ "fail_write", DEVMGR_PARAM_INT, 0, "0",
	  "fail the k-th write (1-based); 0: never", 0, INT64_MAX },
	{ "fail_flush", DEVMGR_PARAM_INT, 0, "0",
	  "fail the k-th flush (1-based); 0: never", 0, INT64_MAX },
	{ "fail_count", DEVMGR_PARAM_INT, 0, "1",
	  "how many calls fail from the k-th on; 0: every later call too", 0,
	  INT64_MAX },
	{ "bad_start", DEVMGR_PARAM_INT, 0, "0",
	  "first sector of a range whose transfers fail", 0, INT64_MAX },
	{ "bad_count", DEVMGR_PARAM_INT, 0, "0",
	  "sectors in that range; 0: no range", 0, INT64_MAX },
	{ "bad_ops", DEVMGR_PARAM_STRING, 0, "\"rw\"",
	  "which transfers the range fails: \"r\", \"w\" or \"rw\"", 0, 0 },
	{ "fail_ppm", DEVMGR_PARAM_INT, 0, "0",
	  "fail each read and write with this chance in a million", 0,
	  1000000 },
	{ "error", DEVMGR_PARAM_STRING, 0, "\"EIO\"",
	  "errno of injected failures: EIO, ENOSPC, ENOMEM or ETIMEDOUT", 0,
	  0 },
	{ "delay_us", DEVMGR_PARAM_INT, 0, "0",
	  "sleep this long before each read and write (at most 1 s)", 0,
	  1000000 },
	{ "trace", DEVMGR_PARAM_PATH, 0, NULL,
	  "write one line per call to this file (truncated at creation)", 0,
	  0 },
	{ "check", DEVMGR_PARAM_BOOL, 0, "true",
	  "refuse calls that break the blk contract, with a logged reason", 0,
	  0 },
	{ "strict_iov", DEVMGR_PARAM_BOOL, 0, "false",
	  "also refuse iovec entries that are not whole sectors", 0, 0 },
	{ "max_iovcnt", DEVMGR_PARAM_INT, 0, "1024",
	  "refuse calls with more iovec entries than this", 1, IOV_MAX },
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "false",
	  "present the device read-only and refuse writes", 0, 0 },
	{ NULL },
};

static int parse_error(struct dbg *d, const char *name,
		       struct devmgr_error *err)
{
	static const struct {
		const char *name;
		int code;
	} codes[] = {
		{ "EIO", -EIO },
		{ "ENOSPC", -ENOSPC },
		{ "ENOMEM", -ENOMEM },
		{ "ETIMEDOUT", -ETIMEDOUT },
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (strcmp(name, codes[i].name) == 0) {
			d->error = codes[i].code;
			return 0;
		}
	}
	return devmgr_error_set(err, -EINVAL,
				"error \"%s\" is not one of EIO, ENOSPC, "
				"ENOMEM, ETIMEDOUT",
				name);
}

static int parse_bad_ops(struct dbg *d, const char *ops,
			 struct devmgr_error *err)
{
	if (strcmp(ops, "r") == 0)
		d->bad_ops = BAD_READ;
	else if (strcmp(ops, "w") == 0)
		d->bad_ops = BAD_WRITE;
	else if (strcmp(ops, "rw") == 0)
		d->bad_ops = BAD_READ | BAD_WRITE;
	else
		return devmgr_error_set(err, -EINVAL,
					"bad_ops \"%s\" is not one of \"r\", "
					"\"w\", \"rw\"",
					ops);
	return 0;
}

static int lower_info(struct devmgr_device *dev, struct dbg *d,
		      struct devmgr_error *err)
{
	struct devmgr_device *below = devmgr_device_dep(dev, 0);
	int rc;

	d->lower = below ? devmgr_device_handle(below) : NULL;
	if (d->lower == NULL)
		return devmgr_error_set(err, -ENODEV,
					"needs the blk device it is stacked "
					"on (\"on\")");
	rc = devmgr_blk_info(d->lower, &d->info);
	if (rc < 0)
		return devmgr_error_set(err, rc, "info of %s: %s",
					devmgr_device_id(below), strerror(-rc));
	if (d->info.sector_size == 0)
		return devmgr_error_set(err, -EINVAL,
					"%s reports a sector size of 0",
					devmgr_device_id(below));
	if (devmgr_param_bool(dev, "read_only"))
		d->info.read_only = true;
	return 0;
}

static int read_schedule(struct devmgr_device *dev, struct dbg *d,
			 struct devmgr_error *err)
{
	int rc = parse_error(d, devmgr_param_str(dev, "error"), err);

	if (rc == 0)
		rc = parse_bad_ops(d, devmgr_param_str(dev, "bad_ops"), err);
	if (rc < 0)
		return rc;
	d->fail_at[OP_READ] = (uint64_t)devmgr_param_int(dev, "fail_read");
	d->fail_at[OP_WRITE] = (uint64_t)devmgr_param_int(dev, "fail_write");
	d->fail_at[OP_FLUSH] = (uint64_t)devmgr_param_int(dev, "fail_flush");
	d->fail_count = (uint64_t)devmgr_param_int(dev, "fail_count");
	d->bad_start = (uint64_t)devmgr_param_int(dev, "bad_start");
	d->bad_count = (uint64_t)devmgr_param_int(dev, "bad_count");
	if (d->bad_count != 0 &&
	    (d->bad_start >= d->info.sectors ||
	     d->bad_count > d->info.sectors - d->bad_start))
		return devmgr_error_set(err, -ERANGE,
					"bad sectors %llu..+%llu lie outside "
					"the device (%llu sectors)",
					(unsigned long long)d->bad_start,
					(unsigned long long)d->bad_count,
					(unsigned long long)d->info.sectors);
	d->fail_ppm = (uint32_t)devmgr_param_int(dev, "fail_ppm");
	d->rng = (uint64_t)devmgr_param_int(dev, "seed");
	d->delay_us = (unsigned)devmgr_param_int(dev, "delay_us");
	return 0;
}

static int open_trace(struct dbg *d, const char *path, struct devmgr_error *err)
{
	int fd, e;

	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		d->trace = fdopen(fd, "w");
	if (d->trace == NULL) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return devmgr_error_set(err, -e, "trace %s: %s", path,
					strerror(e));
	}
	/* Line-buffered: a trace is read after a crash, or while running. */
	setvbuf(d->trace, NULL, _IOLBF, 0);
	return 0;
}

static int dbg_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct dbg *d = devmgr_device_priv(dev);
	int rc;

	d->ctx = devmgr_device_ctx(dev);
	d->id = devmgr_device_id(dev);
	d->check = devmgr_param_bool(dev, "check");
	d->strict_iov = devmgr_param_bool(dev, "strict_iov");
	d->max_iovcnt = (int)devmgr_param_int(dev, "max_iovcnt");
	rc = lower_info(dev, d, err);
	if (rc == 0)
		rc = read_schedule(dev, d, err);
	if (rc == 0)
		rc = open_trace(d, devmgr_param_str(dev, "trace"), err);
	if (rc < 0)
		return rc;
	pthread_mutex_init(&d->lock, NULL);
	return 0;
}

static void dbg_destroy(struct devmgr_device *dev)
{
	struct dbg *d = devmgr_device_priv(dev);

	if (d->trace != NULL)
		fclose(d->trace);
	pthread_mutex_destroy(&d->lock);
}

static const struct devmgr_provider dbg_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "blk-debug",
	.help = "blk interposer: contract checks, fault injection, I/O trace",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &dbg_ops,
	.params = dbg_params,
	.on_sig = "blk",
	.on_min = 1,
	.on_max = 1,
	.priv_size = sizeof(struct dbg),
	.create = dbg_create,
	.destroy = dbg_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&dbg_provider,
	NULL,
};

DEVMGR_PLUGIN("blk-debug", "0.1.0", providers, NULL);
