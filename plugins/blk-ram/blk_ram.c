/* blk-ram: a block device in memory, optionally filled from an image
 * file when it is created.
 *
 * The memory is a memfd mapped shared, so a device costs nothing until
 * its sectors are written: many large, sparse RAM disks fit in a small
 * machine, and discard can hand whole pages back (a hole punched in the
 * memfd).  Being a file, the memory can also be sent by sendfile(2)
 * (host_fd): the kernel takes its pages by reference. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <devmgr/provider/blk.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM_TRANSFER_SIZE (64u * 1024)

struct ram {
	int fd; /* the memfd behind mem */
	uint8_t *mem;
	size_t bytes;
	uint64_t sectors;
	uint32_t sector_size;
	unsigned shift; /* log2(sector_size) */
	size_t page_size;
	bool read_only;
};

static int ram_info(struct devmgr_blk *b, struct devmgr_blk_info *out)
{
	const struct ram *r = b->priv;

	out->sector_size = r->sector_size;
	out->transfer_size =
		r->bytes < RAM_TRANSFER_SIZE ? r->bytes : RAM_TRANSFER_SIZE;
	out->sectors = r->sectors;
	out->read_only = r->read_only;
	return 0;
}

/* Where the transfer starts in memory, or NULL with *rc set. */
static uint8_t *ram_span(const struct ram *r, uint64_t sector,
			 const struct iovec *iov, int iovcnt, int *rc)
{
	const struct devmgr_blk_rules rules = {
		.sector_size = r->sector_size,
		.sectors = r->sectors,
	};
	uint64_t count;

	*rc = devmgr_blk_xfer_check(&rules, sector, iov, iovcnt, &count, NULL,
				    0);
	if (*rc < 0)
		return NULL;
	return r->mem + (sector << r->shift);
}

static int ram_readv(struct devmgr_blk *b, uint64_t sector,
		     const struct iovec *iov, int iovcnt)
{
	const struct ram *r = b->priv;
	int rc;
	const uint8_t *p = ram_span(r, sector, iov, iovcnt, &rc);

	if (p == NULL)
		return rc;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0) /* iov_base may be NULL */
			continue;
		memcpy(iov[i].iov_base, p, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return 0;
}

static int ram_writev(struct devmgr_blk *b, uint64_t sector,
		      const struct iovec *iov, int iovcnt)
{
	const struct ram *r = b->priv;
	int rc;
	uint8_t *p;

	if (r->read_only)
		return -EROFS;
	p = ram_span(r, sector, iov, iovcnt, &rc);
	if (p == NULL)
		return rc;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return 0;
}

static int ram_flush(struct devmgr_blk *b)
{
	(void)b;
	return 0;
}

/* Whole pages go back to the kernel (they read as zeros afterwards, as
 * MADV_DONTNEED does for private anonymous memory); the partial pages at
 * either end are cleared by hand. */
static int ram_discard(struct devmgr_blk *b, uint64_t sector, uint64_t count)
{
	const struct ram *r = b->priv;
	size_t start, end, page_lo, page_hi;

	if (r->read_only)
		return -EROFS;
	if (count == 0)
		return -EINVAL;
	if (devmgr_blk_range_check(sector, count, r->sectors, NULL, 0) < 0)
		return -ERANGE;
	start = sector << r->shift;
	end = start + (count << r->shift);
	page_lo = (start + r->page_size - 1) & ~(r->page_size - 1);
	page_hi = end & ~(r->page_size - 1);
	if (page_lo >= page_hi) {
		memset(r->mem + start, 0, end - start);
		return 0;
	}
	memset(r->mem + start, 0, page_lo - start);
	if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)page_lo, (off_t)(page_hi - page_lo)) < 0)
		memset(r->mem + page_lo, 0, page_hi - page_lo);
	memset(r->mem + page_hi, 0, end - page_hi);
	return 0;
}

/* The memory itself: it stays mapped until the device is destroyed (a
 * discard zeroes pages, it never unmaps them). */
