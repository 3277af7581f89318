/* conform_blk.c: the blk signature's conformance cases (sig/blk.h), run
 * in a child process (conform.c).  The kit reads the header's rules
 * as the project's providers implement them: a length that is not a
 * non-zero multiple of the sector size, or an iovcnt outside 1..IOV_MAX, is
 * -EINVAL;
 * a transfer not wholly inside the device is -ERANGE and moves nothing. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* IOV_MAX */
#endif
#include "conform.h"

#include <devmgr/sig/blk.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The device under test, its info, and two sector-sized buffers. */
struct dev {
	struct devmgr_blk *b;
	struct devmgr_blk_info info;
	size_t ss;
};

static bool open_dev(struct conform *c, struct devmgr_blk *b, struct dev *d)
{
	d->b = b;
	memset(&d->info, 0, sizeof(d->info));
	if (!conform_rc_is(c, "info()", devmgr_blk_info(b, &d->info), 0))
		return false;
	d->ss = d->info.sector_size;
	if (d->ss < 512 || d->ss > 65536 || (d->ss & (d->ss - 1)) ||
	    d->info.sectors == 0) {
		conform_fail(c, "info()", "a usable device",
			     "sector_size %zu, %llu sectors", d->ss,
			     (unsigned long long)d->info.sectors);
		return false;
	}
	return true;
}

static void *zalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort(); /* the child dies; the case fails with the signal */
	return p;
}

static char *xfer(char *buf, size_t size, const char *op, uint64_t sector,
		  size_t len)
{
	snprintf(buf, size, "%s(sector %llu, %zu bytes)", op,
		 (unsigned long long)sector, len);
	return buf;
}

/* Read len bytes at sector and compare with want. */
static bool reads_as(struct conform *c, struct dev *d, uint64_t sector,
		     const void *want, size_t len, const char *after)
{
	char what[160];
	uint8_t *in = zalloc(len);
	int rc = devmgr_blk_read(d->b, sector, in, len);

	xfer(what, sizeof(what), "read", sector, len);
	bool ok = conform_rc_is(c, what, rc, 0);
	if (ok && memcmp(in, want, len) != 0) {
		size_t i = 0;
		while (in[i] == ((const uint8_t *)want)[i])
			i++;
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " %s", after);
		conform_fail(c, what, "the bytes written",
			     "a difference at byte %zu (sector %llu)", i,
			     (unsigned long long)(sector + i / d->ss));
		ok = false;
	}
	free(in);
	return ok;
}

static bool writes(struct conform *c, struct dev *d, uint64_t sector,
		   const void *buf, size_t len)
{
	char what[160];
	return conform_rc_is(c, xfer(what, sizeof(what), "write", sector, len),
			     devmgr_blk_write(d->b, sector, buf, len), 0);
}

/* ---- cases ------------------------------------------------------------- */

static enum conform_result blk_info(struct conform *c)
{
	struct devmgr_blk_info a, b;
	uint32_t ss;

	memset(&a, 0, sizeof(a));
	memset(&b, 0xff, sizeof(b));
	if (!conform_rc_is(c, "info()", devmgr_blk_info(c->handle, &a), 0))
		return CONFORM_FAIL;
	ss = a.sector_size;
	if (ss < 512 || ss > 65536 || (ss & (ss - 1)))
		return conform_fail(c, "info().sector_size",
				    "a power of two from 512 to 65536", "%u",
				    ss);
	if (a.sectors == 0)
		return conform_fail(c, "info().sectors", "at least 1", "0");
	if (a.sectors > UINT64_MAX / ss)
		return conform_fail(c, "info().sectors",
				    "a size in bytes that fits 64 bits",
				    "%llu sectors of %u bytes",
				    (unsigned long long)a.sectors, ss);
	if (a.transfer_size == 0 || a.transfer_size % ss)
		return conform_fail(c, "info().transfer_size",
				    "a non-zero multiple of sector_size", "%u",
				    a.transfer_size);
	if (!conform_rc_is(c, "info() again", devmgr_blk_info(c->handle, &b),
			   0))
		return CONFORM_FAIL;
	if (a.sector_size != b.sector_size || a.sectors != b.sectors ||
	    a.transfer_size != b.transfer_size || a.read_only != b.read_only)
		return conform_fail(c, "info() again", "the same answer",
				    "%u/%llu/%u/%d, then %u/%llu/%u/%d", ss,
				    (unsigned long long)a.sectors,
				    a.transfer_size, a.read_only, b.sector_size,
				    (unsigned long long)b.sectors,
				    b.transfer_size, b.read_only);
	return CONFORM_PASS;
}

