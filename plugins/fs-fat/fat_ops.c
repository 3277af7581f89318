/* fat_ops.c: the fs signature's operations, and its two ops tables: a
 * read-write one and a read-only one whose write ops are NULL.  Operations
 * are not thread-safe: call them from one thread (the loop's). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the whole volume, top down -------------------------------------- */

/* Open files' entries first, then the FAT and FSInfo (fat_vol.c): each
 * layer writes its own and calls only down. */
int fat_sync(struct fat_vol *v, bool flush_dev)
{
	if (v->read_only)
		return 0;
	int rc = fat_inodes_flush(v);
	if (rc == 0)
		rc = fat_vol_sync(v, flush_dev);
	return rc;
}

void fat_unmount(struct fat_vol *v)
{
	bool ok = true;

	if (v->mounted && !v->read_only)
		ok = fat_inodes_flush(v) == 0;
	fat_dir_free_all(v);
	fat_inodes_free(v);
	fat_vol_close(v, ok);
}

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static struct fat_vol *vol_of(struct devmgr_fs *fs)
{
	return fs->priv;
}

/* Every operation that walks paths starts here: the folder cache is
 * trimmed between operations, never during one. */
static struct fat_path *begin(struct fat_vol *v)
{
	fat_dir_trim(v);
	return malloc(sizeof(struct fat_path));
}

/* begin() and the path resolved: NULL with *rc set when either fails. */
static struct fat_path *begin_at(struct fat_vol *v, const char *path, int *rc)
{
	struct fat_path *p = begin(v);

