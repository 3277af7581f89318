/* test-fs-hostdir: a test fs provider over a host folder, so that the
 * devmgr-fat tests can show the tool working over an fs that is not FAT
 * (and check its logic against the host's own view of the files).  Paths
 * are taken below "root"; a ".." component is refused.  Test code: no
 * attempt at speed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/fs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct hostdir {
	char root[PATH_MAX];
};

struct hfile {
	struct devmgr_file head;
	int fd;
};

static int host_path(struct devmgr_fs *fs, const char *path, char *out,
		     size_t size)
{
	const struct hostdir *h = fs->priv;

	if (path[0] != '/' || strstr(path, "/..") != NULL)
		return -EINVAL;
	if ((size_t)snprintf(out, size, "%s%s", h->root, path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static void to_stat(const struct stat *st, struct devmgr_fs_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = S_ISDIR(st->st_mode) ? DEVMGR_FS_DIR : DEVMGR_FS_FILE;
	out->size = S_ISDIR(st->st_mode) ? 0 : (uint64_t)st->st_size;
	out->mtime = st->st_mtime;
	out->atime = st->st_atime;
	out->ctime = st->st_ctime;
}

static int hd_volume(struct devmgr_fs *fs, struct devmgr_fs_volume *out)
{
	const struct hostdir *h = fs->priv;
	struct statvfs v;

	if (statvfs(h->root, &v) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	snprintf(out->type, sizeof(out->type), "hostdir");
	snprintf(out->label, sizeof(out->label), "test");
	out->cluster_size = (uint32_t)v.f_bsize;
	out->total_bytes = (uint64_t)v.f_blocks * v.f_frsize;
	out->free_bytes = (uint64_t)v.f_bavail * v.f_frsize;
	return 0;
}

static int hd_open(struct devmgr_fs *fs, const char *path, int flags,
		   struct devmgr_file **out)
{
	char p[PATH_MAX];
	struct stat st;
	struct hfile *f;
	int rc = host_path(fs, path, p, sizeof(p));

	if (rc < 0)
		return rc;
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->fd = open(p, flags | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		rc = -errno;
		free(f);
		return rc;
	}
	f->head.fs = fs;
	*out = &f->head;
	return 0;
}

static ssize_t hd_pread(struct devmgr_file *file, void *buf, size_t len,
			uint64_t off)
{
	struct hfile *f = (struct hfile *)file;
	ssize_t n = pread(f->fd, buf, len, (off_t)off);

	return n < 0 ? -errno : n;
}

static ssize_t hd_pwrite(struct devmgr_file *file, const void *buf, size_t len,
			 uint64_t off)
{
	struct hfile *f = (struct hfile *)file;
	ssize_t n = pwrite(f->fd, buf, len, (off_t)off);

	return n < 0 ? -errno : n;
}

static int hd_fstat(struct devmgr_file *file, struct devmgr_fs_stat *out)
{
	struct hfile *f = (struct hfile *)file;
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return -errno;
	to_stat(&st, out);
	return 0;
}

static int hd_ftruncate(struct devmgr_file *file, uint64_t size)
{
	struct hfile *f = (struct hfile *)file;

	return ftruncate(f->fd, (off_t)size) < 0 ? -errno : 0;
}

static int hd_close(struct devmgr_file *file)
{
	struct hfile *f = (struct hfile *)file;
	int rc = close(f->fd) < 0 ? -errno : 0;

	free(f);
	return rc;
}

static int hd_stat(struct devmgr_fs *fs, const char *path,
		   struct devmgr_fs_stat *out)
{
	char p[PATH_MAX];
	struct stat st;
	int rc = host_path(fs, path, p, sizeof(p));

	if (rc < 0)
		return rc;
	if (stat(p, &st) < 0)
		return -errno;
	to_stat(&st, out);
	return 0;
}

static int hd_readdir(struct devmgr_fs *fs, const char *path,
		      devmgr_fs_dir_fn fn, void *arg)
{
	char p[PATH_MAX], child[PATH_MAX + 256];
	struct devmgr_fs_dirent *e;
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int rc = host_path(fs, path, p, sizeof(p));

	if (rc < 0)
		return rc;
	dir = opendir(p);
	if (dir == NULL)
		return -errno;
	e = malloc(sizeof(*e));
	if (e == NULL) {
		closedir(dir);
		return -ENOMEM;
	}
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", p, d->d_name);
		if (stat(child, &st) < 0)
			continue;
		snprintf(e->name, sizeof(e->name), "%s", d->d_name);
		to_stat(&st, &e->st);
		rc = fn(arg, e);
	}
	free(e);
	closedir(dir);
	return rc;
}

#define PATH_OP(name, call)                                                    \
	static int name(struct devmgr_fs *fs, const char *path)                \
	{                                                                      \
		char p[PATH_MAX];                                              \
		int rc = host_path(fs, path, p, sizeof(p));                    \
		if (rc < 0)                                                    \
			return rc;                                             \
		return call < 0 ? -errno : 0;                                  \
	}
PATH_OP(hd_mkdir, mkdir(p, 0755))
PATH_OP(hd_unlink, unlink(p))
PATH_OP(hd_rmdir, rmdir(p))

static int hd_rename(struct devmgr_fs *fs, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	int rc = host_path(fs, from, a, sizeof(a));

	if (rc == 0)
		rc = host_path(fs, to, b, sizeof(b));
	if (rc < 0)
		return rc;
	return rename(a, b) < 0 ? -errno : 0;
}

static int hd_sync(struct devmgr_fs *fs)
{
	(void)fs;
	return 0;
}

static const struct devmgr_fs_ops hd_ops = {
	.minor = DEVMGR_FS_MINOR,
	.volume = hd_volume,
	.open = hd_open,
	.pread = hd_pread,
	.fstat = hd_fstat,
	.close = hd_close,
	.stat = hd_stat,
	.readdir = hd_readdir,
	.pwrite = hd_pwrite,
	.ftruncate = hd_ftruncate,
	.mkdir = hd_mkdir,
	.unlink = hd_unlink,
	.rmdir = hd_rmdir,
	.rename = hd_rename,
	.sync = hd_sync,
};

static const struct devmgr_param hd_params[] = {
	{ "root", DEVMGR_PARAM_PATH, DEVMGR_PARAM_REQUIRED, NULL,
	  "host folder that is the filesystem's root", 0, 0 },
	{ NULL },
};

static int hd_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct hostdir *h = devmgr_device_priv(dev);
	const char *root = devmgr_param_str(dev, "root");
	struct stat st;

	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return devmgr_error_set(err, -ENOTDIR, "%s is not a folder",
					root);
	snprintf(h->root, sizeof(h->root), "%s", root);
	return 0;
}

static void hd_destroy(struct devmgr_device *dev)
{
	(void)dev;
}

static const struct devmgr_provider hd_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "test-fs-hostdir",
	.help = "test fs over a host folder",
	.sig = "fs",
	.sig_major = DEVMGR_FS_MAJOR,
	.sig_minor = DEVMGR_FS_MINOR,
	.ops = &hd_ops,
	.params = hd_params,
	.priv_size = sizeof(struct hostdir),
	.create = hd_create,
	.destroy = hd_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&hd_provider,
	NULL,
};

DEVMGR_PLUGIN("test-fs-hostdir", "0.1.0", providers, NULL);