static int ram_lend(struct devmgr_blk *b, uint64_t sector, uint64_t count,
		    const void **out)
{
	const struct ram *r = b->priv;

	if (count == 0)
		return -EINVAL;
	if (devmgr_blk_range_check(sector, count, r->sectors, NULL, 0) < 0)
		return -ERANGE;
	*out = r->mem + (sector << r->shift);
	return 0;
}

/* The memfd: the device's byte N is the file's byte N. */
static int ram_host_fd(struct devmgr_blk *b, int *fd, uint64_t *off)
{
	const struct ram *r = b->priv;

	*fd = r->fd;
	*off = 0;
	return 0;
}

static const struct devmgr_blk_ops ram_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = ram_info,
	.readv = ram_readv,
	.writev = ram_writev,
	.flush = ram_flush,
	.discard = ram_discard,
	.map = ram_lend,
	.host_fd = ram_host_fd,
};

static const struct devmgr_param ram_params[] = {
	{ "size", DEVMGR_PARAM_SIZE, DEVMGR_PARAM_ONE_OF, NULL,
	  "device size in bytes (\"64M\"); required unless image is given; "
	  "defaults to the image size",
	  0, 0 },
	DEVMGR_BLK_PARAM_SECTOR_SIZE,
	{ "image", DEVMGR_PARAM_PATH, DEVMGR_PARAM_ONE_OF, NULL,
	  "file whose contents are copied into the device when it is created",
	  0, 0 },
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "false",
	  "refuse writes and discards", 0, 0 },
	{ NULL },
};

/* Copy exactly len bytes of the image into mem. */
static int read_image(int fd, const char *path, uint8_t *mem, size_t len,
		      struct devmgr_error *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, mem + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			return devmgr_error_set(err, -e, "read %s: %s", path,
						strerror(e));
		}
		if (n == 0)
			return devmgr_error_set(err, -EIO,
						"read %s: the file shrank "
						"while being copied",
						path);
		done += (size_t)n;
	}
	return 0;
}

static int open_image(const char *path, uint32_t sector_size, int *fd,
		      size_t *len, struct devmgr_error *err)
{
	struct stat st;
	int rc, e;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		e = errno;
		return devmgr_error_set(err, -e, "open %s: %s", path,
					strerror(e));
	}
	if (fstat(*fd, &st) < 0) {
		e = errno;
		rc = devmgr_error_set(err, -e, "stat %s: %s", path,
				      strerror(e));
	} else if (!S_ISREG(st.st_mode)) {
		rc = devmgr_error_set(err, -EINVAL,
				      "image %s is not a regular file", path);
	} else if (st.st_size % sector_size != 0) {
		rc = devmgr_error_set(err, -EINVAL,
				      "image %s: size %lld is not a multiple "
				      "of sector_size %u",
				      path, (long long)st.st_size, sector_size);
	} else {
		*len = (size_t)st.st_size;
		return 0;
	}
	close(*fd);
	*fd = -1;
	return rc;
}

/* The "size" parameter, when given. */
static int size_param(struct devmgr_device *dev, uint32_t sector_size,
		      int64_t *out, struct devmgr_error *err)
{
	int64_t size = devmgr_param_int(dev, "size");

	if (size <= 0 || size % sector_size != 0)
		return devmgr_error_set(err, -EINVAL,
					"size %lld is not a non-zero multiple "
					"of sector_size %u",
					(long long)size, sector_size);
	if ((uint64_t)size > SIZE_MAX)
		return devmgr_error_set(err, -EFBIG,
					"size %lld does not fit in memory",
					(long long)size);
	*out = size;
	return 0;
}

/* The device size: the "size" parameter, or the image's size without it. */
static int device_size(struct devmgr_device *dev, const char *image,
		       size_t image_len, uint32_t sector_size, size_t *out,
		       struct devmgr_error *err)
{
	int64_t size = 0;
	int rc;