/* Write and read back one sector at s (read only, on a read-only
 * device). */
static enum conform_result edge_sector(struct conform *c, bool last)
{
	struct dev d;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	uint64_t s = last ? d.info.sectors - 1 : 0;
	uint8_t *out = zalloc(d.ss);
	bool ok;

	conform_fill(out, d.ss, last ? 11 : 10);
	if (d.info.read_only) {
		char what[160];
		ok = conform_rc_is(c, xfer(what, sizeof(what), "read", s, d.ss),
				   devmgr_blk_read(d.b, s, out, d.ss), 0);
	} else {
		ok = writes(c, &d, s, out, d.ss) &&
		     reads_as(c, &d, s, out, d.ss, "after writing it");
	}
	free(out);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

static enum conform_result blk_sector0(struct conform *c)
{
	return edge_sector(c, false);
}

static enum conform_result blk_last(struct conform *c)
{
	return edge_sector(c, true);
}

/* Lengths whose sum wraps have no total: either refusal will do. */
static bool wrap_refused(struct conform *c, const char *what, int rc)
{
	char g[64];

	if (rc == -ERANGE || rc == -EINVAL)
		return true;
	conform_fail(c, what, "-ERANGE or -EINVAL", "%s",
		     conform_rc(rc, g, sizeof(g)));
	return false;
}

/* Every transfer that is not wholly inside the device: -ERANGE, and a
 * write moves nothing (the last sector keeps its bytes). */
static enum conform_result blk_past_end(struct conform *c)
{
	struct dev d;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	uint64_t n = d.info.sectors;
	size_t ss = d.ss;
	uint8_t *buf = zalloc(2 * ss), *keep = zalloc(ss);
	const struct {
		uint64_t sector;
		size_t len;
	} t[] = {
		{ n, ss },		     /* just past the end */
		{ n - 1, 2 * ss },	     /* the last sector and one more */
		{ n + 1, ss },		     /* further */
		{ UINT64_MAX, ss },	     /* the largest sector number */
		{ UINT64_MAX / ss + 1, ss }, /* whose byte offset wraps */
		{ 1ull << 55, ss },
	};
	/* Lengths whose sum wraps to one sector: refused before any byte
	 * moves (the buffers are not that large). */
	struct iovec wrap[] = {
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, ss },
	};
	char what[160];
	bool ok = true;

