/* fat_mkfs.c: making a FAT12, FAT16 or FAT32 filesystem on a blk device.
 *
 * The layout is chosen the way mkfs.fat (dosfstools 4.2) chooses it when
 * given no options, so that an image made here has the FAT type and the
 * cluster size that mkfs.fat would have given it (docs/fs.md lists what
 * differs):
 *
 *   - the known floppy sizes (360K, 720K, 1200K, 1440K, 2880K) get the
 *     floppy layouts; other sizes a CHS geometry by size (only written to
 *     the BPB), and the total is cut to whole tracks;
 *   - from 512 MiB up FAT32, with clusters by size (512 bytes up to
 *     260 MiB, 4K to 8G, 8K to 16G, 16K to 32G, then 32K); below, FAT12 or
 *     FAT16 from 4 sectors per cluster up, FAT12 as long as it fits;
 *   - above 8192 sectors, the reserved sectors, each FAT and the fixed
 *     root folder are whole clusters, so that clusters line up with the
 *     start of the volume.
 *
 * Only the metadata is written: the reserved sectors, the FATs and the
 * root folder.  Old data in the clusters stays until files overwrite it. */
#include "fat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CLUS12 4084u
#define MAX_CLUS16 65524u
#define MIN_CLUS32 65525u
#define MAX_CLUS32 0x0FFFFFF5u
#define ZERO_RUN   (64u * 1024)

static uint64_t round_up(uint64_t n, uint64_t to)
{
	return (n + to - 1) / to * to;
}

static bool pow2(uint32_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* The floppy layouts that mkfs.fat uses for these exact sizes (KiB). */
static const struct {
	uint32_t kib;
	uint8_t spt, spc, media;
	uint16_t root_ents;
} floppies[] = {
	{ 360, 9, 2, 0xFD, 112 },   { 720, 9, 2, 0xF9, 112 },
	{ 1200, 15, 1, 0xF9, 224 }, { 1440, 18, 1, 0xF0, 224 },
	{ 2880, 36, 2, 0xF0, 224 },
};

/* Heads and sectors per track by size, as USB sticks and SD cards
 * report them: the smallest geometry that reaches the size in 1024
 * cylinders. */
static void chs(uint64_t sectors, struct fat_geom *g)
{
	static const struct {
		uint64_t upto; /* sectors */
		uint16_t heads, spt;
	} table[] = {
		{ 4096, 2, 16 },     { 32768, 2, 32 },	  { 65536, 4, 32 },
		{ 262144, 8, 32 },   { 524288, 16, 32 },  { 1032192, 16, 63 },
		{ 2064384, 32, 63 }, { 4128768, 64, 63 }, { 8257536, 128, 63 },
	};

	g->heads = 255;
	g->spt = 63;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (sectors <= table[i].upto) {
			g->heads = table[i].heads;
			g->spt = table[i].spt;
			return;
		}
	}
}

/* The clusters and FAT length of a type at g->spc, g->rsv and root
 * sectors; false when the type cannot hold them. */
static bool fit(struct fat_geom *g, int type, uint64_t root_secs, bool align)
{
	uint64_t ss = g->ss, spc = g->spc, nf = g->nfats;
	uint64_t rest = g->total - g->rsv - root_secs, n, fat_bytes, len;
	unsigned bits = type == 12 ? 12 : type == 16 ? 16 : 32;

	if (g->total <= g->rsv + root_secs)
		return false;
	/* Each cluster costs its sectors and an entry in every FAT; the
	 * two reserved entries come first. */
	n = (rest * ss * 8 - nf * 2 * bits) / (spc * ss * 8 + nf * bits);
	fat_bytes = ((n + 2) * bits + 7) / 8;
	len = (fat_bytes + ss - 1) / ss;
	if (align)
		len = round_up(len, spc);
	if (rest <= nf * len)
		return false;
	n = (rest - nf * len) / spc;
	/* The FAT must have an entry for every cluster. */
	if ((n + 2) * bits > len * ss * 8)
		return false;
	if ((type == 12 && n > MAX_CLUS12) ||
	    (type == 16 && (n < MAX_CLUS12 + 1 || n > MAX_CLUS16)) ||
	    (type == 32 && (n < MIN_CLUS32 || n > MAX_CLUS32)) || n == 0)
		return false;
	g->type = type;
	g->fat_len = (uint32_t)len;
	g->clusters = (uint32_t)n;
	return true;
}

