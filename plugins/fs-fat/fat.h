/* fat.h: the internals of fs-fat, shared by its source files.
 *
 *   fat_vol.c   boot sector checks, mount and unmount, the cached FAT,
 *               cluster allocation, FSInfo, dirty bit, device I/O
 *   fat_name.c  names: UTF-8 <-> UTF-16, case folding, code page 850,
 *               8.3 names and their generation, LFN checksums
 *   fat_dir.c   the folder cache: parsing, the name index, adding and
 *               removing entries, path lookup
 *   fat_file.c  open files: reading, writing, truncating
 *   fat_ops.c   the fs signature's ops over the above; sync and unmount
 *               of the whole volume, top down
 *   fat_mkfs.c  making a filesystem: the layout by size, as mkfs.fat
 *   fs_fat.c    the provider: parameters, create and destroy
 *
 * Everything read from the device is untrusted: every cluster number is
 * range-checked before use, every chain walk is bounded, and a problem is
 * logged once with what was found and answered with -EIO. */
#ifndef FS_FAT_H
#define FS_FAT_H

#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>
#include <devmgr/sig/fs.h>

#include <stdbool.h>
#include <stdint.h>

#define FAT_EOC	     0xFFFFFFFFu /* end of chain, as fat_next() reports it */
#define FAT_DIRENT   32u
#define FAT_DIR_MAX  (65536u * FAT_DIRENT) /* the spec's folder size limit */
#define FAT_LFN_MAX  255		   /* UTF-16 units in a long name */
#define FAT_FILE_MAX 0xFFFFFFFFull

#define FAT_ATTR_RO	 0x01
#define FAT_ATTR_HIDDEN	 0x02
#define FAT_ATTR_SYSTEM	 0x04
#define FAT_ATTR_VOLUME	 0x08
#define FAT_ATTR_DIR	 0x10
#define FAT_ATTR_ARCHIVE 0x20
#define FAT_ATTR_LFN	 0x0F

/* A name as the index compares it: folded UTF-16. */
struct fat_key {
	uint16_t len;
	uint16_t c[FAT_LFN_MAX + 1];
};

/* One folder entry of the index: where its slots are, and the hashes of
 * its folded names (long, 8.3).  The names themselves are compared from
 * the folder's bytes, which keeps the index small. */
struct fat_dent {
	uint32_t off;	  /* byte offset of the 8.3 entry in the folder */
	uint32_t lfn_off; /* offset of the first slot (== off without LFN) */
	uint32_t hash[2];
	int32_t hnext[2];
	uint16_t long_len; /* UTF-16 units of the long name, 0: none */
	bool two_keys;	   /* the 8.3 name is a second, different key */
	bool deleted;
};

struct fat_dir {
	struct fat_dir *next; /* cache list, most recently used first */
	uint32_t key;	      /* first cluster; 0 for the FAT12/16 root */
	uint32_t *clus;	      /* the chain (none for the FAT12/16 root) */
	uint32_t nclus;
	uint8_t *buf; /* the folder's bytes */
	uint32_t len;
	uint32_t end;	    /* offset of the end marker (or len) */
	uint32_t free_hint; /* no free run starts before this offset */
	int32_t label_off;  /* the volume label entry (root), or -1 */
	bool dead;	    /* removed while pinned: free when unpinned */
	struct fat_dent *ents;
	uint32_t nents, cap, ndeleted;
	int32_t *buckets;
	uint32_t nbuckets;
	unsigned pins;
};

/* An open file or folder; handles of the same entry share it. */
struct fat_inode {
	struct fat_inode *next;
	unsigned refs;
	uint32_t dir; /* key of the folder holding the entry */
	uint32_t off; /* offset of its 8.3 entry there */
	bool root;    /* the root folder (no entry) */
	bool is_dir;
	uint32_t first; /* first cluster, 0 when empty */
	uint32_t size;
	uint32_t *chain; /* every cluster of the file, in order */
	uint32_t nchain, cap;
	bool chain_ok;
	bool dirty;	  /* the entry on the device lags (pwrite) */
	unsigned writers; /* handles open for writing */
	unsigned viewers; /* handles that took a view (see fat_file_view) */
};

struct fat_handle {
	struct devmgr_file base;
	struct fat_inode *ino;
	int flags;
	bool viewing; /* counted in ino->viewers */
};