	ok = conform_rc_is(c, xfer(what, sizeof(what), "read", n - 1, ss),
			   devmgr_blk_read(d.b, n - 1, keep, ss), 0);
	for (size_t i = 0; ok && i < sizeof(t) / sizeof(t[0]); i++) {
		xfer(what, sizeof(what), "read", t[i].sector, t[i].len);
		ok = conform_rc_is(
			c, what,
			devmgr_blk_read(d.b, t[i].sector, buf, t[i].len),
			-ERANGE);
		if (ok && !d.info.read_only) {
			conform_fill(buf, 2 * ss, 13);
			xfer(what, sizeof(what), "write", t[i].sector,
			     t[i].len);
			ok = conform_rc_is(c, what,
					   devmgr_blk_write(d.b, t[i].sector,
							    buf, t[i].len),
					   -ERANGE);
		}
	}
	if (ok)
		ok = wrap_refused(c, "readv(sector 0, lengths that wrap)",
				  devmgr_blk_readv(d.b, 0, wrap, 3));
	if (ok && !d.info.read_only)
		ok = wrap_refused(c, "writev(sector 0, lengths that wrap)",
				  devmgr_blk_writev(d.b, 0, wrap, 3)) &&
		     reads_as(c, &d, n - 1, keep, ss,
			      "after writes past the end were refused");
	free(buf);
	free(keep);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

static enum conform_result blk_zero_length(struct conform *c)
{
	struct dev d;
	uint8_t byte = 0;
	struct iovec none = { &byte, 0 };

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	if (!conform_rc_is(c, "read(sector 0, 0 bytes)",
			   devmgr_blk_read(d.b, 0, &byte, 0), -EINVAL) ||
	    (!d.info.read_only &&
	     !conform_rc_is(c, "write(sector 0, 0 bytes)",
			    devmgr_blk_write(d.b, 0, &byte, 0), -EINVAL)) ||
	    !conform_rc_is(c, "readv(sector 0, iovcnt 0)",
			   devmgr_blk_readv(d.b, 0, &none, 0), -EINVAL) ||
	    !conform_rc_is(c, "readv(sector 0, iovcnt -1)",
			   devmgr_blk_readv(d.b, 0, &none, -1), -EINVAL) ||
	    !conform_rc_is(c, "readv(sector 0, one empty element)",
			   devmgr_blk_readv(d.b, 0, &none, 1), -EINVAL))
		return CONFORM_FAIL;
	return CONFORM_PASS;
}

static enum conform_result blk_misaligned(struct conform *c)
{
	struct dev d;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	size_t ss = d.ss;
	uint64_t s = d.info.sectors > 2 ? 2 : 0;
	uint8_t *buf = zalloc(3 * ss), *keep = zalloc(2 * ss);
	struct iovec odd[] = { { buf, ss - 12 }, { buf + ss - 12, 13 } };
	const size_t lens[] = { 1, ss - 1, ss + 1, 2 * ss - 1 };
	char what[160];
	bool ok = true;

	if (!d.info.read_only && d.info.sectors >= s + 2) {
		conform_fill(keep, 2 * ss, 14);
		ok = writes(c, &d, s, keep, 2 * ss);
	}
	for (size_t i = 0; ok && i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (lens[i] > d.info.sectors * ss)
			continue;
		xfer(what, sizeof(what), "read", s, lens[i]);
		ok = conform_rc_is(c, what,
				   devmgr_blk_read(d.b, s, buf, lens[i]),
				   -EINVAL);
		if (ok && !d.info.read_only) {
			conform_fill(buf, 3 * ss, 15);
			xfer(what, sizeof(what), "write", s, lens[i]);
			ok = conform_rc_is(
				c, what, devmgr_blk_write(d.b, s, buf, lens[i]),
				-EINVAL);
		}
	}
	if (ok)
		ok = conform_rc_is(c, "readv(two elements, sector size + 1)",
				   devmgr_blk_readv(d.b, s, odd, 2), -EINVAL);
	if (ok && !d.info.read_only && d.info.sectors >= s + 2)
		ok = reads_as(c, &d, s, keep, 2 * ss,
			      "after misaligned writes were refused");
	free(buf);
	free(keep);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* Split len bytes at base into n elements of uneven sizes, some empty and
 * some that cross sector boundaries. */
static int split(struct iovec *iov, int n, uint8_t *base, size_t len)
{
	size_t off = 0;
	int i = 0;

	for (; i < n - 1 && off < len; i++) {
		size_t l = (size_t)(i * 37 % 301);
		if (l > len - off)
			l = len - off;
		iov[i].iov_base = base + off;
		iov[i].iov_len = l;
		off += l;
	}
	iov[i].iov_base = base + off;
	iov[i].iov_len = len - off;
	return i + 1;
}

static enum conform_result blk_iovec(struct conform *c)
{
	struct dev d;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	size_t ss = d.ss;
	/* IOV_MAX elements of one byte, the last one holding the rest. */
	size_t len = ((IOV_MAX + ss - 1) / ss) * ss;
	if (len < 4 * ss)
		len = 4 * ss;
	if (d.info.sectors < 1 + len / ss)
		return conform_skip(c, "the device has fewer than %zu sectors",
				    1 + len / ss);
	uint8_t *out = zalloc(len), *in = zalloc(len), *plain = zalloc(len);
	struct iovec *iov = zalloc((IOV_MAX + 1) * sizeof(*iov));
	bool ok = true;
	int n;

