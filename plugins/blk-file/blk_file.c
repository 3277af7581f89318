/* blk-file: a block device backed by a regular file (a disk image) or by a
 * host block device, optionally with O_DIRECT. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_DIRECT, fallocate, statx */
#endif
#include <devmgr/provider/blk.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unaligned O_DIRECT transfers are bounced through at most this much. */
#define BOUNCE_MAX (256u * 1024)

struct bfile {
	int fd;
	uint32_t sector_size;
	unsigned shift; /* log2(sector_size) */
	uint32_t transfer_size;
	/* With O_DIRECT, the alignment of buffer addresses and lengths that
	 * the kernel accepts; 0 without O_DIRECT. */
	size_t dio_align;
	uint64_t sectors;
	bool read_only;
};

static int file_info(struct devmgr_blk *b, struct devmgr_blk_info *out)
{
	const struct bfile *f = b->priv;

	out->sector_size = f->sector_size;
	out->transfer_size = f->transfer_size;
	out->sectors = f->sectors;
	out->read_only = f->read_only;
	return 0;
}

/* The transfer's length in bytes, or a negative errno. */
static int64_t file_span(const struct bfile *f, uint64_t sector,
			 const struct iovec *iov, int iovcnt)
{
	const struct devmgr_blk_rules rules = {
		.sector_size = f->sector_size,
		.sectors = f->sectors,
	};
	uint64_t count;
	int rc = devmgr_blk_xfer_check(&rules, sector, iov, iovcnt, &count,
				       NULL, 0);

	return rc < 0 ? rc : (int64_t)(count << f->shift);
}

/* Move every byte of the iovec, resuming after short transfers and
 * signals.  Running out of file inside the device means the file shrank
 * under us: -EIO rather than a silent short read.  A single buffer goes
 * through pread/pwrite, which skip preadv's iovec import and are
 * measurably faster for small transfers. */
static int rw_all(int fd, bool write, const struct iovec *iov, int iovcnt,
		  off_t off)
{
	size_t skip = 0; /* bytes of iov[0] already moved */

	while (iovcnt > 0) {
		ssize_t n;

		if (iovcnt == 1 || skip > 0) {
			char *base = (char *)iov->iov_base + skip;
			size_t len = iov->iov_len - skip;

			n = write ? pwrite(fd, base, len, off)
				  : pread(fd, base, len, off);
		} else {
			n = write ? pwritev(fd, iov, iovcnt, off)
				  : preadv(fd, iov, iovcnt, off);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		off += n;
		skip += (size_t)n;
		while (iovcnt > 0 && skip >= iov->iov_len) {
			skip -= iov->iov_len;
			iov++;
			iovcnt--;
		}
	}
	return 0;
}

static bool iov_aligned(const struct iovec *iov, int iovcnt, size_t align)
{
	for (int i = 0; i < iovcnt; i++) {
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (align - 1))
			return false;
	}
	return true;
}

struct iov_cursor {
	const struct iovec *iov;
	size_t skip;
};

/* Copy len bytes between buf and the iovec at *c, and advance *c. */
static void iov_copy(struct iov_cursor *c, uint8_t *buf, size_t len,
		     bool to_iov)
{
	while (len > 0) {
		size_t n = c->iov->iov_len - c->skip;

		if (n > len)
			n = len;
		if (n > 0) { /* an empty entry's iov_base may be NULL */
			uint8_t *p = (uint8_t *)c->iov->iov_base + c->skip;

			memcpy(to_iov ? p : buf, to_iov ? buf : p, n);
			buf += n;
			len -= n;
			c->skip += n;
		}
		if (c->skip == c->iov->iov_len) {
			c->iov++;
			c->skip = 0;
		}
	}
}

/* O_DIRECT refuses buffers that are not aligned: move the data through an
 * aligned buffer instead, a chunk at a time. */
