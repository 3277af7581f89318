/* fs-host: the fs signature over a folder of the host.  Every path is
 * resolved beneath that folder by the kernel (openat2 with
 * RESOLVE_BENEATH): a ".." or a symlink that would leave it, an absolute
 * symlink, or a /proc magic link is refused (-EACCES), while a symlink
 * that stays inside works as on the host.  Only regular files and
 * folders are seen: a FIFO, socket or device in the folder is refused
 * (-EACCES) without being opened for real, so a FIFO cannot block.
 * Read-only unless read_only is false (then the write ops exist).
 *
 * Nothing is cached: every call asks the host, so edits in the folder
 * show at once. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/fs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

struct host_fs {
	int root; /* the folder, opened (syncfs needs more than O_PATH) */
	bool read_only;
	char path[PATH_MAX];
};

struct host_file {
	struct devmgr_file base;
	int fd;
	int flags;
	bool dir;
};

static struct host_fs *host_of(struct devmgr_fs *fs)
{
	return fs->priv;
}

/* A path of the signature ('/'-separated, "//" ignored, "." and ".."
 * refused) as a path relative to the root, "." for the root itself. */
static int relative(const char *path, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = path; *p;) {
		const char *q = strchrnul(p, '/');
		size_t n = (size_t)(q - p);

		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (n > DEVMGR_FS_NAME_MAX || n > NAME_MAX)
			return -ENAMETOOLONG;
		if (n > 0) {
			if (o + n + 2 > size)
				return -ENAMETOOLONG;
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = *q ? q + 1 : q;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return 0;
}

/* The kernel's refusal to leave the root (EXDEV) and to follow a magic
 * link (ELOOP under RESOLVE_NO_MAGICLINKS) are one answer: not here. */
static int beneath(struct host_fs *h, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, h->root, rel, &how, sizeof(how));

	if (fd >= 0)
		return (int)fd;
	if (errno == EXDEV)
		return -EACCES;
	if (errno == ENOSYS)
		return -ENOSYS;
	return -errno;
}

static void fill_stat(const struct stat *st, struct devmgr_fs_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	out->kind = S_ISDIR(st->st_mode) ? DEVMGR_FS_DIR : DEVMGR_FS_FILE;
	out->mtime = st->st_mtim.tv_sec;
	out->atime = st->st_atim.tv_sec;
	out->ctime = st->st_ctim.tv_sec;
}

static bool plain(const struct stat *st)
{
	return S_ISREG(st->st_mode) || S_ISDIR(st->st_mode);
}

/* What path names, through an O_PATH descriptor (opens nothing for real,
 * so a FIFO is looked at, not waited on). */
static int stat_rel(struct host_fs *h, const char *rel, struct stat *st)
{
	int fd = beneath(h, rel, O_PATH, 0);
	int rc = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && !plain(st))
		rc = -EACCES;
	return rc;
}

