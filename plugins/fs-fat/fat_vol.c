/* fat_vol.c: the volume.  Checks the boot sector the way Microsoft's FAT
 * specification describes it (the FAT type comes from the cluster count,
 * never from the type string), caches the whole first FAT in memory,
 * allocates and frees clusters, keeps every FAT copy, FSInfo and the
 * FAT[1] dirty bit in step, and does the device I/O. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSINFO_LEAD  0x41615252u
#define FSINFO_STRUC 0x61417272u
#define FSINFO_TRAIL 0xAA550000u
#define FAT16_CLEAN  0x8000u
#define FAT32_CLEAN  0x08000000u

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

void fat_log(struct fat_vol *v, enum devmgr_log_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	devmgr_log(v->ctx, lvl, "fs-fat %s: %s", v->id ? v->id : "?", msg);
}

int fat_eio(struct fat_vol *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fat_log(v, DEVMGR_LOG_ERROR, "%s", msg);
	snprintf(v->last_error, sizeof(v->last_error), "%s", msg);
	return -EIO;
}

/* ---- device I/O ------------------------------------------------------ */

int fat_io(struct fat_vol *v, bool write, uint64_t off, struct iovec *iov,
	   int iovcnt)
{
	int rc;

	if (off % v->bss != 0)
		return fat_eio(v, "internal: unaligned I/O at byte %llu",
			       (unsigned long long)off);
	if (write)
		rc = devmgr_blk_writev(v->blk, off / v->bss, iov, iovcnt);
	else
		rc = devmgr_blk_readv(v->blk, off / v->bss, iov, iovcnt);
	if (rc < 0) {
		fat_log(v, DEVMGR_LOG_ERROR,
			"%s at byte %llu of the device: %s",
			write ? "write" : "read", (unsigned long long)off,
			strerror(-rc));
		return rc == -EROFS ? rc : -EIO;
	}
	return 0;
}

int fat_rw(struct fat_vol *v, bool write, uint64_t off, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return fat_io(v, write, off, &iov, 1);
}

uint64_t fat_clus_off(const struct fat_vol *v, uint32_t c)
{
	return v->data_start + ((uint64_t)(c - 2) << v->cshift);
}

