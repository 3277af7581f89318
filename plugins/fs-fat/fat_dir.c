/* fat_dir.c: folders.  A folder is read whole into memory (at most 2 MiB,
 * the spec's limit) and indexed by a hash of its folded long and 8.3
 * names, so a lookup costs the same in a folder of 10,000 entries as in
 * one of 10.  The most recently used folders stay cached; every change is
 * written through to the device at once.  Long names are checked when
 * read (ordinals in order, one checksum matching the 8.3 entry, valid
 * UTF-16); a broken one is ignored and the 8.3 name is used, as the spec
 * says. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIR_CACHE_MAX  32
#define PATH_DEPTH_MAX 255

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

uint32_t fat_root_key(const struct fat_vol *v)
{
	return v->type == 32 ? v->root_clus : 0;
}

uint32_t fat_ent_clus(const struct fat_vol *v, const uint8_t *e)
{
	uint32_t hi = v->type == 32 ? le16(e + 20) : 0;

	return hi << 16 | le16(e + 26);
}

void fat_ent_set_clus(const struct fat_vol *v, uint8_t *e, uint32_t c)
{
	put16(e + 26, c & 0xFFFF);
	put16(e + 20, v->type == 32 ? c >> 16 : 0);
}

/* FAT times are local times in the zone utc_offset says; the fs signature
 * speaks UTC.  An impossible stored date stays 0. */
static int64_t to_utc(const struct fat_vol *v, int64_t local)
{
	return local ? local - v->utc_offset : 0;
}

void fat_ent_stat(const struct fat_vol *v, const uint8_t *e,
		  struct devmgr_fs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->kind = e[11] & FAT_ATTR_DIR ? DEVMGR_FS_DIR : DEVMGR_FS_FILE;
	if (st->kind == DEVMGR_FS_FILE)
		st->size = (uint32_t)(e[28] | e[29] << 8 | e[30] << 16 |
				      (uint32_t)e[31] << 24);
	st->attrs = DEVMGR_FS_ATTR_KNOWN | (e[11] & DEVMGR_FS_ATTR_SETTABLE);
	st->mtime = to_utc(v, fat_time_to_unix(le16(e + 24), le16(e + 22)));
	st->atime = to_utc(v, fat_time_to_unix(le16(e + 18), 0));
	st->ctime = to_utc(v, fat_time_to_unix(le16(e + 16), le16(e + 14)));
}

void fat_now(const struct fat_vol *v, uint16_t *date, uint16_t *time_)
{
	fat_unix_to_time((int64_t)time(NULL) + v->utc_offset, date, time_);
}

/* ---- parsing ----------------------------------------------------------- */

static const uint8_t lfn_pos[13] = { 1,	 3,  5,	 7,  9,	 14, 16,
				     18, 20, 22, 24, 28, 30 };

struct lfn_state {
	bool on;
	int total, next;
	uint8_t sum;
	uint32_t start;
};

static void lfn_slot(struct lfn_state *s, const uint8_t *e, uint32_t at,
		     uint16_t *lu)
{
	uint8_t ord = e[0];

	if (le16(e + 26) != 0) { /* LDIR_FstClusLO must be 0 */
		s->on = false;
		return;
	}
	if (ord & 0x40) {
		int n = ord & 0x1F;

		s->on = n >= 1 && n <= 20;
		s->total = s->next = n;
		s->sum = e[13];
		s->start = at;
	} else if (!s->on || ord != s->next || e[13] != s->sum) {
		s->on = false;
		return;
	}
	if (!s->on)
		return;
	for (int i = 0; i < 13; i++)
		lu[(s->next - 1) * 13 + i] = le16(e + lfn_pos[i]);
	s->next--;
}

/* The long name gathered for entry e, or 0 when there is none or it is
 * broken. */
static int lfn_take(const struct lfn_state *s, const uint8_t *e, uint16_t *lu)
{
	int n = 0, max = s->total * 13;

	if (!s->on || s->next != 0 || s->sum != fat_lfn_sum(e))
		return 0;
	while (n < max && lu[n] != 0)
		n++;
	if (n == 0 || n > FAT_LFN_MAX)
		return 0;
	for (int i = 0; i < n; i++)
		if (lu[i] < 0x20 || lu[i] == '/' || lu[i] == '\\')
			return 0;
	return n;
}