	conform_fill(out, len, 16);
	if (!d.info.read_only) {
		n = split(iov, 67, out, len);
		ok = conform_rc_is(c, "writev(sector 1, 67 uneven elements)",
				   devmgr_blk_writev(d.b, 1, iov, n), 0);
		if (ok)
			memcpy(plain, out, len);
	} else {
		ok = conform_rc_is(c, "read(sector 1)",
				   devmgr_blk_read(d.b, 1, plain, len), 0);
	}
	if (ok) {
		n = split(iov, 5, in, len);
		ok = conform_rc_is(c, "readv(sector 1, 5 uneven elements)",
				   devmgr_blk_readv(d.b, 1, iov, n), 0);
		if (ok && memcmp(in, plain, len) != 0) {
			conform_fail(c, "readv(sector 1, 5 elements)",
				     d.info.read_only
					     ? "the bytes read in one piece"
					     : "the bytes written",
				     "other bytes");
			ok = false;
		}
	}
	if (ok) {
		memset(in, 0, len);
		for (n = 0; n < IOV_MAX - 1; n++) {
			iov[n].iov_base = in + n;
			iov[n].iov_len = 1;
		}
		iov[n].iov_base = in + n;
		iov[n].iov_len = len - (size_t)n;
		char what[80];
		snprintf(what, sizeof(what), "readv(sector 1, %d elements)",
			 IOV_MAX);
		ok = conform_rc_is(c, what,
				   devmgr_blk_readv(d.b, 1, iov, IOV_MAX), 0);
		snprintf(what, sizeof(what), "readv(sector 1, %d elements)",
			 IOV_MAX + 1);
		ok = ok &&
		     conform_rc_is(c, what,
				   devmgr_blk_readv(d.b, 1, iov, IOV_MAX + 1),
				   -EINVAL);
		if (ok && memcmp(in, plain, len) != 0) {
			conform_fail(c, what, "the same bytes", "other bytes");
			ok = false;
		}
	}
	free(out);
	free(in);
	free(plain);
	free(iov);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* Bytes written read back, and the sectors around stay as they were. */
static enum conform_result blk_readback(struct conform *c)
{
	struct dev d;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	if (d.info.read_only)
		return conform_skip(c, "the device is read-only");
	if (d.info.sectors < 4)
		return conform_skip(c, "the device has fewer than 4 sectors");
	size_t ss = d.ss;
	uint64_t span = d.info.sectors < 12 ? d.info.sectors : 12;
	uint64_t first = (d.info.sectors - span) / 2;
	size_t len = span * ss;
	uint8_t *out = zalloc(len);
	bool ok;

	/* The whole span, then its inside rewritten, then one sector. */
	conform_fill(out, len, 17);
	ok = writes(c, &d, first, out, len) &&
	     reads_as(c, &d, first, out, len, "after writing it");
	if (ok) {
		conform_fill(out + ss, len - 2 * ss, 18);
		ok = writes(c, &d, first + 1, out + ss, len - 2 * ss) &&
		     reads_as(c, &d, first, out, len,
			      "after rewriting all but its first and last "
			      "sectors");
	}
	if (ok) {
		memset(out + 2 * ss, 0x5a, ss);
		ok = writes(c, &d, first + 2, out + 2 * ss, ss) &&
		     reads_as(c, &d, first, out, len,
			      "after rewriting its third sector");
	}
	free(out);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

static enum conform_result blk_flush(struct conform *c)
{
	struct dev d;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	if (!conform_rc_is(c, "flush()", devmgr_blk_flush(d.b), 0))
		return CONFORM_FAIL;
	if (d.info.read_only)
		return CONFORM_PASS;
	uint8_t *out = zalloc(d.ss);
	bool ok;
	conform_fill(out, d.ss, 19);
	ok = writes(c, &d, d.info.sectors / 2, out, d.ss) &&
	     conform_rc_is(c, "flush() after a write", devmgr_blk_flush(d.b),
			   0) &&
	     reads_as(c, &d, d.info.sectors / 2, out, d.ss, "after flush()");
	free(out);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

static enum conform_result blk_discard(struct conform *c)
{
	struct dev d;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	if (!DEVMGR_HAS_OP(d.b->ops, 0, discard))
		return conform_skip(c, "the provider does not offer discard");
	if (d.info.read_only)
		return conform_skip(c, "the device is read-only "
				       "(see blk.read_only)");
	if (d.info.sectors < 3)
		return conform_skip(c, "the device has fewer than 3 sectors");
	uint64_t n = d.info.sectors, s = n / 2;
	size_t ss = d.ss;
	uint8_t *keep = zalloc(3 * ss), *last = zalloc(ss);
	bool ok;
	int rc;