static int op_volume(struct devmgr_fs *fs, struct devmgr_fs_volume *out)
{
	struct host_fs *h = host_of(fs);
	const char *base = strrchr(h->path, '/');
	const char *label = base && base[1] ? base + 1 : h->path;
	size_t n = strlen(label);
	struct statvfs sv;

	snprintf(out->type, sizeof(out->type), "host");
	/* the label is the folder's name, cut short by whole characters */
	if (n > sizeof(out->label) - 1) {
		n = sizeof(out->label) - 1;
		while (n > 0 && ((unsigned char)label[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out->label, label, n);
	if (fstatvfs(h->root, &sv) == 0) {
		out->cluster_size = (uint32_t)sv.f_bsize;
		out->total_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
		out->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	}
	out->read_only = h->read_only;
	return 0;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

static int op_open(struct devmgr_fs *fs, const char *path, int flags,
		   struct devmgr_file **out)
{
	struct host_fs *h = host_of(fs);
	char rel[PATH_MAX];
	struct host_file *f;
	struct stat st;
	int fd, rc = relative(path, rel, sizeof(rel));

	if (rc < 0)
		return rc;
	if (h->read_only && wants_write(flags))
		return -EROFS;
	if (flags & ~(O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL))
		return -EINVAL;
	if (!(flags & O_CREAT)) {
		/* look before opening: a FIFO must not be opened */
		rc = stat_rel(h, rel, &st);
		if (rc < 0)
			return rc;
		if (S_ISDIR(st.st_mode) && wants_write(flags))
			return -EISDIR;
	}
	fd = beneath(h, rel, flags | O_NONBLOCK | O_NOCTTY, 0644);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !plain(&st)) {
		rc = fstat(fd, &st) < 0 ? -errno : -EACCES;
		close(fd);
		return rc;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->base.fs = fs;
	f->fd = fd;
	f->flags = flags;
	f->dir = S_ISDIR(st.st_mode);
	*out = &f->base;
	return 0;
}

static ssize_t op_pread(struct devmgr_file *file, void *buf, size_t len,
			uint64_t off)
{
	struct host_file *f = (struct host_file *)file;
	ssize_t n;

	if (f->dir)
		return -EISDIR;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (off > (uint64_t)INT64_MAX)
		return 0;
	do
		n = pread(f->fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int op_host_fd(struct devmgr_file *file)
{
	struct host_file *f = (struct host_file *)file;

	if (f->dir)
		return -EISDIR;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	return f->fd;
}

static int op_fstat(struct devmgr_file *file, struct devmgr_fs_stat *out)
{
	struct host_file *f = (struct host_file *)file;
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return -errno;
	fill_stat(&st, out);
	return 0;
}

static int op_close(struct devmgr_file *file)
{
	struct host_file *f = (struct host_file *)file;
	int rc = close(f->fd) < 0 && errno != EINTR ? -errno : 0;

	free(f);
	return rc;
}

static int op_stat(struct devmgr_fs *fs, const char *path,
		   struct devmgr_fs_stat *out)
{
	char rel[PATH_MAX];
	struct stat st;
	int rc = relative(path, rel, sizeof(rel));

	if (rc == 0)
		rc = stat_rel(host_of(fs), rel, &st);
	if (rc == 0)
		fill_stat(&st, out);
	return rc;
}

/* Entries that are neither files nor folders, or symlinks that lead out,
 * are left out: they could not be opened either. */
static int op_readdir(struct devmgr_fs *fs, const char *path,
		      devmgr_fs_dir_fn fn, void *arg)
{
	struct host_fs *h = host_of(fs);
	char rel[PATH_MAX], child[PATH_MAX];
	struct devmgr_fs_dirent *e;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, rc = relative(path, rel, sizeof(rel));

	if (rc < 0)
		return rc;
	rc = stat_rel(h, rel, &st);
	if (rc < 0)
		return rc;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	fd = beneath(h, rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	e = malloc(sizeof(*e));
	if (!d || !e) {
		if (d)
			closedir(d);
		else
			close(fd);
		free(e);
		return -ENOMEM;
	}
	rc = 0;
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", rel, de->d_name) >=
			    (int)sizeof(child) ||
		    stat_rel(h, child, &st) < 0)
			continue;
		snprintf(e->name, sizeof(e->name), "%s", de->d_name);
		fill_stat(&st, &e->st);
		rc = fn(arg, e);
	}
	if (!de && errno && rc == 0)
		rc = -errno;
	closedir(d);
	free(e);
	return rc;
}

/* ---- the write ops (read_only false) --------------------------------- */

static ssize_t op_pwrite(struct devmgr_file *file, const void *buf, size_t len,
			 uint64_t off)
{
	struct host_file *f = (struct host_file *)file;
	ssize_t n;

	if (f->dir)
		return -EISDIR;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (off > (uint64_t)INT64_MAX)
		return -EFBIG;
	do
		n = pwrite(f->fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int op_ftruncate(struct devmgr_file *file, uint64_t size)
{
	struct host_file *f = (struct host_file *)file;

	if (f->dir)
		return -EISDIR;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	return ftruncate(f->fd, (off_t)size) < 0 ? -errno : 0;
}

/* The folder that holds path's last name (opened beneath the root), and
 * that name.  The calls that take it (mkdirat, unlinkat, renameat) do not
 * follow a symlink in the last name, so nothing outside can be reached. */
static int parent_of(struct host_fs *h, const char *path, char *rel,
		     size_t size, const char **name)
{
	char *slash;
	int rc = relative(path, rel, size), fd;

	if (rc < 0)
		return rc;
	if (!strcmp(rel, "."))
		return -EBUSY; /* the root itself */
	slash = strrchr(rel, '/');
	if (slash) {
		*slash = '\0';
		*name = slash + 1;
	} else {
		*name = rel;
	}
	fd = beneath(h, slash ? rel : ".", O_PATH | O_DIRECTORY, 0);
	return fd;
}

static int op_mkdir(struct devmgr_fs *fs, const char *path)
{
	char rel[PATH_MAX];
	const char *name;
	int dfd = parent_of(host_of(fs), path, rel, sizeof(rel), &name), rc;

	if (dfd < 0)
		return dfd == -EBUSY ? -EEXIST : dfd;
	rc = mkdirat(dfd, name, 0755) < 0 ? -errno : 0;
	close(dfd);
	return rc;
}

static int remove_at(struct devmgr_fs *fs, const char *path, int flags)
{
	char rel[PATH_MAX];
	const char *name;
	int dfd = parent_of(host_of(fs), path, rel, sizeof(rel), &name), rc;

	if (dfd < 0)
		return dfd;
	rc = unlinkat(dfd, name, flags) < 0 ? -errno : 0;
	close(dfd);
	/* Linux says EEXIST or ENOTEMPTY for a full folder; the signature
	 * says ENOTEMPTY */
	return rc == -EEXIST ? -ENOTEMPTY : rc;
}

static int op_unlink(struct devmgr_fs *fs, const char *path)
{
	return remove_at(fs, path, 0);
}

static int op_rmdir(struct devmgr_fs *fs, const char *path)
{
	return remove_at(fs, path, AT_REMOVEDIR);
}

static int op_rename(struct devmgr_fs *fs, const char *from, const char *to)
{
	struct host_fs *h = host_of(fs);
	char rel_a[PATH_MAX], rel_b[PATH_MAX];
	const char *a, *b;
	int fa = parent_of(h, from, rel_a, sizeof(rel_a), &a), fb, rc;

	if (fa < 0)
		return fa;
	fb = parent_of(h, to, rel_b, sizeof(rel_b), &b);
	if (fb < 0) {
		close(fa);
		return fb;
	}
	rc = renameat(fa, a, fb, b) < 0 ? -errno : 0;
	close(fa);
	close(fb);
	return rc;
}

static int op_sync(struct devmgr_fs *fs)
{
	return syncfs(host_of(fs)->root) < 0 ? -errno : 0;
}

static const struct devmgr_fs_ops host_ops_ro = {
	.minor = DEVMGR_FS_MINOR,
	.volume = op_volume,
	.open = op_open,
	.pread = op_pread,
	.fstat = op_fstat,
	.close = op_close,
	.stat = op_stat,
	.readdir = op_readdir,
	.host_fd = op_host_fd,
};

static const struct devmgr_fs_ops host_ops_rw = {
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
	.host_fd = op_host_fd,
};

static const struct devmgr_param host_params[] = {
	{ "path", DEVMGR_PARAM_PATH, DEVMGR_PARAM_REQUIRED, NULL,
	  "host folder served as the filesystem's root; nothing outside it "
	  "is reachable, symlinks leading out are refused",
	  0, 0 },
	{ "read_only", DEVMGR_PARAM_BOOL, 0, "true",
	  "read-only (the default): the write ops are absent; false lets "
	  "the app create, write, rename and delete below path",
	  0, 0 },
	{ NULL },
};

static int host_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct host_fs *h = devmgr_device_priv(dev);
	const char *path = devmgr_param_str(dev, "path");
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC };
	struct stat st;
	long probe;

	h->root = -1;
	if (snprintf(h->path, sizeof(h->path), "%s", path) >=
	    (int)sizeof(h->path))
		return devmgr_error_set(err, -ENAMETOOLONG,
					"path: too long: %s", path);
	h->read_only = devmgr_param_bool(dev, "read_only");
	h->root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->root < 0) {
		int e = errno;
		return devmgr_error_set(err, -e, "path: %s: %s", path,
					strerror(e));
	}
	if (fstat(h->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(h->root);
		return devmgr_error_set(err, -ENOTDIR, "path: %s: not a folder",
					path);
	}
	/* the confinement is the kernel's: refuse to run without it */
	probe = syscall(SYS_openat2, h->root, ".", &how, sizeof(how));
	if (probe < 0) {
		int e = errno;
		close(h->root);
		return devmgr_error_set(err, -e,
					"openat2 (Linux 5.6) is needed to "
					"confine paths beneath %s: %s",
					path, strerror(e));
	}
	close((int)probe);
	return devmgr_device_set_handle_ops(dev, h->read_only ? &host_ops_ro
							      : &host_ops_rw);
}

static void host_destroy(struct devmgr_device *dev)
{
	struct host_fs *h = devmgr_device_priv(dev);

	if (h->root >= 0)
		close(h->root);
}

static const struct devmgr_provider host_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "fs-host",
	.help = "a host folder as a filesystem, confined beneath it "
		"(openat2 RESOLVE_BENEATH)",
	.sig = "fs",
	.sig_major = DEVMGR_FS_MAJOR,
	.sig_minor = DEVMGR_FS_MINOR,
	.ops = &host_ops_rw,
	.params = host_params,
	.priv_size = sizeof(struct host_fs),
	.create = host_create,
	.destroy = host_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&host_provider,
	NULL,
};

DEVMGR_PLUGIN("fs-host", "0.1.0", providers, NULL);