static bool dot_entry(const uint8_t *e)
{
	return memcmp(e, ".          ", 11) == 0 ||
	       memcmp(e, "..         ", 11) == 0;
}

static bool short_ok(const uint8_t *e)
{
	if (e[0] == ' ')
		return false;
	for (int i = 0; i < 11; i++)
		if ((e[i] < 0x20 && !(i == 0 && e[i] == 0x05)) || e[i] == '/' ||
		    e[i] == '\\')
			return false;
	return true;
}

/* The next entry of d from *pos ("." "..", labels and free slots left
 * out): 1 and *out, or 0 at the end. */
int fat_dir_next(struct fat_vol *v, struct fat_dir *d, uint32_t *pos,
		 struct fat_dirent_info *out)
{
	struct lfn_state s = { 0 };

	while (*pos + FAT_DIRENT <= d->end) {
		const uint8_t *e = d->buf + *pos;
		uint32_t at = *pos;

		*pos += FAT_DIRENT;
		if (e[0] == 0xE5) {
			s.on = false;
			continue;
		}
		if ((e[11] & 0x3F) == FAT_ATTR_LFN) {
			lfn_slot(&s, e, at, out->lu);
			continue;
		}
		if (e[11] & FAT_ATTR_VOLUME) {
			if (d->key == fat_root_key(v) &&
			    !(e[11] & FAT_ATTR_DIR))
				d->label_off = (int32_t)at;
			s.on = false;
			continue;
		}
		if (dot_entry(e) || !short_ok(e)) {
			s.on = false;
			continue;
		}
		out->off = at;
		out->e = e;
		out->slen = fat_short_render(e, out->su, false);
		out->llen = lfn_take(&s, e, out->lu);
		out->lfn_off = out->llen ? s.start : at;
		if (out->llen == 0 ||
		    fat_utf16_to_utf8(out->lu, (size_t)out->llen, out->name,
				      sizeof(out->name)) < 0) {
			uint16_t cu[12];
			int n = fat_short_render(e, cu, true);

			out->llen = 0;
			out->lfn_off = at;
			if (fat_utf16_to_utf8(cu, (size_t)n, out->name,
					      sizeof(out->name)) < 0)
				continue;
		}
		return 1;
	}
	return 0;
}

/* ---- the index ------------------------------------------------------- */

static void fold(const uint16_t *in, size_t n, uint16_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = fat_fold(in[i]);
}

static void link_node(struct fat_dir *d, uint32_t idx, int which)
{
	struct fat_dent *de = &d->ents[idx];
	uint32_t b = de->hash[which] & (d->nbuckets - 1);

	de->hnext[which] = d->buckets[b];
	d->buckets[b] = (int32_t)(idx * 2 + (uint32_t)which);
}