	conform_fill(keep, 3 * ss, 20);
	ok = writes(c, &d, s - 1, keep, 3 * ss) &&
	     conform_rc_is(c, "read(the last sector)",
			   devmgr_blk_read(d.b, n - 1, last, ss), 0);
	if (!ok)
		goto out;
	rc = devmgr_blk_discard(d.b, s, 1);
	if (rc == -EOPNOTSUPP) {
		free(keep);
		free(last);
		return conform_skip(c,
				    "discard(sector %llu, 1) answered "
				    "-EOPNOTSUPP: not offered here",
				    (unsigned long long)s);
	}
	char what[160];
	snprintf(what, sizeof(what), "discard(sector %llu, 1)",
		 (unsigned long long)s);
	ok = conform_rc_is(c, what, rc, 0);
	/* Only the discarded sector may change. */
	ok = ok &&
	     reads_as(c, &d, s - 1, keep, ss,
		      "after discarding the "
		      "sector after it") &&
	     reads_as(c, &d, s + 1, keep + 2 * ss, ss,
		      "after discarding the sector before it");
	ok = ok && conform_rc_is(c, "discard(sector 0, 0 sectors)",
				 devmgr_blk_discard(d.b, 0, 0), -EINVAL);
	ok = ok && conform_rc_is(c, "discard(the last sector, 2 sectors)",
				 devmgr_blk_discard(d.b, n - 1, 2), -ERANGE);
	ok = ok && conform_rc_is(c, "discard(one past the end, 1 sector)",
				 devmgr_blk_discard(d.b, n, 1), -ERANGE);
	ok = ok &&
	     conform_rc_is(c, "discard(sector UINT64_MAX, 1 sector)",
			   devmgr_blk_discard(d.b, UINT64_MAX, 1), -ERANGE);
	ok = ok &&
	     conform_rc_is(c, "discard(sector 1, UINT64_MAX sectors)",
			   devmgr_blk_discard(d.b, 1, UINT64_MAX), -ERANGE);
	ok = ok && reads_as(c, &d, n - 1, last, ss,
			    "after discards past the end were refused");
out:
	free(keep);
	free(last);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* map (minor 1): the pointer shows the sectors' bytes, also after a
 * write; ranges as readv's. */
static bool mapped_as(struct conform *c, struct dev *d, uint64_t sector,
		      uint64_t count, const void *want, const char *after)
{
	char what[160];
	const void *p = NULL;
	size_t len = (size_t)count * d->ss;

	snprintf(what, sizeof(what), "map(sector %llu, %llu sectors)",
		 (unsigned long long)sector, (unsigned long long)count);
	if (!conform_rc_is(c, what, devmgr_blk_map(d->b, sector, count, &p), 0))
		return false;
	if (p == NULL) {
		conform_fail(c, what, "a pointer", "NULL");
		return false;
	}
	if (memcmp(p, want, len) != 0) {
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " %s", after);
		conform_fail(c, what, "the bytes that read() gives",
			     "other bytes");
		return false;
	}
	return true;
}

static enum conform_result blk_map(struct conform *c)
{
	struct dev d;
	const void *p;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	if (!DEVMGR_HAS_OP(d.b->ops, 1, map))
		return conform_skip(c, "the provider does not offer map");
	uint64_t n = d.info.sectors;
	size_t ss = d.ss;
	uint8_t *buf = zalloc(ss), *last = zalloc(ss);
	bool ok = conform_rc_is(c, "read(sector 0)",
				devmgr_blk_read(d.b, 0, buf, ss), 0) &&
		  conform_rc_is(c, "read(the last sector)",
				devmgr_blk_read(d.b, n - 1, last, ss), 0) &&
		  mapped_as(c, &d, 0, 1, buf, "") &&
		  mapped_as(c, &d, n - 1, 1, last, "");
	if (ok && !d.info.read_only) {
		conform_fill(buf, ss, 22);
		ok = writes(c, &d, n / 2, buf, ss) &&
		     mapped_as(c, &d, n / 2, 1, buf, "after a write");
	}
	ok = ok &&
	     conform_rc_is(c, "map(sector 0, 0 sectors)",
			   devmgr_blk_map(d.b, 0, 0, &p), -EINVAL) &&
	     conform_rc_is(c, "map(the last sector, 2 sectors)",
			   devmgr_blk_map(d.b, n - 1, 2, &p), -ERANGE) &&
	     conform_rc_is(c, "map(one past the end, 1 sector)",
			   devmgr_blk_map(d.b, n, 1, &p), -ERANGE) &&
	     conform_rc_is(c, "map(sector UINT64_MAX, 1 sector)",
			   devmgr_blk_map(d.b, UINT64_MAX, 1, &p), -ERANGE) &&
	     conform_rc_is(c, "map(sector 1, UINT64_MAX sectors)",
			   devmgr_blk_map(d.b, 1, UINT64_MAX, &p), -ERANGE);
	free(buf);
	free(last);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* host_fd (minor 1): the descriptor reads as the device. */
static enum conform_result blk_host_fd(struct conform *c)
{
	struct dev d;
	uint64_t off = 0;
	int fd = -1, rc;