	if (p == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	*rc = fat_resolve(v, path, p);
	if (*rc < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static int op_volume(struct devmgr_fs *fs, struct devmgr_fs_volume *out)
{
	struct fat_vol *v = vol_of(fs);

	snprintf(out->type, sizeof(out->type), "FAT%d", v->type);
	snprintf(out->label, sizeof(out->label), "%s", v->label);
	out->cluster_size = v->cs;
	out->total_bytes = (uint64_t)v->nclusters * v->cs;
	out->free_bytes = (uint64_t)v->free_count * v->cs;
	out->read_only = v->read_only;
	return 0;
}

static const uint8_t *entry_of(const struct fat_path *p)
{
	return p->parent->buf + p->parent->ents[p->de].off;
}

static bool is_dir_entry(const struct fat_path *p)
{
	return entry_of(p)[11] & FAT_ATTR_DIR;
}

/* A fresh 8.3 entry: attributes, first cluster, times now. */
static void entry_template(struct fat_vol *v, uint8_t e[32], uint8_t attr,
			   uint32_t clus)
{
	uint16_t date, tm;

	memset(e, 0, 32);
	e[11] = attr;
	fat_now(v, &date, &tm);
	put16(e + 14, tm);
	put16(e + 16, date);
	put16(e + 18, date);
	put16(e + 22, tm);
	put16(e + 24, date);
	fat_ent_set_clus(v, e, clus);
}

/* Add the path's last component to its folder; p->de then points at it. */
static int create_entry(struct fat_vol *v, struct fat_path *p, uint8_t attr,
			uint32_t clus)
{
	uint8_t e[32];
	uint32_t off;
	int rc = fat_name_check(p->last, p->last_len, p->u, &p->ulen);

	if (rc < 0)
		return rc;
	entry_template(v, e, attr, clus);
	rc = fat_dir_add(v, p->parent, p->u, p->ulen, e, &off);
	if (rc < 0)
		return rc;
	p->de = (int32_t)p->parent->nents - 1;
	return 0;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

static int open_at(struct fat_vol *v, struct fat_path *p, int flags,
		   struct fat_inode **ino)
{
	int rc;

	if (p->root) {
		if ((flags & O_CREAT) && (flags & O_EXCL))
			return -EEXIST;
		if ((flags & O_ACCMODE) != O_RDONLY)
			return -EISDIR;
		return fat_inode_get(v, p, ino);
	}
	if (p->de < 0) {
		if (!(flags & O_CREAT))
			return -ENOENT;
		rc = create_entry(v, p, FAT_ATTR_ARCHIVE, 0);
		if (rc < 0)
			return rc;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		return -EEXIST;
	}
	if (is_dir_entry(p) &&
	    ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		return -EISDIR;
	if ((entry_of(p)[11] & FAT_ATTR_RO) &&
	    ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		return -EPERM;
	rc = fat_inode_get(v, p, ino);
	if (rc == 0 && (*ino)->viewers && wants_write(flags)) {
		/* a view lent out holds the file's bytes until it is closed */
		fat_inode_put(v, *ino);
		return -ETXTBSY;
	}
	if (rc == 0 && (flags & O_TRUNC) && (*ino)->size > 0) {
		rc = fat_file_truncate(v, *ino, 0);
		if (rc < 0)
			fat_inode_put(v, *ino);
	}
	return rc;
}

static int op_open(struct devmgr_fs *fs, const char *path, int flags,
		   struct devmgr_file **out)
{
	struct fat_vol *v = vol_of(fs);
	struct fat_path *p;
	struct fat_inode *ino = NULL;
	struct fat_handle *h;
	int rc;

	if (v->read_only && wants_write(flags))
		return -EROFS;
	p = begin_at(v, path, &rc);
	if (p == NULL)
		return rc;
	rc = open_at(v, p, flags, &ino);
	free(p);
	if (rc < 0)
		return rc;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		fat_inode_put(v, ino);
		return -ENOMEM;
	}
	h->base.fs = fs;
	h->ino = ino;
	h->flags = flags;
	if ((flags & O_ACCMODE) != O_RDONLY)
		ino->writers++;
	*out = &h->base;
	return 0;
}

static ssize_t op_pread(struct devmgr_file *f, void *buf, size_t len,
			uint64_t off)
{
	struct fat_handle *h = (struct fat_handle *)f;

	if ((h->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	return fat_file_read(vol_of(f->fs), h->ino, buf, len, off);
}

static int op_view(struct devmgr_file *f, uint64_t off, size_t len,
		   struct devmgr_fs_view *out, int max)
{
	struct fat_handle *h = (struct fat_handle *)f;
	int rc;

	if ((h->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (max < 1)
		return -EINVAL;
	if (h->ino->writers)
		return -EBUSY;
	rc = fat_file_view(vol_of(f->fs), h->ino, off, len, out, max);
	if (rc > 0 && !h->viewing) {
		h->viewing = true;
		h->ino->viewers++;
	}
	return rc;
}

/* The read-only attribute as it is now: setattr may have set it after
 * the file was opened. */
static bool ino_readonly(struct fat_vol *v, const struct fat_inode *ino)
{
	struct fat_dir *d;
	int rc;

	if (ino->root || ino->is_dir)
		return false;
	d = fat_dir_get(v, ino->dir, &rc);
	return d != NULL && (d->buf[ino->off + 11] & FAT_ATTR_RO);
}

static ssize_t op_pwrite(struct devmgr_file *f, const void *buf, size_t len,
			 uint64_t off)
{
	struct fat_handle *h = (struct fat_handle *)f;
	struct fat_vol *v = vol_of(f->fs);

	if ((h->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (ino_readonly(v, h->ino))
		return -EPERM;
	return fat_file_write(v, h->ino, buf, len, off);
}

static int op_ftruncate(struct devmgr_file *f, uint64_t size)
{
	struct fat_handle *h = (struct fat_handle *)f;
	struct fat_vol *v = vol_of(f->fs);

	if ((h->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (ino_readonly(v, h->ino))
		return -EPERM;
	return fat_file_truncate(v, h->ino, size);
}

static int op_fstat(struct devmgr_file *f, struct devmgr_fs_stat *out)
{
	struct fat_handle *h = (struct fat_handle *)f;
	struct fat_vol *v = vol_of(f->fs);
	struct fat_dir *d;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (h->ino->root) {
		out->kind = DEVMGR_FS_DIR;
		out->attrs = DEVMGR_FS_ATTR_KNOWN;
		return 0;
	}
	d = fat_dir_get(v, h->ino->dir, &rc);
	if (d == NULL)
		return rc;
	fat_ent_stat(v, d->buf + h->ino->off, out);
	out->size = h->ino->is_dir ? 0 : h->ino->size;
	return 0;
}

static int op_close(struct devmgr_file *f)
{
	struct fat_handle *h = (struct fat_handle *)f;
	struct fat_vol *v = vol_of(f->fs);
	int rc = 0;

	if ((h->flags & O_ACCMODE) != O_RDONLY) {
		h->ino->writers--;
		if (!v->read_only)
			rc = fat_sync(v, false);
	}
	if (h->viewing)
		h->ino->viewers--;
	fat_inode_put(v, h->ino);
	free(h);
	return rc;
}

static int op_stat(struct devmgr_fs *fs, const char *path,
		   struct devmgr_fs_stat *out)
{
	struct fat_vol *v = vol_of(fs);
	int rc;
	struct fat_path *p = begin_at(v, path, &rc);

	if (p == NULL)
		return rc;
	if (p->root) {
		memset(out, 0, sizeof(*out));
		out->kind = DEVMGR_FS_DIR;
		out->attrs = DEVMGR_FS_ATTR_KNOWN;
	} else if (p->de < 0) {
		rc = -ENOENT;
	} else {
		fat_ent_stat(v, entry_of(p), out);
	}
	free(p);
	return rc;
}

/* The folder a path names: its key. */
static int dir_key(struct fat_vol *v, struct fat_path *p, uint32_t *key)
{
	const uint8_t *e;

	if (p->root) {
		*key = fat_root_key(v);
		return 0;
	}
	if (p->de < 0)
		return -ENOENT;
	e = entry_of(p);
	if (!(e[11] & FAT_ATTR_DIR))
		return -ENOTDIR;
	*key = fat_ent_clus(v, e);
	if (!fat_valid_clus(v, *key))
		return fat_eio(v,
			       "folder entry \"%.*s\" points to cluster %u, "
			       "outside the volume's clusters 2..%u",
			       (int)p->last_len, p->last, *key, v->max_clus);
	return 0;
}

static int list(struct fat_vol *v, struct fat_dir *d, devmgr_fs_dir_fn fn,
		void *arg)
{
	struct fat_dirent_info *in = malloc(sizeof(*in));
	struct devmgr_fs_dirent *de = malloc(sizeof(*de));
	uint32_t pos = 0;
	int rc = 0;

	if (in == NULL || de == NULL) {
		free(in);
		free(de);
		return -ENOMEM;
	}
	d->pins++;
	while (rc == 0 && fat_dir_next(v, d, &pos, in) == 1) {
		memcpy(de->name, in->name, strlen(in->name) + 1);
		fat_ent_stat(v, in->e, &de->st);
		rc = fn(arg, de);
	}
	fat_dir_unpin(v, d);
	free(in);
	free(de);
	return rc;
}

static int op_readdir(struct devmgr_fs *fs, const char *path,
		      devmgr_fs_dir_fn fn, void *arg)
{
	struct fat_vol *v = vol_of(fs);
	struct fat_dir *d = NULL;
	uint32_t key;
	int rc;
	struct fat_path *p = begin_at(v, path, &rc);

	if (p == NULL)
		return rc;
	rc = dir_key(v, p, &key);
	free(p);
	if (rc == 0)
		d = fat_dir_get(v, key, &rc);
	if (d == NULL)
		return rc;
	return list(v, d, fn, arg);
}

/* ---- write operations ------------------------------------------------ */

static int do_mkdir(struct fat_vol *v, struct fat_path *p)
{
	uint32_t c, pkey;
	uint8_t *sec;
	int rc;

	if (p->root || p->de >= 0)
		return -EEXIST;
	rc = fat_name_check(p->last, p->last_len, p->u, &p->ulen);
	if (rc < 0)
		return rc;
	rc = fat_alloc(v, 1, 0, &c);
	if (rc < 0)
		return rc;
	sec = calloc(1, v->ss);
	rc = sec ? fat_zero_clusters(v, &c, 1) : -ENOMEM;
	if (rc == 0) {
		pkey = p->parent->key == fat_root_key(v) ? 0 : p->parent->key;
		entry_template(v, sec, FAT_ATTR_DIR, c);
		memcpy(sec, ".          ", 11);
		entry_template(v, sec + 32, FAT_ATTR_DIR, pkey);
		memcpy(sec + 32, "..         ", 11);
		rc = fat_rw(v, true, fat_clus_off(v, c), sec, v->ss);
	}
	free(sec);
	if (rc == 0)
		rc = fat_flush_fat(v);
	if (rc == 0)
		rc = create_entry(v, p, FAT_ATTR_DIR, c);
	if (rc < 0) {
		fat_free_chain_from(v, &c, 1);
		fat_flush_fat(v);
	}
	return rc;
}

static int op_mkdir(struct devmgr_fs *fs, const char *path)
{
	struct fat_vol *v = vol_of(fs);
	int rc;
	struct fat_path *p = begin_at(v, path, &rc);

	if (p == NULL)
		return rc;
	rc = do_mkdir(v, p);
	free(p);
	return rc;
}

/* The clusters of the entry's chain (for freeing). */
static int entry_chain(struct fat_vol *v, const uint8_t *e, uint32_t **chain,
		       uint32_t *n)
{
	uint32_t first = fat_ent_clus(v, e), cap = 0;

	*chain = NULL;
	*n = 0;
	if (first == 0)
		return 0;
	return fat_chain(v, first, v->nclusters, chain, n, &cap);
}

/* Remove the entry p names, then free its clusters. */
static int remove_entry(struct fat_vol *v, struct fat_path *p)
{
	uint32_t *chain, n;
	int rc = entry_chain(v, entry_of(p), &chain, &n);

	if (rc == 0)
		rc = fat_dir_remove(v, p->parent, p->de);
	if (rc == 0 && n) {
		if (is_dir_entry(p))
			fat_dir_drop(v, chain[0]);
		fat_free_chain_from(v, chain, n);
	}
	if (rc == 0)
		rc = fat_flush_fat(v);
	free(chain);
	return rc;
}

static bool entry_open(struct fat_vol *v, const struct fat_path *p)
{
	return fat_inode_find(v, p->parent->key, p->parent->ents[p->de].off) !=
	       NULL;
}

static int check_empty_dir(struct fat_vol *v, struct fat_path *p)
{
	uint32_t key;
	struct fat_dir *d;
	int rc = dir_key(v, p, &key);

	if (rc < 0)
		return rc;
	d = fat_dir_get(v, key, &rc);
	if (d == NULL)
		return rc;
	return fat_dir_empty(v, d) ? 0 : -ENOTEMPTY;
}

static int op_unlink(struct devmgr_fs *fs, const char *path)
{
	struct fat_vol *v = vol_of(fs);
	int rc;
	struct fat_path *p = begin_at(v, path, &rc);

	if (p == NULL)
		return rc;
	if (p->root)
		rc = -EISDIR;
	else if (p->de < 0)
		rc = -ENOENT;
	else if (is_dir_entry(p))
		rc = -EISDIR;
	else if (entry_of(p)[11] & FAT_ATTR_RO)
		rc = -EPERM;
	else if (entry_open(v, p))
		rc = -EBUSY;
	else
		rc = remove_entry(v, p);
	free(p);
	return rc;
}

static int op_rmdir(struct devmgr_fs *fs, const char *path)
{
	struct fat_vol *v = vol_of(fs);
	int rc;
	struct fat_path *p = begin_at(v, path, &rc);

	if (p == NULL)
		return rc;
	if (p->root)
		rc = -EBUSY;
	else if (p->de < 0)
		rc = -ENOENT;
	else if (!is_dir_entry(p))
		rc = -ENOTDIR;
	else if (entry_open(v, p))
		rc = -EBUSY;
	else if ((rc = check_empty_dir(v, p)) == 0)
		rc = remove_entry(v, p);
	free(p);
	return rc;
}

/* A folder moved to another parent: its ".." follows. */
static int fix_dotdot(struct fat_vol *v, uint32_t key, uint32_t parent)
{
	struct fat_dir *d;
	int rc = 0;

	d = fat_dir_get(v, key, &rc);
	if (d == NULL)
		return rc;
	for (uint32_t at = 0; at + FAT_DIRENT <= d->len && at < 2 * FAT_DIRENT;
	     at += FAT_DIRENT)
		if (memcmp(d->buf + at, "..         ", 11) == 0) {
			fat_ent_set_clus(v, d->buf + at,
					 parent == fat_root_key(v) ? 0
								   : parent);
			return fat_dir_write(v, d, at, FAT_DIRENT);
		}
	return 0;
}

/* Whether to may replace from's entry, and which entry goes. */
static int check_target(struct fat_vol *v, struct fat_path *f,
			struct fat_path *t, bool *replace)
{
	bool from_dir = is_dir_entry(f);
	uint32_t key;

	*replace = false;
	if (t->root)
		return -EBUSY;
	if (from_dir) {
		key = fat_ent_clus(v, entry_of(f));
		for (unsigned i = 0; i < t->nseen; i++)
			if (t->seen[i] == key)
				return -EINVAL;
	}
	if (t->de < 0)
		return 0;
	if (t->parent == f->parent && t->de == f->de)
		return 0; /* the same entry: a new spelling of its name */
	if (is_dir_entry(t)) {
		if (!from_dir)
			return -EISDIR;
		int rc = check_empty_dir(v, t);
		if (rc < 0)
			return rc;
	} else if (from_dir) {
		return -ENOTDIR;
	} else if (entry_of(t)[11] & FAT_ATTR_RO) {
		return -EPERM; /* replacing it would remove it */
	}
	if (entry_open(v, t))
		return -EBUSY;
	*replace = true;
	return 0;
}

static int do_rename(struct fat_vol *v, struct fat_path *f, struct fat_path *t)
{
	uint8_t e[32];
	uint32_t old_off, new_off, key;
	bool replace, from_dir;
	struct fat_inode *ino;
	int rc;

	if (f->root)
		return -EBUSY;
	if (f->de < 0)
		return -ENOENT;
	rc = check_target(v, f, t, &replace);
	if (rc < 0)
		return rc;
	if (t->de == f->de && t->parent == f->parent &&
	    t->last_len == f->last_len &&
	    memcmp(t->last, f->last, t->last_len) == 0)
		return 0;
	rc = fat_name_check(t->last, t->last_len, t->u, &t->ulen);
	if (rc < 0)
		return rc;
	if (replace) {
		rc = remove_entry(v, t);
		if (rc < 0)
			return rc;
	}
	memcpy(e, entry_of(f), 32);
	old_off = f->parent->ents[f->de].off;
	from_dir = e[11] & FAT_ATTR_DIR;
	key = fat_ent_clus(v, e);
	/* hide the old names from the alias search while adding the new */
	f->parent->ents[f->de].deleted = true;
	rc = fat_dir_add(v, t->parent, t->u, t->ulen, e, &new_off);
	f->parent->ents[f->de].deleted = false;
	if (rc < 0)
		return rc;
	rc = fat_dir_remove(v, f->parent, f->de);
	if (rc < 0 && !f->parent->ents[f->de].deleted) {
		/* The old name stays (its removal never reached the disk):
		 * the new one goes, so that the file keeps one name and its
		 * clusters one owner.  Should that write fail too, both
		 * names remain. */
		fat_dir_remove(v, t->parent, (int32_t)t->parent->nents - 1);
		return rc;
	}
	if (rc == 0 && from_dir && t->parent != f->parent)
		rc = fix_dotdot(v, key, t->parent->key);
	ino = fat_inode_find(v, f->parent->key, old_off);
	if (ino) {
		ino->dir = t->parent->key;
		ino->off = new_off;
	}
	return rc;
}

static int op_rename(struct devmgr_fs *fs, const char *from, const char *to)
{
	struct fat_vol *v = vol_of(fs);
	struct fat_path *f = begin(v), *t = malloc(sizeof(*t));
	int rc = f && t ? 0 : -ENOMEM;

	if (rc == 0)
		rc = fat_resolve(v, from, f);
	if (rc == 0)
		rc = fat_resolve(v, to, t);
	if (rc == 0)
		rc = do_rename(v, f, t);
	free(f);
	free(t);
	return rc;
}

/* Attributes and times go into the entry and are written at once.  The
 * folder bit and the volume bit are not attributes one sets. */
static int do_setattr(struct fat_vol *v, struct fat_path *p,
		      const struct devmgr_fs_setattr *sa)
{
	uint8_t *e, was[FAT_DIRENT];
	uint16_t date, tm;
	uint32_t off;
	int rc;

	if (sa->valid & ~(uint32_t)(DEVMGR_FS_SET_ATTRS | DEVMGR_FS_SET_MTIME |
				    DEVMGR_FS_SET_ATIME | DEVMGR_FS_SET_CTIME))
		return -EINVAL;
	if ((sa->valid & DEVMGR_FS_SET_ATTRS) &&
	    (sa->attrs & ~DEVMGR_FS_ATTR_SETTABLE))
		return -EINVAL;
	if (p->root)
		return -EINVAL; /* the root folder has no entry */
	if (p->de < 0)
		return -ENOENT;
	off = p->parent->ents[p->de].off;
	e = p->parent->buf + off;
	memcpy(was, e, FAT_DIRENT);
	if (sa->valid & DEVMGR_FS_SET_ATTRS)
		e[11] = (uint8_t)((e[11] & ~DEVMGR_FS_ATTR_SETTABLE) |
				  sa->attrs);
	if (sa->valid & DEVMGR_FS_SET_MTIME) {
		fat_unix_to_time(sa->mtime + v->utc_offset, &date, &tm);
		put16(e + 22, tm);
		put16(e + 24, date);
	}
	if (sa->valid & DEVMGR_FS_SET_ATIME) {
		fat_unix_to_time(sa->atime + v->utc_offset, &date, &tm);
		put16(e + 18, date);
	}
	if (sa->valid & DEVMGR_FS_SET_CTIME) {
		fat_unix_to_time(sa->ctime + v->utc_offset, &date, &tm);
		e[13] = 0;
		put16(e + 14, tm);
		put16(e + 16, date);
	}
	rc = fat_dir_write(v, p->parent, off, FAT_DIRENT);
	if (rc < 0)
		memcpy(e, was, FAT_DIRENT);
	return rc;
}

static int op_setattr(struct devmgr_fs *fs, const char *path,
		      const struct devmgr_fs_setattr *sa)
{
	struct fat_vol *v = vol_of(fs);
	int rc;
	struct fat_path *p = begin_at(v, path, &rc);

	if (p == NULL)
		return rc;
	rc = do_setattr(v, p, sa);
	free(p);
	return rc;
}

static int op_sync(struct devmgr_fs *fs)
{
	return fat_sync(vol_of(fs), true);
}

const struct devmgr_fs_ops fat_ops_rw = {
	.minor = DEVMGR_FS_MINOR,
	.volume = op_volume,
	.open = op_open,
	.pread = op_pread,
	.fstat = op_fstat,
	.close = op_close,
	.stat = op_stat,
	.readdir = op_readdir,
	.pwrite = op_pwrite,
	.ftruncate = op_ftruncate,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.sync = op_sync,
	.setattr = op_setattr,
	.view = op_view,
};

const struct devmgr_fs_ops fat_ops_ro = {
	.minor = DEVMGR_FS_MINOR,
	.volume = op_volume,
	.open = op_open,
	.pread = op_pread,
	.fstat = op_fstat,
	.close = op_close,
	.stat = op_stat,
	.readdir = op_readdir,
	.view = op_view,
};
