/* test-fs-fault: an fs stacked on one fs device, passing every op through
 * to it except where fault=NAME breaks one rule of sig/fs.h, so that
 * exactly one case of "devmgr conform" fails (tests/conform/expect/fs).
 * read_only=true presents the device below as a read-only filesystem.
 * Part of test-conform-fault (fault.c). */
#include <devmgr/plugin.h>
#include <devmgr/sig/fs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

enum fs_fault {
	S_NONE,
	S_VOLUME,   /* free_bytes above total_bytes */
	S_ROOT,	    /* opening "/" to write is -EACCES, not -EISDIR */
	S_TRUNC,    /* O_TRUNC is ignored */
	S_EXIST,    /* mkdir of an existing folder answers 0 */
	S_DOTS,	    /* stat("/x/.") answers for /x */
	S_SIZE,	    /* readdir reports files with size 0 */
	S_RENAME,   /* rename over an existing file is -EEXIST */
	S_GROW,	    /* ftruncate to a larger size does nothing */
	S_REUSE,    /* a name unlinked cannot be created again */
	S_LONGNAME, /* a name of more than 100 bytes is -ENAMETOOLONG */
	S_SYNC,	    /* sync of a writable filesystem fails with -EIO */
	S_MTIME,    /* setattr ignores the mtime */
	S_ROWRITE,  /* read_only=true keeps the write ops */
	S_VIEWOFF,  /* view ignores its offset: pieces from the start */
};

static const char *const fs_fault_names[] = {
	"none",	 "volume",  "root",    "trunc", "exist",    "dots",
	"size",	 "rename",  "grow",    "reuse", "longname", "sync",
	"mtime", "rowrite", "viewoff", NULL,
};

struct ffs {
	enum fs_fault fault;
	bool read_only;
	char unlinked[16][256];
	int nunlinked;
};

struct ffile {
	struct devmgr_file hdr;
	struct devmgr_file *lower;
};

static struct devmgr_fs *lower(struct devmgr_fs *fs)
{
	return devmgr_device_handle(devmgr_device_dep(fs->dev, 0));
}

static struct ffs *state(struct devmgr_fs *fs)
{
	return fs->priv;
}

static struct devmgr_file *lf(struct devmgr_file *f)
{
	return ((struct ffile *)f)->lower;
}

static int ffs_volume(struct devmgr_fs *fs, struct devmgr_fs_volume *out)
{
	int rc = devmgr_fs_volume(lower(fs), out);

	if (rc == 0 && state(fs)->read_only)
		out->read_only = true;
	if (rc == 0 && state(fs)->fault == S_VOLUME)
		out->free_bytes = out->total_bytes + 1;
	return rc;
}

static bool long_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && strlen(s + 1) > 100;
}

static int ffs_open(struct devmgr_fs *fs, const char *path, int flags,
		    struct devmgr_file **out)
{
	struct ffs *st = state(fs);
	bool w = (flags & O_ACCMODE) != O_RDONLY;

	if (st->fault == S_ROOT && w && strcmp(path, "/") == 0)
		return -EACCES;
	if (st->fault == S_TRUNC)
		flags &= ~O_TRUNC;
	if (st->fault == S_LONGNAME && long_name(path))
		return -ENAMETOOLONG;
	if (st->fault == S_REUSE && (flags & O_CREAT))
		for (int i = 0; i < st->nunlinked; i++)
			if (strcmp(st->unlinked[i], path) == 0)
				return -EEXIST;
	struct ffile *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	int rc = devmgr_fs_open(lower(fs), path, flags, &f->lower);
	if (rc < 0) {
		free(f);
		return rc;
	}
	f->hdr.fs = fs;
	*out = &f->hdr;
	return 0;
}

static ssize_t ffs_pread(struct devmgr_file *f, void *buf, size_t len,
			 uint64_t off)
{
	return devmgr_file_pread(lf(f), buf, len, off);
}

static int ffs_fstat(struct devmgr_file *f, struct devmgr_fs_stat *out)
{
	return devmgr_file_stat(lf(f), out);
}

static int ffs_close(struct devmgr_file *f)
{
	int rc = devmgr_file_close(lf(f));
	free(f);
	return rc;
}

static int ffs_stat(struct devmgr_fs *fs, const char *path,
		    struct devmgr_fs_stat *out)
{
	size_t n = strlen(path);

	if (state(fs)->fault == S_DOTS && n > 2 &&
	    strcmp(path + n - 2, "/.") == 0) {
		char *p = strndup(path, n - 2);
		if (!p)
			return -ENOMEM;
		int rc = devmgr_fs_stat(lower(fs), p, out);
		free(p);
		return rc;
	}
	return devmgr_fs_stat(lower(fs), path, out);
}

struct dir_pass {
	devmgr_fs_dir_fn fn;
	void *arg;
	bool zero_size;
};