static int rehash(struct fat_dir *d, uint32_t want)
{
	uint32_t nb = 64;
	int32_t *b;

	while (nb < want * 2)
		nb *= 2;
	b = malloc(nb * sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	memset(b, 0xFF, nb * sizeof(*b));
	free(d->buckets);
	d->buckets = b;
	d->nbuckets = nb;
	for (uint32_t i = 0; i < d->nents; i++) {
		if (d->ents[i].deleted)
			continue;
		link_node(d, i, 0);
		if (d->ents[i].two_keys)
			link_node(d, i, 1);
	}
	return 0;
}

static int index_add(struct fat_dir *d, const struct fat_dirent_info *in)
{
	struct fat_dent *de;
	uint16_t lk[20 * 13], sk[12];
	size_t ll = in->llen ? (size_t)in->llen : (size_t)in->slen;

	if (d->nents == d->cap) {
		uint32_t ncap = d->cap ? d->cap * 2 : 32;
		struct fat_dent *p = realloc(d->ents, ncap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		d->ents = p;
		d->cap = ncap;
	}
	if (d->nents + 1 > d->nbuckets / 2 && rehash(d, d->cap) < 0)
		return -ENOMEM;
	de = &d->ents[d->nents];
	memset(de, 0, sizeof(*de));
	de->off = in->off;
	de->lfn_off = in->lfn_off;
	de->long_len = (uint16_t)in->llen;
	fold(in->llen ? in->lu : in->su, ll, lk);
	fold(in->su, (size_t)in->slen, sk);
	de->two_keys =
		in->llen && !(ll == (size_t)in->slen &&
			      memcmp(lk, sk, ll * sizeof(uint16_t)) == 0);
	de->hash[0] = fat_hash(lk, ll);
	de->hash[1] = fat_hash(sk, (size_t)in->slen);
	link_node(d, d->nents, 0);
	if (de->two_keys)
		link_node(d, d->nents, 1);
	d->nents++;
	return 0;
}

static void index_clear(struct fat_dir *d)
{
	d->nents = d->ndeleted = 0;
	if (d->buckets)
		memset(d->buckets, 0xFF, d->nbuckets * sizeof(*d->buckets));
}

static int index_build(struct fat_vol *v, struct fat_dir *d)
{
	struct fat_dirent_info *in = malloc(sizeof(*in));
	uint32_t pos = 0;
	int rc = 0;

	if (in == NULL)
		return -ENOMEM;
	index_clear(d);
	d->end = d->len;
	for (uint32_t o = 0; o < d->len; o += FAT_DIRENT)
		if (d->buf[o] == 0) {
			d->end = o;
			break;
		}
	d->label_off = -1;
	while (rc == 0 && fat_dir_next(v, d, &pos, in) == 1)
		rc = index_add(d, in);
	free(in);
	return rc;
}

/* The entry's name for key w (0: long, 1: 8.3), folded, from the
 * folder's bytes.  Returns its length. */
static size_t entry_key(const struct fat_dir *d, const struct fat_dent *de,
			int w, uint16_t *out)
{
	const uint8_t *e = d->buf + de->off;
	size_t n;

	if (w == 1 || de->long_len == 0) {
		n = (size_t)fat_short_render(e, out, false);
	} else {
		uint32_t slots = (de->off - de->lfn_off) / FAT_DIRENT;

		/* the first slot holds the highest ordinal */
		for (uint32_t j = 0; j < slots; j++) {
			const uint8_t *s =
				d->buf + de->lfn_off + j * FAT_DIRENT;
			uint32_t base = (slots - 1 - j) * 13;

			for (int i = 0; i < 13; i++)
				out[base + (uint32_t)i] = le16(s + lfn_pos[i]);
		}
		n = de->long_len;
	}
	fold(out, n, out);
	return n;
}

int32_t fat_dir_lookup(struct fat_dir *d, const uint16_t *u, size_t n)
{
	uint16_t k[FAT_LFN_MAX + 1], key[20 * 13];
	uint32_t h;

	if (n == 0 || n > FAT_LFN_MAX || d->nbuckets == 0)
		return -1;
	fold(u, n, k);
	h = fat_hash(k, n);
	for (int32_t id = d->buckets[h & (d->nbuckets - 1)]; id >= 0;) {
		const struct fat_dent *de = &d->ents[id >> 1];
		int w = id & 1;

		if (!de->deleted && de->hash[w] == h &&
		    entry_key(d, de, w, key) == n &&
		    memcmp(key, k, n * sizeof(uint16_t)) == 0)
			return id >> 1;
		id = de->hnext[w];
	}
	return -1;
}

/* ---- loading and the cache ------------------------------------------- */

static void dir_free(struct fat_dir *d)
{
	index_clear(d);
	free(d->ents);
	free(d->buckets);
	free(d->clus);
	free(d->buf);
	free(d);
}

/* Read the clusters of d in runs of neighbours. */
static int read_clusters(struct fat_vol *v, struct fat_dir *d)
{
	for (uint32_t i = 0; i < d->nclus;) {
		uint32_t j = i + 1;

		while (j < d->nclus && d->clus[j] == d->clus[j - 1] + 1)
			j++;
		int rc = fat_rw(v, false, fat_clus_off(v, d->clus[i]),
				d->buf + ((size_t)i << v->cshift),
				(size_t)(j - i) << v->cshift);
		if (rc < 0)
			return rc;
		i = j;
	}
	return 0;
}

static int dir_load(struct fat_vol *v, uint32_t key, struct fat_dir **out)
{
	struct fat_dir *d = calloc(1, sizeof(*d));
	uint32_t cap = 0;
	int rc;

	if (d == NULL)
		return -ENOMEM;
	d->key = key;
	d->label_off = -1;
	if (key == 0 && v->type != 32) {
		d->len = v->root_len;
		d->buf = malloc(d->len ? d->len : 1);
		rc = d->buf ? fat_rw(v, false, v->root_start, d->buf, d->len)
			    : -ENOMEM;
	} else {
		uint32_t limit = FAT_DIR_MAX >> v->cshift;

		rc = fat_chain(v, key, limit ? limit : 1, &d->clus, &d->nclus,
			       &cap);
		if (rc == -EIO)
			fat_log(v, DEVMGR_LOG_ERROR,
				"(in the folder at cluster %u)", key);
		if (rc == 0) {
			d->len = d->nclus << v->cshift;
			d->buf = malloc(d->len);
			rc = d->buf ? read_clusters(v, d) : -ENOMEM;
		}
	}
	if (rc == 0)
		rc = index_build(v, d);
	if (rc < 0) {
		dir_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

struct fat_dir *fat_dir_get(struct fat_vol *v, uint32_t key, int *rc)
{
	struct fat_dir **pp = &v->dirs, *d;

	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->key != key)
			continue;
		d = *pp;
		*pp = d->next;
		d->next = v->dirs;
		v->dirs = d;
		return d;
	}
	*rc = dir_load(v, key, &d);
	if (*rc < 0)
		return NULL;
	d->next = v->dirs;
	v->dirs = d;
	v->ndirs++;
	return d;
}

/* Called between operations: drop the least recently used folders, and
 * rebuild the index of a folder with many deleted entries. */
void fat_dir_trim(struct fat_vol *v)
{
	struct fat_dir **pp = &v->dirs;
	unsigned seen = 0;

	while (*pp) {
		struct fat_dir *d = *pp;

		if (d->ndeleted > 64 && d->ndeleted > d->nents / 2 &&
		    !d->pins && index_build(v, d) < 0) {
			*pp = d->next;
			v->ndirs--;
			dir_free(d);
			continue;
		}
		if (++seen > DIR_CACHE_MAX && !d->pins) {
			*pp = d->next;
			v->ndirs--;
			dir_free(d);
			continue;
		}
		pp = &d->next;
	}
}

void fat_dir_drop(struct fat_vol *v, uint32_t key)
{
	for (struct fat_dir **pp = &v->dirs; *pp; pp = &(*pp)->next) {
		struct fat_dir *d = *pp;

		if (d->key != key)
			continue;
		*pp = d->next;
		v->ndirs--;
		if (d->pins)
			d->dead = true;
		else
			dir_free(d);
		return;
	}
}

void fat_dir_unpin(struct fat_vol *v, struct fat_dir *d)
{
	(void)v;
	if (--d->pins == 0 && d->dead)
		dir_free(d);
}

void fat_dir_free_all(struct fat_vol *v)
{
	while (v->dirs) {
		struct fat_dir *d = v->dirs;

		v->dirs = d->next;
		dir_free(d);
	}
	v->ndirs = 0;
}

int fat_dir_load_label(struct fat_vol *v)
{
	int rc = 0;
	struct fat_dir *d = fat_dir_get(v, fat_root_key(v), &rc);
	uint16_t u[11];
	int n = 0;

	if (d == NULL)
		return rc;
	if (d->label_off < 0 ||
	    memcmp(d->buf + d->label_off, "NO NAME    ", 11) == 0)
		return 0;
	for (int i = 0; i < 11; i++)
		u[n++] = fat_cp850(d->buf[d->label_off + i]);
	while (n > 0 && u[n - 1] == ' ')
		n--;
	if (fat_utf16_to_utf8(u, (size_t)n, v->label, sizeof(v->label)) < 0)
		v->label[0] = '\0';
	return 0;
}

/* ---- writing ----------------------------------------------------------- */

/* Write the sectors of d that hold bytes [off, off + len). */
int fat_dir_write(struct fat_vol *v, struct fat_dir *d, uint32_t off,
		  uint32_t len)
{
	uint32_t a = off & ~(v->ss - 1);
	uint32_t b = (off + len + v->ss - 1) & ~(v->ss - 1);

	if (b > d->len)
		b = d->len;
	if (d->clus == NULL)
		return fat_rw(v, true, v->root_start + a, d->buf + a, b - a);
	while (a < b) {
		uint32_t ci = a >> v->cshift;
		uint32_t in = a & (v->cs - 1);
		uint32_t n = v->cs - in < b - a ? v->cs - in : b - a;
		int rc = fat_rw(v, true, fat_clus_off(v, d->clus[ci]) + in,
				d->buf + a, n);

		if (rc < 0)
			return rc;
		a += n;
	}
	return 0;
}

static int dir_grow(struct fat_vol *v, struct fat_dir *d)
{
	uint32_t c, *nc;
	uint8_t *nb;
	int rc;

	if (d->clus == NULL) {
		fat_log(v, DEVMGR_LOG_INFO,
			"the root folder is full (%u entries)",
			d->len / FAT_DIRENT);
		return -ENOSPC;
	}
	if (d->len + v->cs > FAT_DIR_MAX)
		return -ENOSPC;
	nc = realloc(d->clus, (d->nclus + 1) * sizeof(*nc));
	if (nc == NULL)
		return -ENOMEM;
	d->clus = nc;
	nb = realloc(d->buf, d->len + v->cs);
	if (nb == NULL)
		return -ENOMEM;
	d->buf = nb;
	rc = fat_alloc(v, 1, d->clus[d->nclus - 1], &c);
	if (rc == 0)
		rc = fat_zero_clusters(v, &c, 1);
	if (rc == 0)
		rc = fat_flush_fat(v);
	if (rc < 0)
		return rc;
	memset(d->buf + d->len, 0, v->cs);
	if (d->end == d->len)
		d->end = d->len; /* stays the end marker: the new bytes are 0 */
	d->clus[d->nclus++] = c;
	d->len += v->cs;
	return 0;
}

static bool slot_free(const struct fat_dir *d, uint32_t at)
{
	return at >= d->end || d->buf[at] == 0xE5;
}

/* The first run of n free slots, growing the folder if needed. */
static int find_run(struct fat_vol *v, struct fat_dir *d, uint32_t n,
		    uint32_t *out)
{
	for (;;) {
		uint32_t run = 0, start = d->free_hint;

		for (uint32_t at = d->free_hint; at + FAT_DIRENT <= d->len;
		     at += FAT_DIRENT) {
			if (!slot_free(d, at)) {
				run = 0;
				continue;
			}
			if (run++ == 0)
				start = at;
			if (run == n) {
				*out = start;
				return 0;
			}
		}
		int rc = dir_grow(v, d);
		if (rc < 0)
			return rc;
	}
}

static bool short_taken(struct fat_dir *d, const uint8_t sn[11])
{
	uint8_t e[32] = { 0 };
	uint16_t u[12];
	int n;

	memcpy(e, sn, 11);
	n = fat_short_render(e, u, false);
	return fat_dir_lookup(d, u, (size_t)n) >= 0;
}

/* Pick the 8.3 name: the name itself when it is one, else an alias with a
 * ~N tail (after four tries, a hash of the long name keeps the search
 * short in big folders).  Returns the number of LFN slots needed. */
static int pick_short(struct fat_dir *d, const uint16_t *u, size_t n,
		      uint8_t sn[11], uint8_t *ntcase)
{
	uint8_t base[11];
	bool lossy;
	int bl;

	if (fat_fits_83(u, n, sn, ntcase) && !short_taken(d, sn))
		return 0;
	*ntcase = 0;
	fat_alias_base(u, n, base, &lossy, &bl);
	memcpy(sn, base, 11);
	if (!lossy && !short_taken(d, sn))
		return (int)((n + 12) / 13);
	for (unsigned i = 1; i <= 4; i++) {
		memcpy(sn, base, 11);
		fat_alias_tail(sn, bl, "", i);
		if (!short_taken(d, sn))
			return (int)((n + 12) / 13);
	}
	uint32_t h = fat_hash(u, n);
	for (unsigned i = 1; i < 1000000; i++) {
		char mid[8];
		const char *hex = "0123456789ABCDEF";

		mid[0] = hex[h >> 12 & 15];
		mid[1] = hex[h >> 8 & 15];
		mid[2] = hex[h >> 4 & 15];
		mid[3] = hex[h & 15];
		mid[4] = '\0';
		memcpy(sn, base, 11);
		fat_alias_tail(sn, bl < 2 ? bl : 2, i < 10 ? mid : "", i);
		if (!short_taken(d, sn))
			return (int)((n + 12) / 13);
		if (i == 9)
			h = fat_hash(u, n) * 31 + 7;
	}
	return -EEXIST;
}

static void put_lfn(uint8_t *e, const uint16_t *u, size_t n, int ord, bool last,
		    uint8_t sum)
{
	memset(e, 0, 32);
	e[0] = (uint8_t)(ord | (last ? 0x40 : 0));
	e[11] = FAT_ATTR_LFN;
	e[13] = sum;
	for (int i = 0; i < 13; i++) {
		size_t k = (size_t)(ord - 1) * 13 + (size_t)i;
		uint16_t c = k < n ? u[k] : k == n ? 0 : 0xFFFF;

		put16(e + lfn_pos[i], c);
	}
}

/* Add an entry named u to d: the 8.3 entry is tmpl with the name filled
 * in.  *off_out is where the 8.3 entry went. */
/* The slots an entry takes (up to 20 LFN slots and its 8.3 entry) and the
 * end mark after them: what fat_dir_add() and fat_dir_remove() put back in
 * the cached folder when their write fails, so that the cache says what
 * the disk has and a later write of the same sector cannot carry a
 * half-made change to the disk (a second name on a file's clusters, or
 * an entry gone that is still there). */
#define FAT_UNDO ((20 + 2) * FAT_DIRENT)

int fat_dir_add(struct fat_vol *v, struct fat_dir *d, const uint16_t *u,
		size_t n, const uint8_t tmpl[32], uint32_t *off_out)
{
	uint8_t sn[11], nt, sum, was[FAT_UNDO];
	struct fat_dirent_info *in;
	uint32_t start, len, wlen, end0, hint0, keep;
	int nl = pick_short(d, u, n, sn, &nt), rc;

	if (nl < 0)
		return nl;
	rc = find_run(v, d, (uint32_t)nl + 1, &start);
	if (rc < 0)
		return rc;
	end0 = d->end;
	hint0 = d->free_hint;
	keep = d->len - start < FAT_UNDO ? d->len - start : FAT_UNDO;
	memcpy(was, d->buf + start, keep);
	sum = fat_lfn_sum(sn);
	for (int i = 0; i < nl; i++)
		put_lfn(d->buf + start + (uint32_t)i * FAT_DIRENT, u, n, nl - i,
			i == 0, sum);
	*off_out = start + (uint32_t)nl * FAT_DIRENT;
	memcpy(d->buf + *off_out, tmpl, 32);
	memcpy(d->buf + *off_out, sn, 11);
	d->buf[*off_out + 12] = nt;
	len = ((uint32_t)nl + 1) * FAT_DIRENT;
	wlen = len;
	if (start + len > d->end) {
		d->end = start + len;
		if (d->end < d->len && d->buf[d->end] != 0) {
			d->buf[d->end] = 0;
			wlen += FAT_DIRENT;
		}
	}
	d->free_hint = start + len;
	rc = fat_dir_write(v, d, start, wlen);
	if (rc < 0) {
		memcpy(d->buf + start, was, keep);
		d->end = end0;
		d->free_hint = hint0;
		return rc;
	}
	in = malloc(sizeof(*in));
	if (in == NULL)
		return -ENOMEM;
	in->off = *off_out;
	in->lfn_off = start;
	in->e = d->buf + *off_out;
	in->slen = fat_short_render(in->e, in->su, false);
	in->llen = nl ? (int)n : 0;
	if (nl)
		memcpy(in->lu, u, n * sizeof(uint16_t));
	rc = index_add(d, in);
	free(in);
	return rc;
}

/* Release trailing clusters that hold no entry (keeping one). */
static int dir_shrink(struct fat_vol *v, struct fat_dir *d)
{
	uint32_t last = 0, keep;

	if (d->clus == NULL || d->nclus < 2)
		return 0;
	for (uint32_t at = d->end; at >= FAT_DIRENT; at -= FAT_DIRENT)
		if (d->buf[at - FAT_DIRENT] != 0xE5) {
			last = at;
			break;
		}
	keep = (last + v->cs - 1) >> v->cshift;
	if (keep < 1)
		keep = 1;
	if (keep >= d->nclus)
		return 0;
	fat_set(v, d->clus[keep - 1], 0x0FFFFFFF);
	fat_free_chain_from(v, d->clus + keep, d->nclus - keep);
	d->nclus = keep;
	d->len = keep << v->cshift;
	if (d->end > d->len)
		d->end = d->len;
	if (d->free_hint > d->len)
		d->free_hint = d->len;
	return fat_flush_fat(v);
}

/* A failed write leaves the entry in place, here as on the disk. */
int fat_dir_remove(struct fat_vol *v, struct fat_dir *d, int32_t idx)
{
	struct fat_dent *de = &d->ents[idx];
	uint32_t span = de->off + FAT_DIRENT - de->lfn_off;
	uint8_t small[FAT_UNDO], *was = small;
	int rc;

	/* a long run of slots comes from a damaged image: rare, on the heap */
	if (span > sizeof(small) && (was = malloc(span)) == NULL)
		return -ENOMEM;
	memcpy(was, d->buf + de->lfn_off, span);
	for (uint32_t at = de->lfn_off; at <= de->off; at += FAT_DIRENT)
		d->buf[at] = 0xE5;
	rc = fat_dir_write(v, d, de->lfn_off, span);
	if (rc < 0)
		memcpy(d->buf + de->lfn_off, was, span);
	if (was != small)
		free(was);
	if (rc < 0)
		return rc;
	de->deleted = true;
	d->ndeleted++;
	if (de->lfn_off < d->free_hint)
		d->free_hint = de->lfn_off;
	return dir_shrink(v, d);
}

bool fat_dir_empty(struct fat_vol *v, struct fat_dir *d)
{
	for (uint32_t i = 0; i < d->nents; i++)
		if (!d->ents[i].deleted)
			return false;
	(void)v;
	return true;
}

/* ---- paths ------------------------------------------------------------ */

struct comp {
	const char *s;
	size_t n;
};

static int split(const char *path, struct comp *c, unsigned *nc)
{
	*nc = 0;
	for (const char *p = path; *p;) {
		const char *q = p;

		while (*q && *q != '/')
			q++;
		size_t n = (size_t)(q - p);
		if (n == 0) {
			/* "//" */
		} else if ((n == 1 && p[0] == '.') ||
			   (n == 2 && p[0] == '.' && p[1] == '.')) {
			/* a path names an entry; it is not walked (see
			 * devmgr/sig/fs.h) */
			return -EINVAL;
		} else {
			if (*nc == PATH_DEPTH_MAX)
				return -ENAMETOOLONG;
			c[*nc].s = p;
			c[(*nc)++].n = n;
		}
		p = *q ? q + 1 : q;
	}
	return 0;
}

/* A folder entry must not lead back to the root or to a folder already on
 * the walk (c[0..i-1] led to keys[0..i], keys[0] the root): on a corrupt
 * volume such an entry makes /A/B/A/B/... endless, and a recursive walk
 * above fs-fat would reach, and change, folders outside the path it was
 * given.  -ELOOP with one logged line naming the entry. */
static void join(char *out, size_t max, const struct comp *c, unsigned n)
{
	size_t len = 0;

	out[0] = 0;
	for (unsigned m = 0; m < n && len < max; m++) {
		int w = snprintf(out + len, max - len, "/%.*s", (int)c[m].n,
				 c[m].s);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int check_loop(struct fat_vol *v, const struct comp *c, unsigned i,
		      const uint32_t *keys, uint32_t key)
{
	char entry[512], on[512];
	unsigned k = 0;

	while (k <= i && keys[k] != key)
		k++;
	if (k > i)
		return 0;
	join(entry, sizeof(entry), c, i + 1);
	if (k == 0) {
		fat_log(v, DEVMGR_LOG_ERROR,
			"folder entry \"%s\" points to cluster %u, the root "
			"folder: a loop, refused (ELOOP)",
			entry, key);
	} else {
		join(on, sizeof(on), c, k);
		fat_log(v, DEVMGR_LOG_ERROR,
			"folder entry \"%s\" points to cluster %u, the folder "
			"\"%s\" on its own path: a loop, refused (ELOOP)",
			entry, key, on);
	}
	return -ELOOP;
}

/* Where path leads.  Folders on the way must exist (-ENOENT) and be
 * folders (-ENOTDIR); the last component may be absent (p->de == -1).  A
 * folder entry that loops (check_loop) is -ELOOP, the last one too. */
int fat_resolve(struct fat_vol *v, const char *path, struct fat_path *p)
{
	struct comp c[PATH_DEPTH_MAX];
	uint32_t keys[PATH_DEPTH_MAX + 1]; /* the folders walked, root first */
	unsigned nc;
	int rc = split(path, c, &nc);
	struct fat_dir *d;

	if (rc < 0)
		return rc;
	p->root = nc == 0;
	p->de = -1;
	p->nseen = 0;
	p->ulen = 0;
	d = fat_dir_get(v, fat_root_key(v), &rc);
	if (d == NULL)
		return rc;
	p->parent = d;
	if (nc == 0)
		return 0;
	keys[0] = d->key;
	for (unsigned i = 0; i < nc; i++) {
		int n;

		if (c[i].n > DEVMGR_FS_NAME_MAX)
			return -ENAMETOOLONG;
		n = fat_utf8_to_utf16(c[i].s, c[i].n, p->u, FAT_LFN_MAX);
		if (n == -ENAMETOOLONG)
			return n;
		int32_t idx = n > 0 ? fat_dir_lookup(d, p->u, (size_t)n) : -1;

		if (i == nc - 1) {
			const uint8_t *le =
				idx >= 0 ? d->buf + d->ents[idx].off : NULL;

			if (le != NULL && (le[11] & FAT_ATTR_DIR)) {
				rc = check_loop(v, c, i, keys,
						fat_ent_clus(v, le));
				if (rc < 0)
					return rc;
			}
			p->parent = d;
			p->de = idx;
			p->last = c[i].s;
			p->last_len = c[i].n;
			p->ulen = n > 0 ? (size_t)n : 0;
			return 0;
		}
		if (idx < 0)
			return -ENOENT;
		const uint8_t *e = d->buf + d->ents[idx].off;
		if (!(e[11] & FAT_ATTR_DIR))
			return -ENOTDIR;
		uint32_t key = fat_ent_clus(v, e);
		rc = check_loop(v, c, i, keys, key);
		if (rc < 0)
			return rc;
		if (!fat_valid_clus(v, key))
			return fat_eio(v,
				       "folder entry \"%.*s\" points to "
				       "cluster %u, outside the volume's "
				       "clusters 2..%u",
				       (int)c[i].n, c[i].s, key, v->max_clus);
		keys[i + 1] = key;
		if (p->nseen < sizeof(p->seen) / sizeof(p->seen[0]))
			p->seen[p->nseen++] = key;
		d = fat_dir_get(v, key, &rc);
		if (d == NULL)
			return rc;
	}
	return 0;
}