	if (!open_dev(c, c->handle, &d))
		return CONFORM_FAIL;
	if (!DEVMGR_HAS_OP(d.b->ops, 1, host_fd))
		return conform_skip(c, "the provider does not offer host_fd");
	uint64_t n = d.info.sectors;
	size_t ss = d.ss;
	uint8_t *want = zalloc(ss), *got = zalloc(ss);
	bool ok = true;

	rc = devmgr_blk_host_fd(d.b, &fd, &off);
	if (rc == -EOPNOTSUPP) {
		free(want);
		free(got);
		return conform_skip(c, "host_fd answered -EOPNOTSUPP");
	}
	ok = conform_rc_is(c, "host_fd()", rc, 0);
	if (ok && fd < 0) {
		conform_fail(c, "host_fd()", "a descriptor", "%d", fd);
		ok = false;
	}
	if (ok && !d.info.read_only) {
		conform_fill(want, ss, 23);
		ok = writes(c, &d, n / 2, want, ss);
	} else if (ok) {
		ok = conform_rc_is(c, "read(the middle sector)",
				   devmgr_blk_read(d.b, n / 2, want, ss), 0);
	}
	ok = ok &&
	     conform_rc_is(c, "pread(host_fd, the middle sector)",
			   pread(fd, got, ss, (off_t)(off + (n / 2) * ss)),
			   (long)ss);
	if (ok && memcmp(got, want, ss) != 0) {
		conform_fail(c, "pread(host_fd, the middle sector)",
			     "the sector's bytes", "other bytes");
		ok = false;
	}
	free(want);
	free(got);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* The device itself when it is read-only, else its read-only twin. */
static enum conform_result blk_read_only(struct conform *c)
{
	struct devmgr_blk *b = c->handle;
	struct devmgr_blk_info info;
	struct dev d;