static int pass_entry(void *arg, const struct devmgr_fs_dirent *e)
{
	const struct dir_pass *p = arg;

	if (p->zero_size && e->st.kind == DEVMGR_FS_FILE) {
		struct devmgr_fs_dirent *copy = malloc(sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		*copy = *e;
		copy->st.size = 0;
		int rc = p->fn(p->arg, copy);
		free(copy);
		return rc;
	}
	return p->fn(p->arg, e);
}

static int ffs_readdir(struct devmgr_fs *fs, const char *path,
		       devmgr_fs_dir_fn fn, void *arg)
{
	struct dir_pass p = { fn, arg, state(fs)->fault == S_SIZE };
	return devmgr_fs_readdir(lower(fs), path, pass_entry, &p);
}

static ssize_t ffs_pwrite(struct devmgr_file *f, const void *buf, size_t len,
			  uint64_t off)
{
	return devmgr_file_pwrite(lf(f), buf, len, off);
}

static int ffs_ftruncate(struct devmgr_file *f, uint64_t size)
{
	struct devmgr_fs_stat st;

	if (state(f->fs)->fault == S_GROW &&
	    devmgr_file_stat(lf(f), &st) == 0 && size > st.size)
		return 0;
	return devmgr_file_truncate(lf(f), size);
}

static int ffs_mkdir(struct devmgr_fs *fs, const char *path)
{
	int rc = devmgr_fs_mkdir(lower(fs), path);
	struct devmgr_fs_stat st;

	if (rc == -EEXIST && state(fs)->fault == S_EXIST &&
	    devmgr_fs_stat(lower(fs), path, &st) == 0 &&
	    st.kind == DEVMGR_FS_DIR)
		return 0;
	return rc;
}

static int ffs_unlink(struct devmgr_fs *fs, const char *path)
{
	struct ffs *st = state(fs);
	int rc = devmgr_fs_unlink(lower(fs), path);

	if (rc == 0 && st->fault == S_REUSE && st->nunlinked < 16)
		snprintf(st->unlinked[st->nunlinked++], sizeof(st->unlinked[0]),
			 "%s", path);
	return rc;
}

static int ffs_rmdir(struct devmgr_fs *fs, const char *path)
{
	return devmgr_fs_rmdir(lower(fs), path);
}

static int ffs_rename(struct devmgr_fs *fs, const char *from, const char *to)
{
	struct devmgr_fs_stat st;

	if (state(fs)->fault == S_RENAME &&
	    devmgr_fs_stat(lower(fs), to, &st) == 0)
		return -EEXIST;
	return devmgr_fs_rename(lower(fs), from, to);
}

static int ffs_sync(struct devmgr_fs *fs)
{
	if (state(fs)->fault == S_SYNC && !state(fs)->read_only)
		return -EIO;
	return devmgr_fs_sync(lower(fs));
}

static int ffs_setattr(struct devmgr_fs *fs, const char *path,
		       const struct devmgr_fs_setattr *sa)
{
	struct devmgr_fs_setattr copy = *sa;

	if (state(fs)->fault == S_MTIME)
		copy.valid &= ~DEVMGR_FS_SET_MTIME;
	if (!copy.valid)
		return 0;
	return devmgr_fs_setattr(lower(fs), path, &copy);
}

static int ffs_view(struct devmgr_file *f, uint64_t off, size_t len,
		    struct devmgr_fs_view *out, int max)
{
	if (state(f->fs)->fault == S_VIEWOFF)
		off = 0;
	return devmgr_file_view(lf(f), off, len, out, max);
}

static const struct devmgr_fs_ops ffs_ops = {
	.minor = DEVMGR_FS_MINOR,
	.volume = ffs_volume,
	.open = ffs_open,
	.pread = ffs_pread,
	.fstat = ffs_fstat,
	.close = ffs_close,
	.stat = ffs_stat,
	.readdir = ffs_readdir,
	.pwrite = ffs_pwrite,
	.ftruncate = ffs_ftruncate,
	.mkdir = ffs_mkdir,
	.unlink = ffs_unlink,
	.rmdir = ffs_rmdir,
	.rename = ffs_rename,
	.sync = ffs_sync,
	.setattr = ffs_setattr,
	.view = ffs_view,
};

static const struct devmgr_fs_ops ffs_ops_ro = {
	.minor = DEVMGR_FS_MINOR,
	.volume = ffs_volume,
	.open = ffs_open,
	.pread = ffs_pread,
	.fstat = ffs_fstat,
	.close = ffs_close,
	.stat = ffs_stat,
	.readdir = ffs_readdir,
	.sync = ffs_sync,
	.view = ffs_view,
};

static int ffs_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct ffs *st = devmgr_device_priv(dev);
	int fault = fault_find(fs_fault_names, devmgr_param_str(dev, "fault"));

	if (fault < 0)
		return devmgr_error_set(err, -EINVAL, "unknown fault \"%s\"",
					devmgr_param_str(dev, "fault"));
	st->fault = (enum fs_fault)fault;
	st->read_only = devmgr_param_bool(dev, "read_only");
	struct devmgr_fs *below =
		devmgr_device_handle(devmgr_device_dep(dev, 0));
	if (!st->read_only && !DEVMGR_HAS_OP(below->ops, 0, pwrite))
		st->read_only = true;
	if (st->read_only && st->fault != S_ROWRITE)
		devmgr_device_set_handle_ops(dev, &ffs_ops_ro);
	return 0;
}

static const struct devmgr_param ffs_params[] = {
	{ "fault", DEVMGR_PARAM_STRING, 0, "\"none\"",
	  "the rule to break (tests/conform/fault_fs.c)", 0, 0 },
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "false",
	  "present the filesystem below as read-only", 0, 0 },
	{ NULL },
};

const struct devmgr_provider fault_fs_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "test-fs-fault",
	.help = "test: the fs below, with the rule named by fault broken",
	.sig = "fs",
	.sig_major = DEVMGR_FS_MAJOR,
	.sig_minor = DEVMGR_FS_MINOR,
	.ops = &ffs_ops,
	.params = ffs_params,
	.on_sig = "fs",
	.on_min = 1,
	.on_max = 1,
	.priv_size = sizeof(struct ffs),
	.create = ffs_create,
};
