/* fat_file.c: open files.  An open file keeps its whole cluster chain as
 * an array, so finding the cluster of any offset costs nothing, and file
 * data moves in runs of neighbouring clusters straight between the
 * caller's buffer and the device (one readv per run: only the partial
 * sectors at either end of a run go through a bounce buffer). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUN_MAX ((size_t)64 << 20) /* bytes per device transfer */

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

struct fat_inode *fat_inode_find(struct fat_vol *v, uint32_t dir, uint32_t off)
{
	for (struct fat_inode *i = v->inodes; i; i = i->next)
		if (!i->root && i->dir == dir && i->off == off)
			return i;
	return NULL;
}

int fat_inode_get(struct fat_vol *v, const struct fat_path *p,
		  struct fat_inode **out)
{
	struct fat_inode *ino;

	if (p->root) {
		for (ino = v->inodes; ino; ino = ino->next)
			if (ino->root)
				break;
	} else {
		ino = fat_inode_find(v, p->parent->key,
				     p->parent->ents[p->de].off);
	}
	if (ino) {
		ino->refs++;
		*out = ino;
		return 0;
	}
	ino = calloc(1, sizeof(*ino));
	if (ino == NULL)
		return -ENOMEM;
	ino->refs = 1;
	if (p->root) {
		ino->root = ino->is_dir = true;
	} else {
		const uint8_t *e = p->parent->buf + p->parent->ents[p->de].off;

		ino->dir = p->parent->key;
		ino->off = p->parent->ents[p->de].off;
		ino->is_dir = e[11] & FAT_ATTR_DIR;
		ino->first = fat_ent_clus(v, e);
		ino->size = ino->is_dir ? 0
					: (uint32_t)(e[28] | e[29] << 8 |
						     e[30] << 16 |
						     (uint32_t)e[31] << 24);
	}
	ino->next = v->inodes;
	v->inodes = ino;
	*out = ino;
	return 0;
}

void fat_inode_put(struct fat_vol *v, struct fat_inode *ino)
{
	if (--ino->refs > 0)
		return;
	for (struct fat_inode **pp = &v->inodes; *pp; pp = &(*pp)->next)
		if (*pp == ino) {
			*pp = ino->next;
			break;
		}
	free(ino->chain);
	free(ino);
}

static int load_chain(struct fat_vol *v, struct fat_inode *ino)
{
	int rc;

	if (ino->chain_ok)
		return 0;
	if (ino->first == 0) {
		if (ino->size > 0)
			return fat_eio(v,
				       "a file of %u bytes has no cluster "
				       "(entry at byte %u of the folder at "
				       "cluster %u)",
				       ino->size, ino->off, ino->dir);
		ino->nchain = 0;
		ino->chain_ok = true;
		return 0;
	}
	rc = fat_chain(v, ino->first, v->nclusters, &ino->chain, &ino->nchain,
		       &ino->cap);
	if (rc < 0)
		return rc;
	if (((uint64_t)ino->nchain << v->cshift) < ino->size)
		return fat_eio(v,
			       "a file of %u bytes needs %llu clusters, but "
			       "its chain from cluster %u has %u",
			       ino->size,
			       (unsigned long long)(((uint64_t)ino->size +
						     v->cs - 1) >>
						    v->cshift),
			       ino->first, ino->nchain);
	ino->chain_ok = true;
	return 0;
}

/* The longest run of neighbouring clusters from byte off of the file,
 * capped at len: its device offset and length. */
static size_t run_at(const struct fat_vol *v, const struct fat_inode *ino,
		     uint64_t off, size_t len, uint64_t *dev_off)
{
	uint32_t ci = (uint32_t)(off >> v->cshift);
	uint32_t within = (uint32_t)(off & (v->cs - 1));
	size_t span = v->cs - within;
	uint32_t j = ci + 1;

	while (span < len && span < RUN_MAX && j < ino->nchain &&
	       ino->chain[j] == ino->chain[j - 1] + 1) {
		span += v->cs;
		j++;
	}
	*dev_off = fat_clus_off(v, ino->chain[ci]) + within;
	if (span > len)
		span = len;
	return span > RUN_MAX ? RUN_MAX : span;
}