/* One cluster size: the reserved and root sectors for it, then the types
 * allowed, FAT12 before FAT16. */
static bool try_spc(struct fat_geom *g, int want, uint32_t rsv, bool align)
{
	uint64_t root_secs =
		((uint64_t)g->root_ents * FAT_DIRENT + g->ss - 1) / g->ss;

	g->rsv = align ? (uint32_t)round_up(rsv, g->spc) : rsv;
	if (want == 32)
		return fit(g, 32, 0, align);
	if (align) {
		root_secs = round_up(root_secs, g->spc);
		g->root_ents = (uint32_t)(root_secs * g->ss / FAT_DIRENT);
	}
	if (want != 16 && fit(g, 12, root_secs, align))
		return true;
	return want != 12 && fit(g, 16, root_secs, align);
}

int fat_mkfs_plan(uint64_t bytes, const struct fat_mkfs_opts *o,
		  struct fat_geom *g, char *why, size_t whylen)
{
	int want = o->type;
	uint32_t start = 4, rsv, root_ents = 512;
	uint64_t sectors;
	bool align, floppy = false;

	memset(g, 0, sizeof(*g));
	g->ss = o->sector_size ? o->sector_size : 512;
	g->nfats = 2;
	g->media = 0xF8;
	g->drive = 0x80;
	if (g->ss < 512 || g->ss > 4096 || !pow2(g->ss)) {
		snprintf(why, whylen,
			 "sector size %u is not 512, 1024, 2048 or 4096",
			 g->ss);
		return -EINVAL;
	}
	if (o->spc && (o->spc > 128 || !pow2(o->spc))) {
		snprintf(why, whylen,
			 "%u sectors per cluster is not a power of two from 1 "
			 "to 128",
			 o->spc);
		return -EINVAL;
	}
	if (want != 0 && want != 12 && want != 16 && want != 32) {
		snprintf(why, whylen, "FAT%d: the type is 12, 16 or 32", want);
		return -EINVAL;
	}
	sectors = bytes / g->ss;
	chs(sectors, g);
	for (size_t i = 0;
	     g->ss == 512 && i < sizeof(floppies) / sizeof(floppies[0]); i++) {
		if (bytes / 1024 != floppies[i].kib || bytes % 1024 != 0 ||
		    (want != 0 && want != 12))
			continue;
		floppy = true;
		g->spt = floppies[i].spt;
		g->heads = 2;
		g->media = floppies[i].media;
		g->drive = 0x00;
		start = floppies[i].spc;
		root_ents = floppies[i].root_ents;
	}
	g->total = sectors - sectors % g->spt;
	if (g->total > 0xFFFFFFFFu)
		g->total = 0xFFFFFFFFu - 0xFFFFFFFFu % g->spt;
	if (want == 0 && bytes >= 512ull << 20)
		want = 32;
	if (want == 32) {
		rsv = 32;
		root_ents = 0;
		start = g->total > 64ull << 20	  ? 64
			: g->total > 32ull << 20  ? 32
			: g->total > 16ull << 20  ? 16
			: g->total > 260ull << 11 ? 8
						  : 1;
	} else {
		rsv = 1;
	}
	align = !floppy && g->total > 8192;
	if (o->spc)
		start = o->spc;
	/* Larger clusters from the default up, as mkfs.fat; then, for a type
	 * that was asked for, smaller ones, where mkfs.fat gives up. */
	for (uint32_t spc = start; spc <= 128; spc *= 2) {
		g->spc = spc;
		g->root_ents = root_ents;
		if (try_spc(g, want, rsv, align))
			return 0;
		if (o->spc)
			break;
	}
	for (uint32_t spc = start / 2; !o->spc && o->type && spc >= 1;
	     spc /= 2) {
		g->spc = spc;
		g->root_ents = root_ents;
		if (try_spc(g, want, rsv, align))
			return 0;
	}
	if (o->type == 32 || (want == 32 && o->spc))
		snprintf(why, whylen,
			 "FAT32 needs %u to %u clusters: %llu bytes in "
			 "%u-byte sectors%s cannot have them",
			 MIN_CLUS32, MAX_CLUS32, (unsigned long long)bytes,
			 g->ss, o->spc ? " at that cluster size" : "");
	else if (want)
		snprintf(why, whylen,
			 "FAT%d needs %u to %u clusters: %llu bytes in "
			 "%u-byte sectors%s cannot have them",
			 want, want == 12 ? 1 : MAX_CLUS12 + 1,
			 want == 12 ? MAX_CLUS12 : MAX_CLUS16,
			 (unsigned long long)bytes, g->ss,
			 o->spc ? " at that cluster size" : "");
	else
		snprintf(why, whylen,
			 "%llu bytes in %u-byte sectors%s hold no FAT12 or "
			 "FAT16 filesystem",
			 (unsigned long long)bytes, g->ss,
			 o->spc ? " at that cluster size" : "");
	return -EINVAL;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

/* The boot sector: the BPB and, where a PC would run code, two
 * instructions that hand the boot on to the next device (int 18h). */
static void boot_sector(const struct fat_geom *g, const struct fat_mkfs_opts *o,
			uint32_t id, uint8_t *b)
{
	static const uint8_t code[] = { 0xCD, 0x18, 0xEB, 0xFE };
	uint8_t *ext = b + (g->type == 32 ? 64 : 36);
	const char *label = o->label[0] ? o->label : "NO NAME";

	b[0] = 0xEB;
	b[1] = g->type == 32 ? 0x58 : 0x3C;
	b[2] = 0x90;
	memcpy(b + 3, "DEVMGR  ", 8);
	put16(b + 11, g->ss);
	b[13] = (uint8_t)g->spc;
	put16(b + 14, g->rsv);
	b[16] = (uint8_t)g->nfats;
	put16(b + 17, g->root_ents);
	if (g->total < 65536)
		put16(b + 19, (uint32_t)g->total);
	else
		put32(b + 32, (uint32_t)g->total);
	b[21] = g->media;
	if (g->type != 32)
		put16(b + 22, g->fat_len);
	put16(b + 24, g->spt);
	put16(b + 26, g->heads);
	if (g->type == 32) {
		put32(b + 36, g->fat_len);
		put32(b + 44, 2); /* root folder cluster */
		put16(b + 48, 1); /* FSInfo */
		put16(b + 50, 6); /* backup boot sector */
	}
	ext[0] = g->drive;
	ext[2] = 0x29;
	put32(ext + 3, id);
	memset(ext + 7, ' ', 11);
	memcpy(ext + 7, label, strlen(label));
	memcpy(ext + 18,
	       g->type == 12   ? "FAT12   "
	       : g->type == 16 ? "FAT16   "
			       : "FAT32   ",
	       8);
	memcpy(ext + 26, code, sizeof(code));
	b[510] = 0x55;
	b[511] = 0xAA;
	if (g->ss > 512) {
		b[g->ss - 2] = 0x55;
		b[g->ss - 1] = 0xAA;
	}
}

static void fsinfo_sector(const struct fat_geom *g, uint8_t *b)
{
	put32(b, 0x41615252);
	put32(b + 484, 0x61417272);
	put32(b + 488, g->clusters - 1); /* all free but the root's */
	put32(b + 492, 3);
	put32(b + 508, 0xAA550000);
}

struct writer {
	struct devmgr_blk *blk;
	uint32_t bss;
	uint8_t *zero;
	struct devmgr_error *err;
};

static int put_bytes(struct writer *w, uint64_t off, const void *buf,
		     size_t len)
{
	int rc = devmgr_blk_write(w->blk, off / w->bss, buf, len);

	if (rc < 0)
		return devmgr_error_set(w->err, rc,
					"mkfs: writing %zu bytes at byte %llu "
					"of the device: %s",
					len, (unsigned long long)off,
					strerror(-rc));
	return 0;
}

static int put_zeros(struct writer *w, uint64_t off, uint64_t len)
{
	while (len > 0) {
		size_t n = len < ZERO_RUN ? (size_t)len : ZERO_RUN;
		int rc = put_bytes(w, off, w->zero, n);

		if (rc < 0)
			return rc;
		off += n;
		len -= n;
	}
	return 0;
}

/* The volume label entry of the root folder, with the time of making. */
static void label_entry(const struct fat_mkfs_opts *o, uint8_t *e)
{
	uint16_t date, tm;

	memset(e, ' ', 11);
	memcpy(e, o->label, strlen(o->label));
	e[11] = FAT_ATTR_VOLUME;
	fat_unix_to_time((int64_t)time(NULL), &date, &tm);
	put16(e + 22, tm);
	put16(e + 24, date);
}

int fat_mkfs(struct devmgr_blk *blk, const struct fat_mkfs_opts *o,
	     struct fat_geom *g, struct devmgr_error *err)
{
	struct devmgr_blk_info info;
	struct fat_mkfs_opts opts = *o;
	char why[256];
	struct writer w = { .blk = blk, .err = err };
	uint8_t *sec = NULL;
	uint64_t ss, fat0, root;
	uint32_t id;
	int rc = devmgr_blk_info(blk, &info);

