/* devmgr/sig/fs.h: the filesystem signature, v1.2 (minor 2: view,
 * host_fd).  Paths are
 * absolute,
 * '/'-separated, UTF-8; names compare as the filesystem compares them (FAT:
 * case-insensitively).  A "." or ".." step is refused with -EINVAL (a path
 * names an entry; "rmdir /a/." would otherwise remove /a).  Errors are negative
 * errno values: -ENOENT, -ENOTDIR, -EISDIR, -ENOTEMPTY, -ENOSPC, -ENAMETOOLONG,
 * -EEXIST, -EIO, -EROFS, -ELOOP (a corrupt folder entry that leads back up the
 * path), -EPERM (minor 1: writing, truncating or removing a read-only file). A
 * read-only filesystem leaves the write ops NULL, and the wrappers below answer
 * -EROFS for them. */
#ifndef DEVMGR_SIG_FS_H
#define DEVMGR_SIG_FS_H

#include <devmgr/sig.h>
#include <fcntl.h>
#include <string.h>
#include <sys/types.h>

#define DEVMGR_FS_MAJOR 1
#define DEVMGR_FS_MINOR 2

#define DEVMGR_FS_NAME_MAX 1020 /* bytes of UTF-8 in one name, plus NUL */

struct devmgr_fs;

/* An open file.  Providers allocate it with this header first. */
struct devmgr_file {
	struct devmgr_fs *fs;
	void *reserved_;
};

enum devmgr_fs_kind {
	DEVMGR_FS_FILE = 1,
	DEVMGR_FS_DIR = 2,
};

/* Attributes (minor 1), the bits FAT stores them as.  A provider that
 * reports attributes sets DEVMGR_FS_ATTR_KNOWN in attrs; from one that
 * does not, attrs is 0. */
#define DEVMGR_FS_ATTR_READONLY 0x01u /* writes, truncation, unlink: EPERM */
#define DEVMGR_FS_ATTR_HIDDEN	0x02u
#define DEVMGR_FS_ATTR_SYSTEM	0x04u
#define DEVMGR_FS_ATTR_ARCHIVE	0x20u /* changed since the last backup */
#define DEVMGR_FS_ATTR_SETTABLE                                                \
	(DEVMGR_FS_ATTR_READONLY | DEVMGR_FS_ATTR_HIDDEN |                     \
	 DEVMGR_FS_ATTR_SYSTEM | DEVMGR_FS_ATTR_ARCHIVE)
#define DEVMGR_FS_ATTR_KNOWN 0x80000000u

/* Times are seconds since 1970-01-01 UTC (a filesystem without time
 * zones, such as FAT, converts its local times; see its provider). */
struct devmgr_fs_stat {
	uint64_t size;
	uint32_t kind;	/* enum devmgr_fs_kind */
	uint32_t attrs; /* minor 1: DEVMGR_FS_ATTR_*; was reserved (0) */
	int64_t mtime, atime, ctime;
	uint8_t reserved[16];
};
_Static_assert(sizeof(struct devmgr_fs_stat) == 56, "devmgr_fs_stat ABI");

/* What setattr changes (minor 1): the fields named in valid.  A
 * filesystem stores times at its own resolution (FAT: 2 seconds for the
 * write and creation times, a day for the access date) and within its
 * range, rounding down. Caller supplies the storage. */
#define DEVMGR_FS_SET_ATTRS 0x1u /* attrs: the DEVMGR_FS_ATTR_SETTABLE bits */
#define DEVMGR_FS_SET_MTIME 0x2u
#define DEVMGR_FS_SET_ATIME 0x4u
#define DEVMGR_FS_SET_CTIME 0x8u
struct devmgr_fs_setattr {
	uint32_t valid;
	uint32_t attrs;
	int64_t mtime, atime, ctime;
	uint8_t reserved[16];
};

struct devmgr_fs_dirent {
	char name[DEVMGR_FS_NAME_MAX + 1];
	struct devmgr_fs_stat st;
};

/* Caller supplies the storage. */
struct devmgr_fs_volume {
	char type[8];	/* "FAT12", "FAT16", "FAT32"... */
	char label[36]; /* UTF-8, no trailing spaces; "" when none */
	uint32_t cluster_size;
	uint64_t total_bytes;
	uint64_t free_bytes;
	bool read_only;
	uint8_t reserved[23];
};

/* One piece of a file's bytes, borrowed from the device below (minor 2:
 * view).  The provider owns the bytes; the caller only reads them. */
struct devmgr_fs_view {
	const void *base;
	size_t len;
	/* The same bytes in a host file, for sendfile(2): at fd_off of fd
	 * (owned by the provider, valid as base is), or fd -1 when the
	 * device below has no such file (blk host_fd). */
	int fd;
	uint64_t fd_off;
};