ssize_t fat_file_read(struct fat_vol *v, struct fat_inode *ino, void *buf,
		      size_t len, uint64_t off)
{
	size_t done = 0;
	int rc;

	if (ino->is_dir)
		return -EISDIR;
	if (off >= ino->size)
		return 0;
	if (len > ino->size - off)
		len = (size_t)(ino->size - off);
	rc = load_chain(v, ino);
	if (rc < 0)
		return rc;
	while (done < len) {
		uint64_t a, A, B, b;
		size_t n = run_at(v, ino, off + done, len - done, &a);
		struct iovec iov[3];
		int k = 0;

		b = a + n;
		A = a & ~(uint64_t)(v->bss - 1);
		B = (b + v->bss - 1) & ~(uint64_t)(v->bss - 1);
		if (a > A)
			iov[k++] = (struct iovec){ v->scratch, a - A };
		iov[k++] = (struct iovec){ (uint8_t *)buf + done, n };
		if (B > b)
			iov[k++] = (struct iovec){ v->scratch + v->bss, B - b };
		rc = fat_io(v, false, A, iov, k);
		if (rc < 0)
			return rc;
		done += n;
	}
	return (ssize_t)done;
}

int fat_file_view(struct fat_vol *v, struct fat_inode *ino, uint64_t off,
		  size_t len, struct devmgr_fs_view *out, int max)
{
	size_t done = 0;
	uint64_t hoff = 0;
	int k = 0, rc, hfd;

	if (ino->is_dir)
		return -EISDIR;
	if (off >= ino->size)
		return 0;
	if (len > ino->size - off)
		len = (size_t)(ino->size - off);
	rc = load_chain(v, ino);
	if (rc < 0)
		return rc;
	if (devmgr_blk_host_fd(v->blk, &hfd, &hoff) < 0)
		hfd = -1;
	while (done < len && k < max) {
		uint64_t a;
		size_t n = run_at(v, ino, off + done, len - done, &a);
		uint64_t within = a & (v->bss - 1);
		const void *p;

		rc = devmgr_blk_map(v->blk, a / v->bss,
				    (within + n + v->bss - 1) / v->bss, &p);
		if (rc < 0)
			return rc;
		out[k].base = (const uint8_t *)p + within;
		out[k].len = n;
		out[k].fd = hfd;
		out[k].fd_off = hfd >= 0 ? hoff + a : 0;
		k++;
		done += n;
	}
	return k;
}

/* Write src (or zeros when src is NULL) to file bytes [off, off + len),
 * whose clusters exist. */
static int write_span(struct fat_vol *v, struct fat_inode *ino,
		      const uint8_t *src, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		uint64_t a, b, A, B, mid_a, mid_b;
		size_t n = run_at(v, ino, off + done, len - done, &a);
		struct iovec iov[3];
		uint8_t *head = v->scratch, *tail = v->scratch + v->bss;
		int k = 0, rc;

		if (src == NULL && n > v->cs)
			n = v->cs;
		b = a + n;
		A = a & ~(uint64_t)(v->bss - 1);
		B = (b + v->bss - 1) & ~(uint64_t)(v->bss - 1);
		mid_a = a;
		mid_b = b;
		if (a > A || (B - A == v->bss && b < B)) {
			/* the first sector is partly the file's old bytes */
			uint64_t e = b < A + v->bss ? b : A + v->bss;

			rc = fat_rw(v, false, A, head, v->bss);
			if (rc < 0)
				return rc;
			if (src)
				memcpy(head + (a - A), src + done, e - a);
			else
				memset(head + (a - A), 0, e - a);
			iov[k++] = (struct iovec){ head, v->bss };
			mid_a = A + v->bss;
		}
		if (b < B && B - A > v->bss) {
			rc = fat_rw(v, false, B - v->bss, tail, v->bss);
			if (rc < 0)
				return rc;
			mid_b = B - v->bss;
			if (src)
				memcpy(tail, src + done + (mid_b - a),
				       b - mid_b);
			else
				memset(tail, 0, b - mid_b);
		}
		if (mid_b > mid_a)
			iov[k++] = (struct iovec){ src ? (void *)(src + done +
								  (mid_a - a))
						       : (void *)v->zero,
						   mid_b - mid_a };
		if (b < B && B - A > v->bss)
			iov[k++] = (struct iovec){ tail, v->bss };
		rc = fat_io(v, true, A, iov, k);
		if (rc < 0)
			return rc;
		done += n;
	}
	return 0;
}