	if (devmgr_blk_info(b, &info) == 0 && !info.read_only) {
		if (!c->ro_handle)
			return conform_skip(c, "the device is writable, and %s",
					    c->ro_why);
		b = c->ro_handle;
	}
	if (!open_dev(c, b, &d))
		return CONFORM_FAIL;
	if (!d.info.read_only)
		return conform_fail(c,
				    "info().read_only of the device made "
				    "with read_only=true",
				    "true", "false");
	size_t ss = d.ss;
	uint8_t *before = zalloc(ss), *buf = zalloc(ss);
	struct iovec iov[] = { { buf, ss / 2 }, { buf + ss / 2, ss / 2 } };
	bool ok;

	conform_fill(buf, ss, 21);
	ok = conform_rc_is(c, "read(sector 0)",
			   devmgr_blk_read(b, 0, before, ss), 0) &&
	     conform_rc_is(c, "write(sector 0) on a read-only device",
			   devmgr_blk_write(b, 0, buf, ss), -EROFS) &&
	     conform_rc_is(c, "writev(sector 0) on a read-only device",
			   devmgr_blk_writev(b, 0, iov, 2), -EROFS);
	if (ok && DEVMGR_HAS_OP(b->ops, 0, discard))
		ok = conform_rc_is(c,
				   "discard(sector 0, 1) on a read-only "
				   "device",
				   devmgr_blk_discard(b, 0, 1), -EROFS);
	ok = ok &&
	     conform_rc_is(c, "flush() on a read-only device",
			   devmgr_blk_flush(b), 0) &&
	     reads_as(c, &d, 0, before, ss, "after the writes were refused");
	free(before);
	free(buf);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

const struct conform_case conform_blk_cases[] = {
	{ "blk.info",
	  "info() answers 0, the same twice; sector_size a power "
	  "of two from 512 to 65536, sectors at least 1, "
	  "transfer_size a non-zero multiple of sector_size",
	  blk_info },
	{ "blk.sector0",
	  "sector 0 written reads back (read only, on a "
	  "read-only device)",
	  blk_sector0 },
	{ "blk.last_sector", "the last sector written reads back", blk_last },
	{ "blk.past_end",
	  "reads and writes at or across the end, at "
	  "UINT64_MAX, at a wrapping byte offset, and with "
	  "lengths whose sum wraps are -ERANGE and move "
	  "nothing (never clamped)",
	  blk_past_end },
	{ "blk.zero_length",
	  "a zero-byte transfer, iovcnt 0 or -1, and a "
	  "single empty element are -EINVAL",
	  blk_zero_length },
	{ "blk.misaligned",
	  "lengths that are not a multiple of the sector "
	  "size, in one element or two, are -EINVAL and "
	  "write nothing",
	  blk_misaligned },
	{ "blk.iovec",
	  "a write split into 67 uneven elements (some empty, "
	  "some across sectors) reads back through 5 elements "
	  "and through IOV_MAX elements; IOV_MAX + 1 elements "
	  "are -EINVAL",
	  blk_iovec },
	{ "blk.readback",
	  "data written reads back; rewriting part of a "
	  "range leaves the rest and the sectors around it "
	  "as they were",
	  blk_readback },
	{ "blk.flush",
	  "flush() answers 0, also after a write, and the data "
	  "is still there",
	  blk_flush },
	{ "blk.discard",
	  "when offered: discard of one sector leaves its "
	  "neighbours; count 0 is -EINVAL; past or across "
	  "the end -ERANGE, never clamped",
	  blk_discard },
	{ "blk.read_only",
	  "a read-only device (the device, or one made "
	  "with read_only=true) says so in info(), reads, "
	  "refuses write, writev and discard with -EROFS "
	  "and changes nothing; flush() answers 0",
	  blk_read_only },
	{ "blk.map",
	  "when offered (minor 1): map of the first and the last "
	  "sector shows what read() gives, and a write (to the "
	  "middle sector) shows through it; count 0 is -EINVAL; past or across "
	  "the "
	  "end, at UINT64_MAX and with a wrapping count -ERANGE",
	  blk_map },
	{ "blk.host_fd",
	  "when offered (minor 1): pread of the descriptor at its offset "
	  "plus the middle sector's gives that sector (written first on a "
	  "writable device)",
	  blk_host_fd },
	{ NULL, NULL, NULL },
};