static int rw_bounce(const struct bfile *f, bool write, const struct iovec *iov,
		     size_t total, off_t off)
{
	struct iov_cursor c = { .iov = iov };
	size_t size = total < BOUNCE_MAX ? total : BOUNCE_MAX;
	void *buf;
	int rc = 0;

	if (posix_memalign(&buf, f->dio_align, size) != 0)
		return -ENOMEM;
	while (rc == 0 && total > 0) {
		size_t n = total < size ? total : size;
		struct iovec one = { .iov_base = buf, .iov_len = n };

		if (write)
			iov_copy(&c, buf, n, false);
		rc = rw_all(f->fd, write, &one, 1, off);
		if (rc == 0 && !write)
			iov_copy(&c, buf, n, true);
		off += (off_t)n;
		total -= n;
	}
	free(buf);
	return rc;
}

static int file_rw(const struct bfile *f, bool write, uint64_t sector,
		   const struct iovec *iov, int iovcnt)
{
	int64_t total = file_span(f, sector, iov, iovcnt);
	off_t off = (off_t)(sector << f->shift);

	if (total < 0)
		return (int)total;
	if (f->dio_align != 0 && !iov_aligned(iov, iovcnt, f->dio_align))
		return rw_bounce(f, write, iov, (size_t)total, off);
	return rw_all(f->fd, write, iov, iovcnt, off);
}

static int file_readv(struct devmgr_blk *b, uint64_t sector,
		      const struct iovec *iov, int iovcnt)
{
	return file_rw(b->priv, false, sector, iov, iovcnt);
}

static int file_writev(struct devmgr_blk *b, uint64_t sector,
		       const struct iovec *iov, int iovcnt)
{
	const struct bfile *f = b->priv;

	if (f->read_only)
		return -EROFS;
	return file_rw(f, true, sector, iov, iovcnt);
}

static int file_flush(struct devmgr_blk *b)
{
	const struct bfile *f = b->priv;

	return fdatasync(f->fd) < 0 ? -errno : 0;
}

/* Punching a hole frees the space and reads back as zeros; on a block
 * device the kernel zeroes (or discards) the range instead. */
static int file_discard(struct devmgr_blk *b, uint64_t sector, uint64_t count)
{
	const struct bfile *f = b->priv;

	if (f->read_only)
		return -EROFS;
	if (count == 0)
		return -EINVAL;
	if (devmgr_blk_range_check(sector, count, f->sectors, NULL, 0) < 0)
		return -ERANGE;
	if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(sector << f->shift),
		      (off_t)(count << f->shift)) < 0)
		return -errno;
	return 0;
}

static const struct devmgr_blk_ops file_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = file_info,
	.readv = file_readv,
	.writev = file_writev,
	.flush = file_flush,
	.discard = file_discard,
};

static const struct devmgr_param file_params[] = {
	{ "path", DEVMGR_PARAM_PATH, DEVMGR_PARAM_REQUIRED, NULL,
	  "disk image file or host block device", 0, 0 },
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "false",
	  "open read-only; writes and discards fail with EROFS", 0, 0 },
	DEVMGR_BLK_PARAM_SECTOR_SIZE,
	{ "direct", DEVMGR_PARAM_BOOL, 0, "false",
	  "bypass the host page cache (O_DIRECT)", 0, 0 },
	{ NULL },
};

static int file_open(const char *path, bool read_only, bool direct, int *fd,
		     struct devmgr_error *err)
{
	int flags = O_CLOEXEC | (read_only ? O_RDONLY : O_RDWR);
	int e;

	if (direct)
		flags |= O_DIRECT;
	*fd = open(path, flags);
	if (*fd >= 0)
		return 0;
	e = errno;
	if (direct && e == EINVAL)
		return devmgr_error_set(err, -EINVAL,
					"open %s: the file system does not "
					"support O_DIRECT (direct=true)",
					path);
	return devmgr_error_set(err, -e, "open %s: %s", path, strerror(e));
}

/* Size in sectors and preferred transfer size, from the file or from the
 * block device behind it. */