/* Make the chain long enough for size bytes. */
static int extend(struct fat_vol *v, struct fat_inode *ino, uint64_t size)
{
	uint32_t need = (uint32_t)((size + v->cs - 1) >> v->cshift);
	int rc;

	if (need <= ino->nchain)
		return 0;
	if (need > ino->cap) {
		uint32_t *p = realloc(ino->chain, need * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		ino->chain = p;
		ino->cap = need;
	}
	rc = fat_alloc(v, need - ino->nchain,
		       ino->nchain ? ino->chain[ino->nchain - 1] : 0,
		       ino->chain + ino->nchain);
	if (rc < 0)
		return rc;
	if (ino->nchain == 0)
		ino->first = ino->chain[0];
	ino->nchain = need;
	return 0;
}

/* Put the file's size, first cluster and (when modified) times into its
 * entry; with now, write the entry and the FAT to the device, else leave
 * that to close, sync or unmount (pwrite does, so that a big file written
 * in many calls costs one entry write). */
int fat_inode_store(struct fat_vol *v, struct fat_inode *ino, bool modified,
		    bool now)
{
	struct fat_dir *d;
	uint8_t *e;
	int rc = 0;

	if (!ino->root) {
		uint8_t was[FAT_DIRENT];

		d = fat_dir_get(v, ino->dir, &rc);
		if (d == NULL)
			return rc;
		e = d->buf + ino->off;
		memcpy(was, e, FAT_DIRENT);
		fat_ent_set_clus(v, e, ino->first);
		put32(e + 28, ino->is_dir ? 0 : ino->size);
		if (modified) {
			uint16_t date, tm;

			fat_now(v, &date, &tm);
			put16(e + 22, tm);
			put16(e + 24, date);
			put16(e + 18, date);
			e[11] |= FAT_ATTR_ARCHIVE;
		}
		if (now)
			rc = fat_dir_write(v, d, ino->off, FAT_DIRENT);
		if (rc < 0) {
			/* the cache keeps what the disk has; the inode stays
			 * dirty, for a later sync to try again */
			memcpy(e, was, FAT_DIRENT);
			ino->dirty = true;
			return rc;
		}
	}
	if (!now) {
		ino->dirty = true;
		return rc;
	}
	ino->dirty = false;
	if (rc == 0)
		rc = fat_flush_fat(v);
	return rc;
}

/* The chain cut to what size bytes need, the rest freed (in the cached
 * FAT; fat_inode_store() or a flush writes it). */
static void trim(struct fat_vol *v, struct fat_inode *ino, uint64_t size)
{
	uint32_t need = (uint32_t)((size + v->cs - 1) >> v->cshift);

	if (need >= ino->nchain)
		return;
	if (need == 0)
		ino->first = 0;
	else
		fat_set(v, ino->chain[need - 1], 0x0FFFFFFF);
	fat_free_chain_from(v, ino->chain + need, ino->nchain - need);
	ino->nchain = need;
}

static int zero_fill(struct fat_vol *v, struct fat_inode *ino, uint64_t from,
		     uint64_t to)
{
	return to > from ? write_span(v, ino, NULL, (size_t)(to - from), from)
			 : 0;
}

ssize_t fat_file_write(struct fat_vol *v, struct fat_inode *ino,
		       const void *buf, size_t len, uint64_t off)
{
	uint64_t end = off + len;
	int rc;

	if (ino->is_dir)
		return -EISDIR;
	if (len == 0)
		return 0;
	/* A write that crosses the last byte a FAT file can hold fills up to
	 * it (a short count); the next one, at that end, is EFBIG. */
	if (off >= FAT_FILE_MAX)
		return -EFBIG;
	if (len > FAT_FILE_MAX - off) {
		len = (size_t)(FAT_FILE_MAX - off);
		end = FAT_FILE_MAX;
	}
	rc = load_chain(v, ino);
	if (rc == 0 && end > ino->size) {
		uint64_t room = ((uint64_t)ino->nchain + v->free_count)
				<< v->cshift;

		/* a full disk takes what fits: a short write, then ENOSPC */
		if (end > room && room > off && room > ino->size) {
			len = (size_t)(room - off);
			end = room;
		}
		rc = extend(v, ino, end);
	}
	if (rc == 0 && off > ino->size)
		rc = zero_fill(v, ino, ino->size, off);
	if (rc == 0)
		rc = write_span(v, ino, buf, len, off);
	if (rc == 0 && end > ino->size)
		ino->size = (uint32_t)end;
	/* After a failure the clusters taken for this write go back, and the
	 * entry is written as it was with the size it had: the write is
	 * lost, and the file stays what it was (no chain longer than its
	 * size for fsck to cut). */
	if (rc < 0)
		trim(v, ino, ino->size);
	int rc2 = fat_inode_store(v, ino, rc == 0, rc < 0);
	if (rc == 0)
		rc = rc2;
	return rc < 0 ? rc : (ssize_t)len;
}

int fat_file_truncate(struct fat_vol *v, struct fat_inode *ino, uint64_t size)
{
	int rc;

	if (ino->is_dir)
		return -EISDIR;
	if (size > FAT_FILE_MAX)
		return -EFBIG;
	rc = load_chain(v, ino);
	if (rc < 0)
		return rc;
	if (size > ino->size) {
		rc = extend(v, ino, size);
		if (rc == 0)
			rc = zero_fill(v, ino, ino->size, size);
		if (rc < 0) {
			trim(v, ino, ino->size);
			fat_inode_store(v, ino, false, true);
			return rc;
		}
	}
	if (size >= ino->size) {
		ino->size = (uint32_t)size;
		return fat_inode_store(v, ino, true, true);
	}
	/* Shorter: the entry first, then the clusters it no longer holds
	 * are freed.  Should the entry's write fail, the file is as it was;
	 * the other order would leave it pointing at free clusters. */
	uint32_t old_size = ino->size, old_first = ino->first;

	ino->size = (uint32_t)size;
	if (size == 0)
		ino->first = 0;
	rc = fat_inode_store(v, ino, true, true);
	if (rc < 0 && ino->dirty) {
		ino->size = old_size;
		ino->first = old_first;
		return rc;
	}
	trim(v, ino, size);
	int rc2 = fat_flush_fat(v);

	return rc < 0 ? rc : rc2;
}

/* Entries that pwrite left in memory reach the device. */
void fat_inodes_free(struct fat_vol *v)
{
	while (v->inodes) {
		struct fat_inode *i = v->inodes;

		v->inodes = i->next;
		free(i->chain);
		free(i);
	}
}

int fat_inodes_flush(struct fat_vol *v)
{
	int rc = 0;

	for (struct fat_inode *i = v->inodes; i; i = i->next)
		if (i->dirty) {
			int r = fat_inode_store(v, i, true, true);

			if (rc == 0)
				rc = r;
		}
	return rc;
}