int fat_zero_clusters(struct fat_vol *v, const uint32_t *clus, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		int rc = fat_rw(v, true, fat_clus_off(v, clus[i]), v->zero,
				v->cs);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- the FAT ---------------------------------------------------------- */

bool fat_valid_clus(const struct fat_vol *v, uint32_t c)
{
	return c >= 2 && c <= v->max_clus;
}

uint32_t fat_get(const struct fat_vol *v, uint32_t c)
{
	switch (v->type) {
	case 12: {
		uint16_t x = le16(v->fat + c + c / 2);
		return c & 1 ? x >> 4 : x & 0xFFF;
	}
	case 16:
		return le16(v->fat + 2 * (size_t)c);
	default:
		return le32(v->fat + 4 * (size_t)c) & 0x0FFFFFFF;
	}
}

static void mark_dirty(struct fat_vol *v, size_t byte, size_t len)
{
	for (size_t s = byte / v->ss; s <= (byte + len - 1) / v->ss; s++)
		v->fat_dirty[s] = 1;
	v->any_dirty = true;
}

void fat_set(struct fat_vol *v, uint32_t c, uint32_t val)
{
	size_t at;

	switch (v->type) {
	case 12: {
		at = c + c / 2;
		uint16_t x = le16(v->fat + at);
		if (c & 1)
			x = (uint16_t)((x & 0x000F) | (val & 0xFFF) << 4);
		else
			x = (uint16_t)((x & 0xF000) | (val & 0xFFF));
		put16(v->fat + at, x);
		mark_dirty(v, at, 2);
		break;
	}
	case 16:
		at = 2 * (size_t)c;
		put16(v->fat + at, val);
		mark_dirty(v, at, 2);
		break;
	default:
		at = 4 * (size_t)c;
		put32(v->fat + at,
		      (le32(v->fat + at) & 0xF0000000) | (val & 0x0FFFFFFF));
		mark_dirty(v, at, 4);
		break;
	}
}

static uint32_t eoc_min(const struct fat_vol *v)
{
	return v->type == 12 ? 0xFF8 : v->type == 16 ? 0xFFF8 : 0x0FFFFFF8;
}

static uint32_t eoc_mark(const struct fat_vol *v)
{
	return v->type == 12 ? 0xFFF : v->type == 16 ? 0xFFFF : 0x0FFFFFFF;
}

int fat_next(struct fat_vol *v, uint32_t c, uint32_t *out)
{
	uint32_t x = fat_get(v, c);

	if (x >= eoc_min(v)) {
		*out = FAT_EOC;
		return 0;
	}
	if (x == 0)
		return fat_eio(v, "cluster %u is in a chain but marked free",
			       c);
	if (x == eoc_min(v) - 1)
		return fat_eio(v, "cluster %u is in a chain but marked bad", c);
	if (!fat_valid_clus(v, x))
		return fat_eio(v,
			       "cluster %u links to cluster %u, outside the "
			       "volume's clusters 2..%u",
			       c, x, v->max_clus);
	*out = x;
	return 0;
}

/* Every cluster of the chain from first, appended to *out.  A chain longer
 * than limit clusters (or than the volume has) loops or is corrupt. */
int fat_chain(struct fat_vol *v, uint32_t first, uint32_t limit, uint32_t **out,
	      uint32_t *n, uint32_t *cap)
{
	uint32_t c = first, bound = limit < v->nclusters ? limit : v->nclusters;

	*n = 0;
	if (!fat_valid_clus(v, first))
		return fat_eio(v,
			       "entry points to cluster %u, outside the "
			       "volume's clusters 2..%u",
			       first, v->max_clus);
	while (c != FAT_EOC) {
		if (*n >= bound)
			return fat_eio(v,
				       "the chain from cluster %u is longer "
				       "than %u clusters (it loops or runs "
				       "past its end)",
				       first, bound);
		if (*n == *cap) {
			uint32_t ncap = *cap ? *cap * 2 : 16;
			uint32_t *p = realloc(*out, ncap * sizeof(*p));

			if (p == NULL)
				return -ENOMEM;
			*out = p;
			*cap = ncap;
		}
		(*out)[(*n)++] = c;
		int rc = fat_next(v, c, &c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Take n free clusters, linked after prev (0: a new chain), ending the
 * chain.  Nothing changes when there are not enough. */
int fat_alloc(struct fat_vol *v, uint32_t n, uint32_t prev, uint32_t *out)
{
	uint32_t c = v->next_free, got = 0;

	if (n > v->free_count)
		return -ENOSPC;
	if (!fat_valid_clus(v, c))
		c = 2;
	for (uint32_t scanned = 0; got < n && scanned < v->nclusters;
	     scanned++) {
		if (fat_get(v, c) == 0) {
			fat_set(v, c, eoc_mark(v));
			out[got++] = c;
		}
		c = c == v->max_clus ? 2 : c + 1;
	}
	if (got < n) {
		/* the free count was wrong: give back what we took */
		for (uint32_t i = 0; i < got; i++)
			fat_set(v, out[i], 0);
		v->free_count = 0;
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (prev)
			fat_set(v, prev, out[i]);
		prev = out[i];
	}
	v->free_count -= n;
	v->next_free = c;
	v->fsinfo_dirty = true;
	return 0;
}

/* Free clus[0..n) and end the chain before them (the caller set the
 * previous cluster's link, or the entry's first cluster). */
void fat_free_chain_from(struct fat_vol *v, const uint32_t *clus, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		fat_set(v, clus[i], 0);
		if (clus[i] < v->next_free)
			v->next_free = clus[i];
	}
	v->free_count += n;
	v->fsinfo_dirty = true;
}

/* The FAT32 FSInfo sector: free count and next-free hint. */
static int write_fsinfo(struct fat_vol *v)
{
	uint8_t *b;
	int rc;

	if (v->type != 32 || v->fsinfo == 0 || !v->fsinfo_dirty)
		return 0;
	b = malloc(v->ss);
	if (b == NULL)
		return -ENOMEM;
	rc = fat_rw(v, false, (uint64_t)v->fsinfo * v->ss, b, v->ss);
	if (rc == 0) {
		put32(b + 488, v->free_count);
		put32(b + 492, v->next_free);
		rc = fat_rw(v, true, (uint64_t)v->fsinfo * v->ss, b, v->ss);
	}
	free(b);
	if (rc == 0)
		v->fsinfo_dirty = false;
	return rc;
}

/* Write each run of changed FAT sectors to every FAT copy. */
int fat_flush_fat(struct fat_vol *v)
{
	size_t nsec = v->fat_bytes / v->ss;

	if (!v->any_dirty)
		return 0;
	for (size_t s = 0; s < nsec;) {
		size_t e = s;

		if (!v->fat_dirty[s]) {
			s++;
			continue;
		}
		while (e < nsec && v->fat_dirty[e])
			e++;
		for (uint32_t k = 0; k < v->nfats; k++) {
			uint64_t at = v->fat_start +
				      (uint64_t)k * v->fat_sectors * v->ss +
				      (uint64_t)s * v->ss;
			int rc = fat_rw(v, true, at, v->fat + s * v->ss,
					(e - s) * v->ss);
			if (rc < 0)
				return rc;
		}
		memset(v->fat_dirty + s, 0, e - s);
		s = e;
	}
	v->any_dirty = false;
	return 0;
}

int fat_vol_sync(struct fat_vol *v, bool flush_dev)
{
	int rc;

	if (v->read_only)
		return 0;
	rc = fat_flush_fat(v);
	if (rc == 0)
		rc = write_fsinfo(v);
	if (rc == 0 && flush_dev)
		rc = devmgr_blk_flush(v->blk);
	return rc;
}

/* ---- the boot sector ------------------------------------------------- */

struct bpb {
	uint32_t ss, spc, rsvd, nfats, root_ents, tot, fatsz, media;
	uint32_t fatsz16, ext_flags, fsver, root_clus, fsinfo;
};

static bool pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

#define REFUSE(...) devmgr_error_set(err, -EINVAL, "boot sector: " __VA_ARGS__)

static int read_bpb(const uint8_t *b, uint32_t bss, struct bpb *p,
		    struct devmgr_error *err)
{
	uint32_t tot16 = le16(b + 19), tot32 = le32(b + 32);

	if (b[510] != 0x55 || b[511] != 0xAA)
		return REFUSE("signature at bytes 510-511 is %02X %02X, not "
			      "55 AA: not a FAT volume",
			      b[510], b[511]);
	if (b[0] != 0xEB && b[0] != 0xE9)
		return REFUSE("BS_jmpBoot[0] = 0x%02X is not a jump (0xEB or "
			      "0xE9)",
			      b[0]);
	p->ss = le16(b + 11);
	if (p->ss < 512 || p->ss > 4096 || !pow2(p->ss))
		return REFUSE("BPB_BytsPerSec = %u is not 512, 1024, 2048 or "
			      "4096",
			      p->ss);
	if (p->ss % bss != 0)
		return REFUSE("BPB_BytsPerSec = %u is not a multiple of the "
			      "device's sector size %u",
			      p->ss, bss);
	p->spc = b[13];
	if (!pow2(p->spc))
		return REFUSE("BPB_SecPerClus = %u is not a power of two from "
			      "1 to 128",
			      p->spc);
	p->rsvd = le16(b + 14);
	if (p->rsvd == 0)
		return REFUSE("BPB_RsvdSecCnt = 0 (must be at least 1)");
	p->nfats = b[16];
	if (p->nfats == 0)
		return REFUSE("BPB_NumFATs = 0 (must be at least 1)");
	p->root_ents = le16(b + 17);
	p->media = b[21];
	if (p->media != 0xF0 && p->media < 0xF8)
		return REFUSE("BPB_Media = 0x%02X is not 0xF0 or 0xF8..0xFF",
			      p->media);
	if (tot16 != 0 && tot32 != 0 && tot16 != tot32)
		return REFUSE("BPB_TotSec16 = %u and BPB_TotSec32 = %u "
			      "disagree",
			      tot16, tot32);
	p->tot = tot16 ? tot16 : tot32;
	if (p->tot == 0)
		return REFUSE("BPB_TotSec16 and BPB_TotSec32 are both 0");
	p->fatsz16 = le16(b + 22);
	p->fatsz = p->fatsz16 ? p->fatsz16 : le32(b + 36);
	if (p->fatsz == 0)
		return REFUSE("BPB_FATSz16 and BPB_FATSz32 are both 0");
	p->ext_flags = le16(b + 40);
	p->fsver = le16(b + 42);
	p->root_clus = le32(b + 44);
	p->fsinfo = le16(b + 48);
	return 0;
}

static int fat_type_check(struct fat_vol *v, const struct bpb *p,
			  struct devmgr_error *err)
{
	if (v->nclusters < 4085)
		v->type = 12;
	else if (v->nclusters < 65525)
		v->type = 16;
	else
		v->type = 32;
	/* The FAT32 layout (no BPB_FATSz16, no fixed root) with fewer
	 * clusters than the count rule wants: mkfs.fat -F 32 makes it on a
	 * small volume, fsck.fat accepts it with a warning, and Linux goes by
	 * the layout alone.  So does fs-fat, saying so. */
	if (v->type != 32 && p->fatsz16 == 0 && p->root_ents == 0) {
		fat_log(v, DEVMGR_LOG_WARN,
			"FAT32 layout with %u clusters, fewer than the 65525 "
			"that FAT32 should have: mounted as FAT32, as Linux "
			"and fsck.fat do",
			v->nclusters);
		v->type = 32;
	}
	if (v->type == 32) {
		if (p->fatsz16 != 0)
			return REFUSE("%u clusters make this FAT32, but "
				      "BPB_FATSz16 = %u (must be 0)",
				      v->nclusters, p->fatsz16);
		if (p->root_ents != 0)
			return REFUSE("%u clusters make this FAT32, but "
				      "BPB_RootEntCnt = %u (must be 0)",
				      v->nclusters, p->root_ents);
		if (v->nclusters > 0x0FFFFFF5 - 2)
			return REFUSE("%u clusters are more than FAT32 can "
				      "address",
				      v->nclusters);
		if (p->fsver != 0)
			return REFUSE("BPB_FSVer = 0x%04X (only 0 is known)",
				      p->fsver);
		if (p->root_clus < 2 || p->root_clus > v->max_clus)
			return REFUSE("BPB_RootClus = %u is outside the "
				      "volume's clusters 2..%u",
				      p->root_clus, v->max_clus);
		return 0;
	}
	if (p->fatsz16 == 0)
		return REFUSE("FAT32 layout (BPB_FATSz16 = 0), but %u clusters "
			      "make this FAT%d",
			      v->nclusters, v->type);
	if (p->root_ents == 0)
		return REFUSE("BPB_RootEntCnt = 0, but %u clusters make this "
			      "FAT%d (which needs a root folder region)",
			      v->nclusters, v->type);
	return 0;
}

static int layout(struct fat_vol *v, const struct bpb *p, uint64_t dev_bytes,
		  struct devmgr_error *err)
{
	uint64_t root_secs = ((uint64_t)p->root_ents * 32 + p->ss - 1) / p->ss;
	uint64_t meta = p->rsvd + (uint64_t)p->nfats * p->fatsz + root_secs;
	uint64_t need;
	int rc;

	v->ss = p->ss;
	v->spc = p->spc;
	v->cs = p->ss * p->spc;
	v->cshift = (unsigned)__builtin_ctz(v->cs);
	v->nfats = p->nfats;
	v->fat_sectors = p->fatsz;
	if (meta >= p->tot)
		return REFUSE("reserved sectors, FATs and root folder (%llu "
			      "sectors) leave no room for data in %u sectors",
			      (unsigned long long)meta, p->tot);
	if ((uint64_t)p->tot * p->ss > dev_bytes)
		return REFUSE("the volume (%u sectors of %u bytes) is larger "
			      "than the device (%llu bytes)",
			      p->tot, p->ss, (unsigned long long)dev_bytes);
	v->nclusters = (uint32_t)((p->tot - meta) / p->spc);
	if (v->nclusters == 0)
		return REFUSE("no whole cluster fits in the data region");
	v->max_clus = v->nclusters + 1;
	rc = fat_type_check(v, p, err);
	if (rc < 0)
		return rc;
	need = v->type == 12   ? ((uint64_t)v->max_clus + 1) * 3 / 2 + 1
	       : v->type == 16 ? ((uint64_t)v->max_clus + 1) * 2
			       : ((uint64_t)v->max_clus + 1) * 4;
	if (need > (uint64_t)p->fatsz * p->ss)
		return REFUSE("the FAT (%u sectors) is too small for %u "
			      "clusters",
			      p->fatsz, v->nclusters);
	v->fat_bytes = (size_t)((need + p->ss - 1) / p->ss * p->ss);
	v->fat_start = (uint64_t)p->rsvd * p->ss;
	if (v->type == 32 && (p->ext_flags & 0x80)) {
		uint32_t active = p->ext_flags & 0x0F;

		if (active >= p->nfats)
			return REFUSE("BPB_ExtFlags names active FAT %u of %u",
				      active, p->nfats);
		/* mirroring off: only the active FAT is read and written */
		v->fat_start += (uint64_t)active * p->fatsz * p->ss;
		v->nfats = 1;
	}
	v->root_start =
		((uint64_t)p->rsvd + (uint64_t)p->nfats * p->fatsz) * p->ss;
	v->root_len = (uint32_t)(root_secs * p->ss);
	v->data_start = (uint64_t)meta * p->ss;
	v->root_clus = v->type == 32 ? p->root_clus : 0;
	if (v->type == 32 && p->fsinfo != 0 && p->fsinfo != 0xFFFF) {
		if (p->fsinfo >= p->rsvd)
			return REFUSE("BPB_FSInfo = %u is not a reserved "
				      "sector (1..%u)",
				      p->fsinfo, p->rsvd - 1);
		v->fsinfo = p->fsinfo;
	}
	return 0;
}

/* The label: the root folder's volume entry wins over the BPB's copy. */
static void bpb_label(struct fat_vol *v, const uint8_t *b)
{
	const uint8_t *l = b + (v->type == 32 ? 71 : 43);
	uint8_t sig = b[v->type == 32 ? 66 : 38];
	uint16_t u[12];
	int n = 0;

	if (sig != 0x29 || memcmp(l, "NO NAME    ", 11) == 0)
		return;
	for (int i = 0; i < 11; i++)
		u[n++] = fat_cp850(l[i]);
	while (n > 0 && u[n - 1] == ' ')
		n--;
	if (fat_utf16_to_utf8(u, (size_t)n, v->label, sizeof(v->label)) < 0)
		v->label[0] = '\0';
}

static void check_fsinfo(struct fat_vol *v)
{
	uint8_t *b = malloc(v->ss);
	uint32_t fc, nf;

	if (b == NULL ||
	    fat_rw(v, false, (uint64_t)v->fsinfo * v->ss, b, v->ss) < 0) {
		free(b);
		v->fsinfo = 0;
		return;
	}
	if (le32(b) != FSINFO_LEAD || le32(b + 484) != FSINFO_STRUC ||
	    le32(b + 508) != FSINFO_TRAIL) {
		fat_log(v, DEVMGR_LOG_WARN,
			"FSInfo sector %u has bad signatures; not using it",
			v->fsinfo);
		v->fsinfo = 0;
		free(b);
		return;
	}
	fc = le32(b + 488);
	nf = le32(b + 492);
	free(b);
	if (fc != v->free_count) {
		if (fc != 0xFFFFFFFF)
			fat_log(v, DEVMGR_LOG_INFO,
				"FSInfo free count %u disagrees with the FAT "
				"(%u free clusters); using the FAT's",
				fc, v->free_count);
		v->fsinfo_dirty = true;
	}
	if (fat_valid_clus(v, nf))
		v->next_free = nf;
	else if (nf != 0xFFFFFFFF)
		v->fsinfo_dirty = true;
}

static int load_fat(struct fat_vol *v, struct devmgr_error *err)
{
	int rc;

	v->fat = malloc(v->fat_bytes);
	v->fat_dirty = calloc(v->fat_bytes / v->ss, 1);
	v->zero = calloc(1, v->cs);
	v->scratch = malloc(2 * (size_t)v->bss);
	if (!v->fat || !v->fat_dirty || !v->zero || !v->scratch)
		return devmgr_error_set(err, -ENOMEM,
					"out of memory for the "
					"FAT (%zu bytes)",
					v->fat_bytes);
	rc = fat_rw(v, false, v->fat_start, v->fat, v->fat_bytes);
	if (rc < 0)
		return devmgr_error_set(err, rc, "reading the FAT failed: %s",
					strerror(-rc));
	v->free_count = 0;
	for (uint32_t c = 2; c <= v->max_clus; c++)
		if (fat_get(v, c) == 0)
			v->free_count++;
	v->next_free = 2;
	return 0;
}

static uint32_t clean_bit(const struct fat_vol *v)
{
	return v->type == 16 ? FAT16_CLEAN : v->type == 32 ? FAT32_CLEAN : 0;
}

static int set_clean(struct fat_vol *v, bool clean)
{
	uint32_t x = fat_get(v, 1), bit = clean_bit(v);

	if (bit == 0)
		return 0;
	fat_set(v, 1, clean ? x | bit : x & ~bit);
	return fat_flush_fat(v);
}

int fat_mount(struct fat_vol *v, struct devmgr_blk *blk, bool read_only,
	      struct devmgr_error *err)
{
	struct devmgr_blk_info bi;
	struct bpb p = { 0 };
	uint8_t *b;
	int rc = devmgr_blk_info(blk, &bi);

	if (rc < 0)
		return devmgr_error_set(err, rc, "blk info: %s", strerror(-rc));
	v->blk = blk;
	v->bss = bi.sector_size;
	if (v->bss < 512 || v->bss > 4096)
		return devmgr_error_set(err, -EINVAL,
					"the device's sector size %u is not "
					"one FAT can use (512..4096)",
					v->bss);
	v->read_only = read_only || bi.read_only;
	if (bi.read_only && !read_only)
		fat_log(v, DEVMGR_LOG_INFO,
			"the device is read-only: mounting read-only");
	b = malloc(v->bss);
	if (b == NULL)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	rc = fat_rw(v, false, 0, b, v->bss);
	if (rc < 0) {
		free(b);
		return devmgr_error_set(err, rc, "reading the boot sector: %s",
					strerror(-rc));
	}
	rc = read_bpb(b, v->bss, &p, err);
	if (rc == 0)
		rc = layout(v, &p, bi.sectors * v->bss, err);
	if (rc == 0)
		bpb_label(v, b);
	free(b);
	if (rc == 0)
		rc = load_fat(v, err);
	if (rc < 0)
		return rc;
	if (v->fsinfo)
		check_fsinfo(v);
	if (clean_bit(v) && !(fat_get(v, 1) & clean_bit(v))) {
		v->was_dirty = true;
		fat_log(v, DEVMGR_LOG_WARN,
			"the volume was not cleanly unmounted (FAT[1] dirty "
			"bit); fsck.fat may find lost clusters");
	}
	if (!v->read_only) {
		rc = set_clean(v, false);
		if (rc == 0)
			rc = devmgr_blk_flush(v->blk);
		if (rc < 0)
			return devmgr_error_set(err, rc,
						"marking the volume in use: %s",
						strerror(-rc));
	}
	v->mounted = true;
	return 0;
}

void fat_vol_close(struct fat_vol *v, bool above_ok)
{
	/* A mount that failed half-way (a FAT that could not be read) has
	 * nothing of the volume's to write back: writing would destroy it. */
	if (v->mounted && !v->read_only) {
		v->fsinfo_dirty |= v->type == 32;
		/* everything reaches the device before the clean bit does */
		if (above_ok && fat_vol_sync(v, true) == 0 &&
		    set_clean(v, !v->was_dirty) == 0)
			devmgr_blk_flush(v->blk);
	}
	free(v->fat);
	free(v->fat_dirty);
	free(v->zero);
	free(v->scratch);
	v->fat = NULL;
}