	if (!devmgr_param_present(dev, "size")) {
		if (image_len == 0)
			return devmgr_error_set(err, -EINVAL,
						"image %s is empty", image);
		*out = image_len;
		return 0;
	}
	rc = size_param(dev, sector_size, &size, err);
	if (rc < 0)
		return rc;
	if (image != NULL && image_len > (uint64_t)size)
		return devmgr_error_set(err, -EINVAL,
					"image %s (%zu bytes) is larger than "
					"size %lld",
					image, image_len, (long long)size);
	*out = (size_t)size;
	return 0;
}

static int ram_map(struct ram *r, size_t bytes, struct devmgr_error *err)
{
	int fd = memfd_create("blk-ram", MFD_CLOEXEC);
	void *mem = MAP_FAILED;
	int e;

	if (fd < 0) {
		e = errno;
		return devmgr_error_set(err, -e, "memfd_create: %s",
					strerror(e));
	}
	if (ftruncate(fd, (off_t)bytes) == 0)
		mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
	if (mem == MAP_FAILED) {
		e = errno;
		close(fd);
		return devmgr_error_set(err, -e, "memory of %zu bytes: %s",
					bytes, strerror(e));
	}
	r->fd = fd;
	r->mem = mem;
	r->bytes = bytes;
	return 0;
}

static void ram_unmap(struct ram *r)
{
	munmap(r->mem, r->bytes);
	close(r->fd);
}

static int ram_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct ram *r = devmgr_device_priv(dev);
	const char *image = devmgr_param_str(dev, "image");
	size_t image_len = 0, bytes = 0;
	int fd = -1;
	int rc = devmgr_blk_sector_size_param(dev, &r->sector_size, err);

	if (rc < 0)
		return rc;
	if (image == NULL && !devmgr_param_present(dev, "size"))
		return devmgr_error_set(err, -EINVAL,
					"needs \"size\" or \"image\"");
	if (image != NULL) {
		rc = open_image(image, r->sector_size, &fd, &image_len, err);
		if (rc < 0)
			return rc;
	}
	rc = device_size(dev, image, image_len, r->sector_size, &bytes, err);
	if (rc == 0)
		rc = ram_map(r, bytes, err);
	if (rc == 0 && fd >= 0) {
		rc = read_image(fd, image, r->mem, image_len, err);
		if (rc < 0)
			ram_unmap(r);
	}
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		return rc;
	r->shift = (unsigned)__builtin_ctz(r->sector_size);
	r->sectors = r->bytes >> r->shift;
	r->page_size = (size_t)sysconf(_SC_PAGESIZE);
	r->read_only = devmgr_param_bool(dev, "read_only");
	return 0;
}

/* What ram_create() refuses before it opens or maps anything. */
static int ram_check(struct devmgr_device *dev, struct devmgr_error *err)
{
	uint32_t sector_size = 0;
	int64_t size = 0;
	int rc = devmgr_blk_sector_size_param(dev, &sector_size, err);

	if (rc < 0) {
		snprintf(err->pointer, sizeof(err->pointer), "sector_size");
		return rc;
	}
	if (!devmgr_param_present(dev, "size"))
		return 0;
	rc = size_param(dev, sector_size, &size, err);
	if (rc < 0)
		snprintf(err->pointer, sizeof(err->pointer), "size");
	return rc;
}

static void ram_destroy(struct devmgr_device *dev)
{
	ram_unmap(devmgr_device_priv(dev));
}

static const struct devmgr_provider ram_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "blk-ram",
	.help = "block device in memory, optionally copied from an image file",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &ram_ops,
	.params = ram_params,
	.priv_size = sizeof(struct ram),
	.create = ram_create,
	.destroy = ram_destroy,
	.check = ram_check,
};

static const struct devmgr_provider *const providers[] = {
	&ram_provider,
	NULL,
};

DEVMGR_PLUGIN("blk-ram", "0.1.0", providers, NULL);