struct fat_vol {
	struct devmgr_device *dev;
	struct devmgr_ctx *ctx;
	const char *id;
	struct devmgr_blk *blk;
	uint32_t bss;	  /* the blk device's sector size */
	uint32_t ss;	  /* BPB bytes per sector */
	int type;	  /* 12, 16, 32 */
	uint32_t spc, cs; /* sectors per cluster, cluster bytes */
	unsigned cshift;
	uint32_t nfats, fat_sectors;
	uint64_t fat_start;  /* bytes */
	uint64_t root_start; /* bytes, FAT12/16 fixed root */
	uint32_t root_len;   /* bytes, FAT12/16 fixed root */
	uint64_t data_start; /* bytes: cluster 2 */
	uint32_t nclusters;  /* data clusters: valid numbers are 2..max */
	uint32_t max_clus;   /* nclusters + 1 */
	uint32_t root_clus;  /* FAT32 */
	uint32_t fsinfo;     /* FAT32 FSInfo sector, 0 when none */
	uint32_t free_count, next_free;
	uint8_t *fat; /* the first FAT, cached whole */
	size_t fat_bytes;
	uint8_t *fat_dirty; /* one flag per FAT sector */
	bool any_dirty, fsinfo_dirty;
	bool read_only;
	int32_t utc_offset; /* seconds east of UTC of the FAT's local time */
	bool was_dirty;	    /* FAT[1] said not cleanly unmounted */
	bool mounted;	    /* fat_mount() succeeded: the FAT cache is the
			     * volume's, and unmount may write it back */
	char label[36];
	struct fat_dir *dirs;
	unsigned ndirs;
	struct fat_inode *inodes;
	uint8_t *zero;	      /* one zeroed cluster */
	uint8_t *scratch;     /* bss bytes * 2 for partial sectors */
	char last_error[512]; /* the last problem logged, for mount errors */
};

/* fat_vol.c.  The volume layer calls nothing above it (folders, files):
 * fat_sync and fat_unmount (fat_ops.c) go top down. */
int fat_mount(struct fat_vol *v, struct devmgr_blk *blk, bool read_only,
	      struct devmgr_error *err);
/* The FAT and FSInfo written back, and the device flushed if asked. */
int fat_vol_sync(struct fat_vol *v, bool flush_dev);
/* The volume's own part of unmount: when above_ok (the layers above
 * wrote theirs; else nothing is written, as a failed sync writes no
 * FAT), written back and marked clean; then its caches freed. */
