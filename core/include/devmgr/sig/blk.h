/* devmgr/sig/blk.h: the block device signature, v1.1.  A blk device is an
 * array of sectors; every transfer is whole sectors inside the device.
 * Minor 1 added map and host_fd (optional): the device's bytes, borrowed
 * in place or as a host file. */
#ifndef DEVMGR_SIG_BLK_H
#define DEVMGR_SIG_BLK_H

#include <devmgr/sig.h>

#define DEVMGR_BLK_MAJOR 1
#define DEVMGR_BLK_MINOR 1

struct devmgr_blk;

/* Caller supplies the storage. */
struct devmgr_blk_info {
	uint32_t sector_size;	/* bytes, a power of two, 512..65536 */
	uint32_t transfer_size; /* preferred transfer size in bytes */
	uint64_t sectors;	/* device size in sectors */
	bool read_only;
	uint8_t reserved[15];
};

struct devmgr_blk_ops {
	uint32_t minor; /* DEVMGR_BLK_MINOR when built */
	uint32_t reserved;
	/* valid for minor 0 */
	/* out arrives zeroed by the core's wrapper: set what you know. */
	int (*info)(struct devmgr_blk *b,
		    struct devmgr_blk_info *out); /* required */
	/* Transfer the iovec's bytes from/to the sectors starting at
	 * sector.  The total must be a non-zero multiple of the sector size
	 * and lie inside the device (-ERANGE otherwise, never clamped).
	 * Returns 0 when everything moved, or a negative errno. */
	int (*readv)(struct devmgr_blk *b, uint64_t sector,
		     const struct iovec *iov, int iovcnt); /* required */
	int (*writev)(struct devmgr_blk *b, uint64_t sector,
		      const struct iovec *iov, int iovcnt); /* required;
							       -EROFS when
							       read-only */
	int (*flush)(struct devmgr_blk *b);		    /* required */
	int (*discard)(struct devmgr_blk *b, uint64_t sector,
		       uint64_t count); /* optional */
	/* valid for minor 1 */
	/* Borrow count sectors from sector in place: *out points at their
	 * bytes, contiguous, for as long as the device lives (blk-ram: its
	 * memory).  Writes to those sectors show through the pointer; the
	 * caller only reads it.  count 0 is -EINVAL; a range past the end
	 * is -ERANGE, as for readv.  Optional: a provider that cannot lend
	 * its bytes leaves it NULL (the wrapper answers -EOPNOTSUPP). */
	int (*map)(struct devmgr_blk *b, uint64_t sector, uint64_t count,
		   const void **out); /* optional */
	/* A host file descriptor holding the device's bytes, byte N of the
	 * device at *off + N (blk-ram: its memfd), for sendfile(2).  Owned
	 * by the device, valid while it lives; the caller only reads it at
	 * explicit offsets.  Optional (-EOPNOTSUPP from the wrapper). */
	int (*host_fd)(struct devmgr_blk *b, int *fd,
		       uint64_t *off); /* optional */
};

struct devmgr_blk {
	DEVMGR_HANDLE_HEAD(devmgr_blk_ops);
};

typedef DEVMGR_SET_OF(devmgr_blk) devmgr_blk_set;

static inline int devmgr_blk_info(struct devmgr_blk *b,
				  struct devmgr_blk_info *out)
{
	memset(out, 0, sizeof(*out)); /* the provider sets what it knows */
	return b->ops->info(b, out);
}

static inline int devmgr_blk_readv(struct devmgr_blk *b, uint64_t sector,
				   const struct iovec *iov, int iovcnt)
{
	return b->ops->readv(b, sector, iov, iovcnt);
}

static inline int devmgr_blk_writev(struct devmgr_blk *b, uint64_t sector,
				    const struct iovec *iov, int iovcnt)
{
	return b->ops->writev(b, sector, iov, iovcnt);
}

static inline int devmgr_blk_read(struct devmgr_blk *b, uint64_t sector,
				  void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	return b->ops->readv(b, sector, &iov, 1);
}

static inline int devmgr_blk_write(struct devmgr_blk *b, uint64_t sector,
				   const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	return b->ops->writev(b, sector, &iov, 1);
}

static inline int devmgr_blk_flush(struct devmgr_blk *b)
{
	return b->ops->flush(b);
}

static inline int devmgr_blk_discard(struct devmgr_blk *b, uint64_t sector,
				     uint64_t count)
{
	if (!DEVMGR_HAS_OP(b->ops, 0, discard))
		return -EOPNOTSUPP;
	return b->ops->discard(b, sector, count);
}

/* -EOPNOTSUPP from a provider without map, or built before minor 1. */
static inline int devmgr_blk_map(struct devmgr_blk *b, uint64_t sector,
				 uint64_t count, const void **out)
{
	if (!DEVMGR_HAS_OP(b->ops, 1, map))
		return -EOPNOTSUPP;
	return b->ops->map(b, sector, count, out);
}

/* -EOPNOTSUPP from a provider without host_fd, or built before minor 1. */
static inline int devmgr_blk_host_fd(struct devmgr_blk *b, int *fd,
				     uint64_t *off)
{
	if (!DEVMGR_HAS_OP(b->ops, 1, host_fd))
		return -EOPNOTSUPP;
	return b->ops->host_fd(b, fd, off);
}

#endif
