/* provider_blk.c: the blk provider kit (devmgr/provider/blk.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* IOV_MAX */
#endif
#include "internal.h"

#include <devmgr/provider/blk.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

bool devmgr_blk_sector_size_ok(uint64_t v)
{
	return v >= DEVMGR_BLK_SECTOR_MIN && v <= DEVMGR_BLK_SECTOR_MAX &&
	       (v & (v - 1)) == 0;
}

int devmgr_blk_sector_size_param(struct devmgr_device *dev, uint32_t *out,
				 struct devmgr_error *err)
{
	int64_t v = devmgr_param_int(dev, "sector_size");

	if (v < 0 || !devmgr_blk_sector_size_ok((uint64_t)v))
		return devmgr_error_set(err, -EINVAL,
					"sector_size %lld is not a power of "
					"two from 512 to 65536",
					(long long)v);
	*out = (uint32_t)v;
	return 0;
}

__attribute__((format(printf, 4, 5))) static int
refuse(int code, char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_size == 0)
		return code;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return code;
}

int devmgr_blk_range_check(uint64_t sector, uint64_t count, uint64_t sectors,
			   char *why, size_t why_size)
{
	if (sector < sectors && count <= sectors - sector)
		return 0;
	return refuse(-ERANGE, why, why_size,
		      "sectors %llu..+%llu lie outside the device "
		      "(%llu sectors)",
		      (unsigned long long)sector, (unsigned long long)count,
		      (unsigned long long)sectors);
}

/* Whether len is whole sectors; sector_size is a power of two when the
 * provider keeps the contract, but a lower device may not. */
static bool whole(uint64_t len, uint32_t sector_size)
{
	if ((sector_size & (sector_size - 1)) == 0)
		return (len & (sector_size - 1)) == 0;
	return len % sector_size == 0;
}

/* The most bytes a transfer can hold: the device's size, or no limit but
 * the sum's own. */
static uint64_t cap_of(const struct devmgr_blk_rules *r)
{
	if (r->flags & DEVMGR_BLK_SHAPE_FIRST)
		return UINT64_MAX;
	if (r->sectors > UINT64_MAX / r->sector_size)
		return UINT64_MAX;
	return r->sectors * r->sector_size;
}

static int entry_check(const struct devmgr_blk_rules *r, const struct iovec *e,
		       int i, uint64_t total, uint64_t cap, char *why,
		       size_t why_size)
{
	size_t len = e->iov_len;

	if (len > cap - total && !(r->flags & DEVMGR_BLK_SHAPE_FIRST))
		return refuse(-ERANGE, why, why_size,
			      "iov[%d] takes the transfer past the device's "
			      "%llu bytes",
			      i, (unsigned long long)cap);
	if (len > 0 && e->iov_base == NULL)
		return refuse(-EINVAL, why, why_size,
			      "iov[%d] has %zu bytes at NULL", i, len);
	if (r->whole_entries != NULL && !whole(len, r->sector_size))
		return refuse(-EINVAL, why, why_size,
			      "iov[%d] length %zu is not a multiple of the "
			      "sector size %u (%s)",
			      i, len, r->sector_size, r->whole_entries);
	if (len > cap - total)
		return refuse(-EINVAL, why, why_size,
			      "iov lengths overflow at iov[%d]", i);
	return 0;
}

int devmgr_blk_iov_check(const struct devmgr_blk_rules *r,
			 const struct iovec *iov, int iovcnt, uint64_t *bytes,
			 char *why, size_t why_size)
{
	int most = r->max_iovcnt > 0 ? r->max_iovcnt : IOV_MAX;
	uint64_t total = 0, cap;

	if (r->sector_size == 0)
		return refuse(-EINVAL, why, why_size, "the sector size is 0");
	cap = cap_of(r);
	if (iovcnt < 1 || iovcnt > most)
		return refuse(-EINVAL, why, why_size,
			      "iovcnt %d is outside 1..%d", iovcnt, most);
	if (iov == NULL)
		return refuse(-EINVAL, why, why_size, "iov is NULL");
	for (int i = 0; i < iovcnt; i++) {
		int rc = entry_check(r, &iov[i], i, total, cap, why, why_size);

		if (rc < 0)
			return rc;
		total += iov[i].iov_len;
	}
	if (total == 0 || !whole(total, r->sector_size))
		return refuse(-EINVAL, why, why_size,
			      "length %llu is not a non-zero multiple of the "
			      "sector size %u",
			      (unsigned long long)total, r->sector_size);
	*bytes = total;
	return 0;
}

int devmgr_blk_xfer_check(const struct devmgr_blk_rules *r, uint64_t sector,
			  const struct iovec *iov, int iovcnt, uint64_t *count,
			  char *why, size_t why_size)
{
	uint64_t bytes = 0, n;
	int rc = devmgr_blk_iov_check(r, iov, iovcnt, &bytes, why, why_size);

	if (rc < 0)
		return rc;
	n = bytes / r->sector_size;
	*count = n;
	return devmgr_blk_range_check(sector, n, r->sectors, why, why_size);
}