void fat_vol_close(struct fat_vol *v, bool above_ok);
void fat_log(struct fat_vol *v, enum devmgr_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fat_eio(struct fat_vol *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint32_t fat_get(const struct fat_vol *v, uint32_t c);
void fat_set(struct fat_vol *v, uint32_t c, uint32_t val);
int fat_next(struct fat_vol *v, uint32_t c, uint32_t *out);
bool fat_valid_clus(const struct fat_vol *v, uint32_t c);
int fat_chain(struct fat_vol *v, uint32_t first, uint32_t limit, uint32_t **out,
	      uint32_t *n, uint32_t *cap);
int fat_alloc(struct fat_vol *v, uint32_t n, uint32_t prev, uint32_t *out);
void fat_free_chain_from(struct fat_vol *v, const uint32_t *clus, uint32_t n);
int fat_flush_fat(struct fat_vol *v);
uint64_t fat_clus_off(const struct fat_vol *v, uint32_t c);
int fat_io(struct fat_vol *v, bool write, uint64_t off, struct iovec *iov,
	   int iovcnt);
int fat_rw(struct fat_vol *v, bool write, uint64_t off, void *buf, size_t len);
int fat_zero_clusters(struct fat_vol *v, const uint32_t *clus, uint32_t n);

/* fat_name.c */
int fat_utf8_to_utf16(const char *s, size_t len, uint16_t *out, size_t max);
int fat_utf16_to_utf8(const uint16_t *s, size_t n, char *out, size_t max);
uint16_t fat_fold(uint16_t c);
uint16_t fat_cp850(uint8_t b);
uint8_t fat_lfn_sum(const uint8_t name[11]);
int fat_short_render(const uint8_t *e, uint16_t *out, bool apply_case);
int fat_name_check(const char *s, size_t len, uint16_t *u, size_t *ulen);
bool fat_fits_83(const uint16_t *u, size_t n, uint8_t sn[11], uint8_t *ntcase);
void fat_alias_base(const uint16_t *u, size_t n, uint8_t sn[11], bool *lossy,
		    int *baselen);
void fat_alias_tail(uint8_t sn[11], int baselen, const char *mid, unsigned n);
uint32_t fat_hash(const uint16_t *c, size_t n);
int64_t fat_time_to_unix(uint16_t date, uint16_t time);
void fat_unix_to_time(int64_t t, uint16_t *date, uint16_t *time);

/* fat_dir.c */
struct fat_dir *fat_dir_get(struct fat_vol *v, uint32_t key, int *rc);
void fat_dir_trim(struct fat_vol *v);
void fat_dir_drop(struct fat_vol *v, uint32_t key);
void fat_dir_free_all(struct fat_vol *v);
uint32_t fat_root_key(const struct fat_vol *v);
int32_t fat_dir_lookup(struct fat_dir *d, const uint16_t *u, size_t n);
struct fat_dirent_info {
	uint32_t off, lfn_off;
	const uint8_t *e;     /* the 8.3 entry, in the folder's buffer */
	uint16_t lu[20 * 13]; /* the long name, llen units */
	uint16_t su[12];      /* the 8.3 name, no case flags */
	int llen, slen;
	char name[DEVMGR_FS_NAME_MAX + 1];
};
int fat_dir_next(struct fat_vol *v, struct fat_dir *d, uint32_t *pos,
		 struct fat_dirent_info *out);
int fat_dir_add(struct fat_vol *v, struct fat_dir *d, const uint16_t *u,
		size_t n, const uint8_t tmpl[32], uint32_t *off_out);
int fat_dir_remove(struct fat_vol *v, struct fat_dir *d, int32_t idx);
void fat_dir_unpin(struct fat_vol *v, struct fat_dir *d);
int fat_dir_load_label(struct fat_vol *v);
int fat_dir_write(struct fat_vol *v, struct fat_dir *d, uint32_t off,
		  uint32_t len);
bool fat_dir_empty(struct fat_vol *v, struct fat_dir *d);
uint32_t fat_ent_clus(const struct fat_vol *v, const uint8_t *e);
void fat_ent_set_clus(const struct fat_vol *v, uint8_t *e, uint32_t c);
void fat_ent_stat(const struct fat_vol *v, const uint8_t *e,
		  struct devmgr_fs_stat *st);
void fat_now(const struct fat_vol *v, uint16_t *date, uint16_t *time);

/* Where a path leads: the folder holding the last component and its
 * entry (de NULL when absent), or the root. */
struct fat_path {
	struct fat_dir *parent;
	int32_t de; /* index in parent, -1 when absent */
	bool root;
	const char *last; /* the last component (not NUL-terminated) */
	size_t last_len;
	uint16_t u[FAT_LFN_MAX + 1];
	size_t ulen;
	uint32_t seen[256]; /* folder keys walked through, for rename */
	unsigned nseen;
};
int fat_resolve(struct fat_vol *v, const char *path, struct fat_path *p);

/* fat_file.c */
int fat_inode_get(struct fat_vol *v, const struct fat_path *p,
		  struct fat_inode **out);
void fat_inode_put(struct fat_vol *v, struct fat_inode *ino);
struct fat_inode *fat_inode_find(struct fat_vol *v, uint32_t dir, uint32_t off);
ssize_t fat_file_read(struct fat_vol *v, struct fat_inode *ino, void *buf,
		      size_t len, uint64_t off);
ssize_t fat_file_write(struct fat_vol *v, struct fat_inode *ino,
		       const void *buf, size_t len, uint64_t off);
int fat_file_truncate(struct fat_vol *v, struct fat_inode *ino, uint64_t size);
/* The file's bytes from off in place, through the blk device's map: one
 * piece per run of neighbouring clusters, at most max. */
int fat_file_view(struct fat_vol *v, struct fat_inode *ino, uint64_t off,
		  size_t len, struct devmgr_fs_view *out, int max);
int fat_inode_store(struct fat_vol *v, struct fat_inode *ino, bool modified,
		    bool now);
int fat_inodes_flush(struct fat_vol *v);
void fat_inodes_free(struct fat_vol *v);

/* fat_ops.c: the whole volume, top down (files, then the volume). */
int fat_sync(struct fat_vol *v, bool flush_dev);
void fat_unmount(struct fat_vol *v);

/* fat_mkfs.c */
struct fat_mkfs_opts {
	int type;	      /* 12, 16, 32; 0: by size */
	uint32_t sector_size; /* 0: 512, or the device's when larger */
	uint32_t spc;	      /* sectors per cluster; 0: by size */
	char label[12];	      /* "": none (the BPB says "NO NAME") */
	uint32_t volume_id;
	bool have_id; /* else one from the clock */
};
struct fat_geom {
	int type;
	uint32_t ss, spc, rsv, nfats, root_ents, fat_len, clusters;
	uint64_t total; /* sectors */
	uint16_t spt, heads;
	uint8_t media, drive;
	uint32_t volume_id;
};
int fat_mkfs_plan(uint64_t bytes, const struct fat_mkfs_opts *o,
		  struct fat_geom *g, char *why, size_t whylen);
int fat_mkfs(struct devmgr_blk *blk, const struct fat_mkfs_opts *o,
	     struct fat_geom *g, struct devmgr_error *err);

/* fat_ops.c */
extern const struct devmgr_fs_ops fat_ops_rw, fat_ops_ro;

#endif