/* Called once for each entry of a folder ("." and ".." left out), in the
 * folder's order; return non-zero to stop early (readdir returns it). */
typedef int (*devmgr_fs_dir_fn)(void *arg, const struct devmgr_fs_dirent *e);

struct devmgr_fs_ops {
	uint32_t minor; /* DEVMGR_FS_MINOR when built */
	uint32_t reserved;
	/* valid for minor 0 */
	/* out arrives zeroed by the core's wrapper: set what you know. */
	int (*volume)(struct devmgr_fs *fs,
		      struct devmgr_fs_volume *out); /* required */
	/* flags: O_RDONLY, O_WRONLY or O_RDWR, with O_CREAT, O_TRUNC,
	 * O_EXCL.  -EISDIR for a folder opened to write. */
	int (*open)(struct devmgr_fs *fs, const char *path, int flags,
		    struct devmgr_file **out); /* required */
	/* Bytes read, fewer at the end of the file, 0 past it. */
	ssize_t (*pread)(struct devmgr_file *f, void *buf, size_t len,
			 uint64_t off); /* required */
	int (*fstat)(struct devmgr_file *f,
		     struct devmgr_fs_stat *out); /* required */
	/* Frees f; writes what it holds first (the error, if that fails). */
	int (*close)(struct devmgr_file *f); /* required */
	int (*stat)(struct devmgr_fs *fs, const char *path,
		    struct devmgr_fs_stat *out); /* required */
	int (*readdir)(struct devmgr_fs *fs, const char *path,
		       devmgr_fs_dir_fn fn, void *arg); /* required */
	/* The write ops, each optional (NULL on a read-only filesystem). */
	ssize_t (*pwrite)(struct devmgr_file *f, const void *buf, size_t len,
			  uint64_t off);
	int (*ftruncate)(struct devmgr_file *f, uint64_t size);
	int (*mkdir)(struct devmgr_fs *fs, const char *path);
	int (*unlink)(struct devmgr_fs *fs, const char *path);
	int (*rmdir)(struct devmgr_fs *fs, const char *path);
	/* Replaces an existing file at to, as rename(2). */
	int (*rename)(struct devmgr_fs *fs, const char *from, const char *to);
	/* Everything written so far reaches the blk device and is flushed. */
	int (*sync)(struct devmgr_fs *fs);
	/* valid for minor 1 */
	/* Sets attributes and times of the entry at path (file or folder);
	 * -EINVAL for bits outside DEVMGR_FS_ATTR_SETTABLE.  Optional. */
	int (*setattr)(struct devmgr_fs *fs, const char *path,
		       const struct devmgr_fs_setattr *sa);
	/* valid for minor 2 */
	/* The file's bytes from off, borrowed in place rather than copied:
	 * up to max pieces (max >= 1, else -EINVAL), in file order, of up
	 * to len bytes in all; fewer at the end of the file or when the
	 * pieces run out (fs-fat: a piece per run of neighbouring
	 * clusters).  Returns the number of pieces, 0 at or past the end.
	 * The pieces stay valid and hold the file's bytes until f is
	 * closed: while f has taken a view, the provider refuses what would
	 * change them (opening the file for writing or with O_TRUNC:
	 * -ETXTBSY; unlink and rename over it: -EBUSY, as for any open
	 * file), and it refuses a view of a file that a handle has open for
	 * writing (-EBUSY).  -EOPNOTSUPP when the device below cannot lend
	 * its bytes (fs-fat on a blk device without map); -EBADF for a
	 * handle open write-only.  Optional. */
	int (*view)(struct devmgr_file *f, uint64_t off, size_t len,
		    struct devmgr_fs_view *out, int max);
	/* A host file descriptor whose bytes are the file's, at the file's
	 * own offsets (fs-host: the file itself), for sendfile(2) and the
	 * like.  Owned by f and valid until f is closed: the caller only
	 * reads it at explicit offsets (pread, sendfile), never closes it
	 * nor moves its offset.  What it reads is the file as it is at that
	 * moment (another process may change it).  -EOPNOTSUPP where the
	 * bytes are no host file's; -EISDIR for a folder; -EBADF for a
	 * handle open write-only.  Optional. */
	int (*host_fd)(struct devmgr_file *f);
};

struct devmgr_fs {
	DEVMGR_HANDLE_HEAD(devmgr_fs_ops);
};

static inline int devmgr_fs_volume(struct devmgr_fs *fs,
				   struct devmgr_fs_volume *out)
{
	memset(out, 0, sizeof(*out)); /* the provider sets what it knows */
	return fs->ops->volume(fs, out);
}

