/* blkfront.h: the parts of blk-xen that need no hypervisor: how a transfer
 * is split into blkif requests over the grant page pool, which request ids
 * are in flight, and strict parsing of the backend's xenstore values.
 * tests/unit/test_blkfront.c drives them directly. */
#ifndef DEVMGR_BLKFRONT_H
#define DEVMGR_BLKFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BF_PAGE	      4096u /* a grant is one page */
#define BF_SECT	      512u  /* blkif counts 512-byte sectors */
#define BF_SECTS_PAGE (BF_PAGE / BF_SECT)
#define BF_SEGS	      11u /* BLKIF_MAX_SEGMENTS_PER_REQUEST */
#define BF_RING_SLOTS 32u /* requests in a one-page blkif ring */
#define BF_POOL_PAGES (BF_RING_SLOTS * BF_SEGS)

/* One segment: a pool page and the 512-byte sectors of it in use
 * (inclusive, as blkif's first_sect/last_sect). */
struct bf_seg {
	uint32_t page;
	uint8_t first, last;
};

/* One read or write request of a plan. */
struct bf_req {
	uint64_t sector; /* first 512-byte sector on the disk */
	uint32_t nseg;
	uint32_t bytes;
	struct bf_seg seg[BF_SEGS];
};

/* Split a transfer of bytes (a non-zero multiple of 512) starting at the
 * 512-byte sector `sector` into requests of at most `segs` segments,
 * packed into consecutive pool pages from page 0, every segment but a
 * request's last a full page.  At most max requests are filled.  Returns
 * the number of requests, -EINVAL for a length that is not whole sectors
 * or segs outside 1..BF_SEGS, -E2BIG when it needs more than max requests,
 * -ERANGE when the last sector would pass 2^64. */
int bf_plan(uint64_t sector, size_t bytes, unsigned segs, struct bf_req *out,
	    unsigned max);

/* Request ids in flight: one bit per ring slot. */
struct bf_ids {
	uint64_t busy;
	unsigned n; /* slots, at most 64 */
};

void bf_ids_init(struct bf_ids *ids, unsigned n);
/* A free id, marked busy, or -EBUSY when all are. */
int bf_ids_get(struct bf_ids *ids);
/* Release an id that the backend answered: 0, or -EPROTO when the id is
 * not one that is in flight (a garbage or repeated answer). */
int bf_ids_put(struct bf_ids *ids, uint64_t id);
unsigned bf_ids_busy(const struct bf_ids *ids);

/* Strict unsigned decimal, as the xenstore source reads integers: digits
 * only, no sign or spaces, no leading zero (but "0"), at most max.  0 or
 * -EINVAL. */
int bf_uint(const char *s, uint64_t max, uint64_t *out);
/* A backend feature flag: absent (NULL) is false; "0" or "1"; anything
 * else is -EINVAL. */
int bf_flag(const char *s, bool *out);

/* What blkif status a response carried, as a negative errno: OKAY 0,
 * EOPNOTSUPP -EOPNOTSUPP, ERROR -EIO; any other value is -EPROTO. */
int bf_status(int16_t status);

#endif