static int file_geometry(struct bfile *f, const char *path, struct stat *st,
			 struct devmgr_error *err)
{
	uint64_t size;
	int e;

	if (fstat(f->fd, st) < 0) {
		e = errno;
		return devmgr_error_set(err, -e, "stat %s: %s", path,
					strerror(e));
	}
	if (S_ISREG(st->st_mode)) {
		size = (uint64_t)st->st_size;
	} else if (!S_ISBLK(st->st_mode)) {
		return devmgr_error_set(err, -EINVAL,
					"%s is not a regular file or a block "
					"device",
					path);
	} else if (ioctl(f->fd, BLKGETSIZE64, &size) < 0) {
		e = errno;
		return devmgr_error_set(err, -e, "BLKGETSIZE64 %s: %s", path,
					strerror(e));
	}
	if (size == 0)
		return devmgr_error_set(err, -EINVAL, "%s is empty", path);
	if (size % f->sector_size != 0)
		return devmgr_error_set(err, -EINVAL,
					"%s: size %llu is not a multiple of "
					"sector_size %u",
					path, (unsigned long long)size,
					f->sector_size);
	f->sectors = size >> f->shift;
	f->transfer_size = st->st_blksize > f->sector_size
				   ? (uint32_t)st->st_blksize
				   : f->sector_size;
	return 0;
}

/* What O_DIRECT will accept here.  A file offset alignment larger than a
 * sector (a 4096-byte disk under 512-byte sectors) would fail every
 * single-sector transfer, so it is refused now, once, by name. */
static int dio_alignment(struct bfile *f, const char *path,
			 const struct stat *st, struct devmgr_error *err)
{
	unsigned off_align = 0, mem_align = 0;
	int lbs;
#ifdef STATX_DIOALIGN
	struct statx stx;

	if (statx(f->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN)) {
		if (stx.stx_dio_offset_align == 0)
			return devmgr_error_set(err, -EINVAL,
						"%s: the file system does not "
						"support O_DIRECT "
						"(direct=true)",
						path);
		off_align = stx.stx_dio_offset_align;
		mem_align = stx.stx_dio_mem_align;
	}
#endif
	if (off_align == 0 && S_ISBLK(st->st_mode) &&
	    ioctl(f->fd, BLKSSZGET, &lbs) == 0 && lbs > 0)
		off_align = (unsigned)lbs;
	if (off_align > f->sector_size)
		return devmgr_error_set(err, -EINVAL,
					"%s: O_DIRECT needs %u-byte alignment, "
					"more than sector_size %u",
					path, off_align, f->sector_size);
	f->dio_align = mem_align > f->sector_size ? mem_align : f->sector_size;
	return 0;
}

static int file_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct bfile *f = devmgr_device_priv(dev);
	const char *path = devmgr_param_str(dev, "path");
	bool direct = devmgr_param_bool(dev, "direct");
	struct stat st;
	int rc = devmgr_blk_sector_size_param(dev, &f->sector_size, err);

	if (rc < 0)
		return rc;
	f->shift = (unsigned)__builtin_ctz(f->sector_size);
	f->read_only = devmgr_param_bool(dev, "read_only");
	rc = file_open(path, f->read_only, direct, &f->fd, err);
	if (rc < 0)
		return rc;
	rc = file_geometry(f, path, &st, err);
	if (rc == 0 && direct)
		rc = dio_alignment(f, path, &st, err);
	if (rc < 0)
		close(f->fd);
	return rc;
}

static void file_destroy(struct devmgr_device *dev)
{
	struct bfile *f = devmgr_device_priv(dev);

	close(f->fd);
}

static const struct devmgr_provider file_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "blk-file",
	.help = "block device on a disk image file or a host block device",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &file_ops,
	.params = file_params,
	.priv_size = sizeof(struct bfile),
	.create = file_create,
	.destroy = file_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&file_provider,
	NULL,
};

DEVMGR_PLUGIN("blk-file", "0.1.0", providers, NULL);
