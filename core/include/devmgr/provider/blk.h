/* devmgr/provider/blk.h: the blk provider kit.  What every blk provider
 * checks the same way, so that each one refuses a transfer with the same
 * code, and spells its sector size parameter the same: the range check,
 * the iovec check of the blk contract (devmgr/sig/blk.h), and the
 * sector_size parameter.  The code is in libdevmgr; a provider built
 * outside devmgr's tree includes this header and links nothing more. */
#ifndef DEVMGR_PROVIDER_BLK_H
#define DEVMGR_PROVIDER_BLK_H

#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>

#include <stdbool.h>
#include <stdint.h>

/* ---- sectors ------------------------------------------------------- */

#define DEVMGR_BLK_SECTOR_MIN 512u
#define DEVMGR_BLK_SECTOR_MAX 65536u

/* True when v is a sector size the blk signature allows: a power of two
 * from 512 to 65536. */
DEVMGR_API bool devmgr_blk_sector_size_ok(uint64_t v);

/* The sector_size parameter, as an entry of a provider's parameter table:
 * the same name, type, default, help and bounds in every provider. */
#define DEVMGR_BLK_PARAM_SECTOR_SIZE                                           \
	{                                                                      \
		"sector_size", DEVMGR_PARAM_INT, 0, "512",                     \
			"bytes per sector: a power of two from 512 to 65536",  \
			DEVMGR_BLK_SECTOR_MIN, DEVMGR_BLK_SECTOR_MAX           \
	}

/* The device's sector_size parameter (a table holding
 * DEVMGR_BLK_PARAM_SECTOR_SIZE), into *out; -EINVAL with *err set
 * ("sector_size 1000 is not a power of two from 512 to 65536") when it is
 * not a power of two.  err->pointer is left to the caller. */
DEVMGR_API int devmgr_blk_sector_size_param(struct devmgr_device *dev,
					    uint32_t *out,
					    struct devmgr_error *err);

/* ---- transfers ----------------------------------------------------- */

/* Sectors sector..sector+count-1 inside a device of `sectors` sectors:
 * 0, or -ERANGE (never clamped; no sum that can wrap).  A range starting
 * at or past the end is -ERANGE even when count is 0: a caller that must
 * refuse count 0 (discard: -EINVAL) does so first.  why (may be NULL)
 * gets the reason: "sectors 8..+2 lie outside the device (9 sectors)". */
DEVMGR_API int devmgr_blk_range_check(uint64_t sector, uint64_t count,
				      uint64_t sectors, char *why,
				      size_t why_size);

enum {
	/* Judge the iovec's shape whole before its extent: lengths whose sum
	 * wraps, and a total that is not whole sectors, are -EINVAL even
	 * when the transfer would also leave the device.  Without it the
	 * running total is held to the device's size, and an entry that
	 * takes it past is -ERANGE at once, before anything else about that
	 * entry is judged (the sum cannot wrap).  The blk contract allows
	 * either for lengths that wrap. */
	DEVMGR_BLK_SHAPE_FIRST = 1u << 0,
};

/* What a transfer is held to; zero what you do not set. */
struct devmgr_blk_rules {
	uint32_t sector_size; /* bytes, a power of two */
	int32_t max_iovcnt;   /* entries at most; 0: IOV_MAX */
	uint64_t sectors;     /* the device's size in sectors */
	uint32_t flags;	      /* DEVMGR_BLK_SHAPE_FIRST */
	uint32_t reserved0;
	/* Non-NULL: every entry must be whole sectors, and the refusal
	 * names this, the setting that asks for it ("strict_iov"). */
	const char *whole_entries;
	uint64_t reserved[2];
};
_Static_assert(sizeof(struct devmgr_blk_rules) == 48, "devmgr_blk_rules ABI");

/* The iovec of a readv or writev against the contract: iovcnt from 1 to
 * the limit, iov not NULL, no entry with bytes at a NULL base, the total
 * a non-zero multiple of the sector size (-EINVAL otherwise), and not
 * more bytes than the device holds (-ERANGE).  0 with *bytes the total.
 * why (may be NULL) gets the reason ("iovcnt 0 is outside 1..1024"). */
DEVMGR_API int devmgr_blk_iov_check(const struct devmgr_blk_rules *r,
				    const struct iovec *iov, int iovcnt,
				    uint64_t *bytes, char *why,
				    size_t why_size);

/* Both checks of a transfer starting at sector: the iovec, then the
 * range.  0, or -EINVAL or -ERANGE with why (may be NULL) saying why.
 * *count gets the transfer's sectors once the iovec passed, so that a
 * refusal of the range can still say how many. */
DEVMGR_API int devmgr_blk_xfer_check(const struct devmgr_blk_rules *r,
				     uint64_t sector, const struct iovec *iov,
				     int iovcnt, uint64_t *count, char *why,
				     size_t why_size);

#endif