static inline int devmgr_fs_open(struct devmgr_fs *fs, const char *path,
				 int flags, struct devmgr_file **out)
{
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
		if (!DEVMGR_HAS_OP(fs->ops, 0, pwrite))
			return -EROFS;
	return fs->ops->open(fs, path, flags, out);
}

static inline ssize_t devmgr_file_pread(struct devmgr_file *f, void *buf,
					size_t len, uint64_t off)
{
	return f->fs->ops->pread(f, buf, len, off);
}

static inline ssize_t devmgr_file_pwrite(struct devmgr_file *f, const void *buf,
					 size_t len, uint64_t off)
{
	if (!DEVMGR_HAS_OP(f->fs->ops, 0, pwrite))
		return -EROFS;
	return f->fs->ops->pwrite(f, buf, len, off);
}

static inline int devmgr_file_truncate(struct devmgr_file *f, uint64_t size)
{
	if (!DEVMGR_HAS_OP(f->fs->ops, 0, ftruncate))
		return -EROFS;
	return f->fs->ops->ftruncate(f, size);
}

static inline int devmgr_file_stat(struct devmgr_file *f,
				   struct devmgr_fs_stat *out)
{
	memset(out, 0, sizeof(*out)); /* attrs 0 from a minor-0 provider */
	return f->fs->ops->fstat(f, out);
}

static inline int devmgr_file_close(struct devmgr_file *f)
{
	return f->fs->ops->close(f);
}

static inline int devmgr_fs_stat(struct devmgr_fs *fs, const char *path,
				 struct devmgr_fs_stat *out)
{
	memset(out, 0, sizeof(*out));
	return fs->ops->stat(fs, path, out);
}

static inline int devmgr_fs_readdir(struct devmgr_fs *fs, const char *path,
				    devmgr_fs_dir_fn fn, void *arg)
{
	return fs->ops->readdir(fs, path, fn, arg);
}

static inline int devmgr_fs_mkdir(struct devmgr_fs *fs, const char *path)
{
	if (!DEVMGR_HAS_OP(fs->ops, 0, mkdir))
		return -EROFS;
	return fs->ops->mkdir(fs, path);
}

static inline int devmgr_fs_unlink(struct devmgr_fs *fs, const char *path)
{
	if (!DEVMGR_HAS_OP(fs->ops, 0, unlink))
		return -EROFS;
	return fs->ops->unlink(fs, path);
}

static inline int devmgr_fs_rmdir(struct devmgr_fs *fs, const char *path)
{
	if (!DEVMGR_HAS_OP(fs->ops, 0, rmdir))
		return -EROFS;
	return fs->ops->rmdir(fs, path);
}

static inline int devmgr_fs_rename(struct devmgr_fs *fs, const char *from,
				   const char *to)
{
	if (!DEVMGR_HAS_OP(fs->ops, 0, rename))
		return -EROFS;
	return fs->ops->rename(fs, from, to);
}

/* -EOPNOTSUPP from a filesystem without setattr, -EROFS from one that is
 * read-only. */
static inline int devmgr_fs_setattr(struct devmgr_fs *fs, const char *path,
				    const struct devmgr_fs_setattr *sa)
{
	if (!DEVMGR_HAS_OP(fs->ops, 1, setattr))
		return fs->ops->minor >= 1 && !DEVMGR_HAS_OP(fs->ops, 0, pwrite)
			       ? -EROFS
			       : -EOPNOTSUPP;
	return fs->ops->setattr(fs, path, sa);
}

/* -EOPNOTSUPP from a provider without view, or built before minor 2:
 * the caller reads with pread instead. */
static inline int devmgr_file_view(struct devmgr_file *f, uint64_t off,
				   size_t len, struct devmgr_fs_view *out,
				   int max)
{
	if (!DEVMGR_HAS_OP(f->fs->ops, 2, view))
		return -EOPNOTSUPP;
	return f->fs->ops->view(f, off, len, out, max);
}

/* -EOPNOTSUPP from a provider without host_fd, or built before minor 2. */
static inline int devmgr_file_host_fd(struct devmgr_file *f)
{
	if (!DEVMGR_HAS_OP(f->fs->ops, 2, host_fd))
		return -EOPNOTSUPP;
	return f->fs->ops->host_fd(f);
}

static inline int devmgr_fs_sync(struct devmgr_fs *fs)
{
	if (!DEVMGR_HAS_OP(fs->ops, 0, sync))
		return 0; /* nothing was written */
	return fs->ops->sync(fs);
}

#endif
