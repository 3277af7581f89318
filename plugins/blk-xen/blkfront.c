/* blkfront.c: request planning, id bookkeeping and strict parsing for
 * blk-xen (see blkfront.h). */
#include "blkfront.h"

#include <errno.h>

int bf_plan(uint64_t sector, size_t bytes, unsigned segs, struct bf_req *out,
	    unsigned max)
{
	uint32_t page = 0;
	unsigned n = 0;

	if (bytes == 0 || bytes % BF_SECT != 0 || segs < 1 || segs > BF_SEGS)
		return -EINVAL;
	if (bytes / BF_SECT - 1 > UINT64_MAX - sector)
		return -ERANGE;
	while (bytes > 0) {
		struct bf_req *r;

		if (n == max)
			return -E2BIG;
		r = &out[n++];
		r->sector = sector;
		r->nseg = 0;
		r->bytes = 0;
		while (bytes > 0 && r->nseg < segs) {
			size_t len = bytes < BF_PAGE ? bytes : BF_PAGE;
			struct bf_seg *s = &r->seg[r->nseg++];

			s->page = page++;
			s->first = 0;
			s->last = (uint8_t)(len / BF_SECT - 1);
			r->bytes += (uint32_t)len;
			bytes -= len;
		}
		sector += r->bytes / BF_SECT;
	}
	return (int)n;
}

void bf_ids_init(struct bf_ids *ids, unsigned n)
{
	ids->busy = 0;
	ids->n = n > 64 ? 64 : n;
}

int bf_ids_get(struct bf_ids *ids)
{
	for (unsigned i = 0; i < ids->n; i++) {
		if (!(ids->busy & (1ull << i))) {
			ids->busy |= 1ull << i;
			return (int)i;
		}
	}
	return -EBUSY;
}

int bf_ids_put(struct bf_ids *ids, uint64_t id)
{
	if (id >= ids->n || !(ids->busy & (1ull << id)))
		return -EPROTO;
	ids->busy &= ~(1ull << id);
	return 0;
}

unsigned bf_ids_busy(const struct bf_ids *ids)
{
	return (unsigned)__builtin_popcountll(ids->busy);
}

int bf_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (d > 9 || d > max || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int bf_flag(const char *s, bool *out)
{
	uint64_t v;

	if (!s) {
		*out = false;
		return 0;
	}
	if (bf_uint(s, 1, &v) < 0)
		return -EINVAL;
	*out = v == 1;
	return 0;
}

int bf_status(int16_t status)
{
	switch (status) {
	case 0:
		return 0;
	case -1:
		return -EIO;
	case -2:
		return -EOPNOTSUPP;
	default:
		return -EPROTO;
	}
}