	if (rc < 0)
		return devmgr_error_set(err, rc,
					"mkfs: the device's size "
					"cannot be read: %s",
					strerror(-rc));
	if (info.read_only)
		return devmgr_error_set(err, -EROFS,
					"mkfs: the device is read-only");
	if (opts.sector_size == 0)
		opts.sector_size =
			info.sector_size > 512 ? info.sector_size : 512;
	if (opts.sector_size % info.sector_size != 0)
		return devmgr_error_set(err, -EINVAL,
					"mkfs: sector size %u is not a "
					"multiple of the device's %u bytes",
					opts.sector_size, info.sector_size);
	rc = fat_mkfs_plan(info.sectors * info.sector_size, &opts, g, why,
			   sizeof(why));
	if (rc < 0)
		return devmgr_error_set(err, rc, "mkfs: %s", why);
	id = opts.have_id ? opts.volume_id : 0;
	if (!opts.have_id) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		id = (uint32_t)ts.tv_sec * 2654435761u ^ (uint32_t)ts.tv_nsec;
	}
	ss = g->ss;
	w.bss = info.sector_size;
	w.zero = calloc(1, ZERO_RUN);
	sec = calloc(1, ss);
	if (w.zero == NULL || sec == NULL) {
		rc = devmgr_error_set(err, -ENOMEM, "mkfs: out of memory");
		goto out;
	}
	fat0 = (uint64_t)g->rsv * ss;
	root = fat0 + (uint64_t)g->nfats * g->fat_len * ss;
	/* Everything but the boot sector first: a device that fails half
	 * way does not look like a filesystem. */
	rc = put_zeros(&w, ss, fat0 - ss);
	for (uint32_t i = 0; rc == 0 && i < g->nfats; i++)
		rc = put_zeros(&w, fat0 + (uint64_t)i * g->fat_len * ss,
			       (uint64_t)g->fat_len * ss);
	if (rc == 0)
		rc = put_zeros(&w, root,
			       g->type == 32
				       ? (uint64_t)g->spc * ss
				       : (uint64_t)g->root_ents * FAT_DIRENT);
	if (rc == 0 && opts.label[0]) {
		memset(sec, 0, ss);
		label_entry(&opts, sec);
		rc = put_bytes(&w, root, sec, ss);
	}
	/* FAT[0] is the media byte with every other bit set, FAT[1] the end
	 * of chain mark with the clean bits set, FAT32's FAT[2] the root
	 * folder's one cluster. */
	memset(sec, 0, ss);
	if (g->type == 12) {
		sec[0] = g->media;
		sec[1] = 0xFF;
		sec[2] = 0xFF;
	} else if (g->type == 16) {
		put16(sec, 0xFF00u | g->media);
		put16(sec + 2, 0xFFFF);
	} else {
		put32(sec, 0x0FFFFF00u | g->media);
		put32(sec + 4, 0x0FFFFFFF);
		put32(sec + 8, 0x0FFFFFF8);
	}
	for (uint32_t i = 0; rc == 0 && i < g->nfats; i++)
		rc = put_bytes(&w, fat0 + (uint64_t)i * g->fat_len * ss, sec,
			       ss);
	if (rc == 0 && g->type == 32) {
		memset(sec, 0, ss);
		fsinfo_sector(g, sec);
		rc = put_bytes(&w, ss, sec, ss);
		if (rc == 0)
			rc = put_bytes(&w, 7 * ss, sec, ss);
	}
	memset(sec, 0, ss);
	boot_sector(g, &opts, id, sec);
	if (rc == 0 && g->type == 32)
		rc = put_bytes(&w, 6 * ss, sec, ss);
	if (rc == 0)
		rc = put_bytes(&w, 0, sec, ss);
	if (rc == 0) {
		rc = devmgr_blk_flush(blk);
		if (rc < 0)
			devmgr_error_set(err, rc,
					 "mkfs: flushing the device: %s",
					 strerror(-rc));
	}
	g->volume_id = id;
out:
	free(sec);
	free(w.zero);
	return rc;
}
