/* fat.c: the devmgr-fat app, a file tool over the fs signature.  It knows
 * nothing of FAT or of blocks: every command goes through the devmgr_fs_*
 * calls, so it works on any fs provider over any blk device.  Files move
 * in fixed-size chunks, so a large file never sits in memory whole. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fattool.h"

#include <devmgr/sig/fs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128u * 1024)

struct fat_cmd fat_command;

struct fat_devs {
	struct devmgr_fs *fs;
};

bool fat_verb_writes(enum fat_verb verb)
{
	return verb == FAT_PUT || verb == FAT_MKDIR || verb == FAT_RM ||
	       verb == FAT_MV || verb == FAT_MKFS ||
	       (verb == FAT_ATTRIB &&
		(fat_command.attr_set | fat_command.attr_clear));
}

/* "devmgr-fat: VERB PATH: message (ENAME)"; returns FAT_EXIT_FAILED. */
static int fail(const char *what, const char *path, int rc)
{
	fprintf(stderr, "devmgr-fat: %s%s%s: %s (%s)\n", what, path ? " " : "",
		path ? path : "", strerror(-rc), devmgr_err_name(rc));
	return FAT_EXIT_FAILED;
}

/* The fs wants absolute paths; "dir/f" means "/dir/f".  Trailing slashes
 * go, except the root's own. */
static char *fs_path(const char *p)
{
	size_t len = strlen(p);
	char *out = malloc(len + 2);

	if (out == NULL)
		return NULL;
	snprintf(out, len + 2, "%s%s", p[0] == '/' ? "" : "/", p);
	len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	return out;
}

static char *join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *out = malloc(len);

	if (out != NULL)
		snprintf(out, len, "%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return out;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* ---- a folder's entries ---------------------------------------------- */

/* A folder's entries, gathered before anything is removed: changing a
 * folder while it is being read is not something the fs signature
 * promises to support. */
struct names {
	size_t count, cap;
	char **name;
	bool *dir;
	int64_t *mtime;
};

static int add_name(void *arg, const struct devmgr_fs_dirent *e)
{
	struct names *n = arg;

	if (n->count == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 16;
		char **name = realloc(n->name, cap * sizeof(*name));
		bool *dir;
		int64_t *mtime;

		if (name == NULL)
			return -ENOMEM;
		n->name = name;
		dir = realloc(n->dir, cap * sizeof(*dir));
		if (dir == NULL)
			return -ENOMEM;
		n->dir = dir;
		mtime = realloc(n->mtime, cap * sizeof(*mtime));
		if (mtime == NULL)
			return -ENOMEM;
		n->mtime = mtime;
		n->cap = cap;
	}
	n->name[n->count] = strdup(e->name);
	if (n->name[n->count] == NULL)
		return -ENOMEM;
	n->mtime[n->count] = e->st.mtime;
	n->dir[n->count++] = e->st.kind == DEVMGR_FS_DIR;
	return 0;
}

static void free_names(struct names *n)
{
	for (size_t i = 0; i < n->count; i++)
		free(n->name[i]);
	free(n->name);
	free(n->dir);
	free(n->mtime);
}

/* ---- ls ------------------------------------------------------------- */

/* "rhsa" with "-" for each attribute not set; "????" from a filesystem
 * that does not report them. */
static void attr_text(const struct devmgr_fs_stat *st, char out[5])
{
	static const char letters[] = "rhsa";
	static const unsigned bits[] = { DEVMGR_FS_ATTR_READONLY,
					 DEVMGR_FS_ATTR_HIDDEN,
					 DEVMGR_FS_ATTR_SYSTEM,
					 DEVMGR_FS_ATTR_ARCHIVE };

	for (int i = 0; i < 4; i++)
		out[i] = !(st->attrs & DEVMGR_FS_ATTR_KNOWN) ? '?'
			 : st->attrs & bits[i]		     ? letters[i]
							     : '-';
	out[4] = '\0';
}

static void print_entry(const char *name, const struct devmgr_fs_stat *st,
			bool long_list)
{
	char when[32] = "-", attrs[5];
	time_t t = (time_t)st->mtime;
	struct tm tm;

	if (!long_list) {
		printf("%s%s\n", name, st->kind == DEVMGR_FS_DIR ? "/" : "");
		return;
	}
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	attr_text(st, attrs);
	printf("%c %s %12llu %s %s\n", st->kind == DEVMGR_FS_DIR ? 'd' : '-',
	       attrs, (unsigned long long)st->size, when, name);
}

static int ls_one(void *arg, const struct devmgr_fs_dirent *e)
{
	print_entry(e->name, &e->st, *(bool *)arg);
	return 0;
}

struct ls_tree {
	bool long_list;
	struct names dirs; /* the folders in it, to list next */
};

static int ls_tree_one(void *arg, const struct devmgr_fs_dirent *e)
{
	struct ls_tree *t = arg;

	print_entry(e->name, &e->st, t->long_list);
	return e->st.kind == DEVMGR_FS_DIR ? add_name(&t->dirs, e) : 0;
}

/* ls -R, as ls(1) does it: "PATH:", its entries, then each folder in it
 * after an empty line.  *where gets the folder that failed. */
static int ls_tree(struct devmgr_fs *fs, const char *path, char **where)
{
	struct ls_tree t = { .long_list = fat_command.long_list };
	int rc;

	printf("%s:\n", path);
	rc = devmgr_fs_readdir(fs, path, ls_tree_one, &t);
	if (rc < 0)
		*where = strdup(path);
	for (size_t i = 0; rc == 0 && i < t.dirs.count; i++) {
		char *child = join(path, t.dirs.name[i]);

		if (child == NULL) {
			rc = -ENOMEM;
			break;
		}
		printf("\n");
		rc = ls_tree(fs, child, where);
		free(child);
	}
	free_names(&t.dirs);
	return rc;
}

static int cmd_ls(struct devmgr_fs *fs, const char *path)
{
	struct devmgr_fs_stat st;
	bool long_list = fat_command.long_list;
	char *where = NULL;
	int rc = devmgr_fs_stat(fs, path, &st);

	if (rc < 0)
		return fail("ls", path, rc);
	if (st.kind != DEVMGR_FS_DIR) {
		print_entry(base_name(path), &st, long_list);
		return FAT_EXIT_OK;
	}
	if (fat_command.recursive) {
		rc = ls_tree(fs, path, &where);
		if (rc < 0) {
			fflush(stdout);
			rc = fail("ls", where ? where : path, rc);
			free(where);
			return rc;
		}
		return FAT_EXIT_OK;
	}
	rc = devmgr_fs_readdir(fs, path, ls_one, &long_list);
	if (rc < 0)
		return fail("ls", path, rc);
	return FAT_EXIT_OK;
}

/* ---- cat and get: from the filesystem to a host fd ------------------ */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy the fs file at path to fd.  *where says which side failed. */
static int copy_out(struct devmgr_fs *fs, const char *path, int fd,
		    const char **where)
{
	struct devmgr_file *f;
	char *buf = malloc(CHUNK);
	uint64_t off = 0;
	ssize_t n;
	int rc = buf ? devmgr_fs_open(fs, path, O_RDONLY, &f) : -ENOMEM;

	*where = path;
	if (rc < 0) {
		free(buf);
		return rc;
	}
	while ((n = devmgr_file_pread(f, buf, CHUNK, off)) > 0) {
		off += (uint64_t)n;
		rc = write_all(fd, buf, (size_t)n);
		if (rc < 0) {
			*where = NULL;
			break;
		}
	}
	if (n < 0)
		rc = (int)n;
	devmgr_file_close(f);
	free(buf);
	return rc;
}

static int refuse_dir(struct devmgr_fs *fs, const char *verb, const char *path)
{
	struct devmgr_fs_stat st;
	int rc = devmgr_fs_stat(fs, path, &st);

	if (rc < 0)
		return fail(verb, path, rc);
	if (st.kind == DEVMGR_FS_DIR)
		return fail(verb, path, -EISDIR);
	return FAT_EXIT_OK;
}

static int cmd_cat(struct devmgr_fs *fs, const char *path)
{
	const char *where;
	int rc = refuse_dir(fs, "cat", path);

	if (rc != FAT_EXIT_OK)
		return rc;
	rc = copy_out(fs, path, STDOUT_FILENO, &where);
	if (rc < 0)
		return fail("cat", where ? where : "(standard output)", rc);
	return FAT_EXIT_OK;
}

/* The host file that "get SRC DEST" writes: DEST, or DEST/NAME when DEST
 * is a folder. */
static char *host_dest(const char *src, const char *dest)
{
	struct stat st;

	if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode))
		return join(dest, base_name(src));
	return strdup(dest);
}

/* Copy the fs file src out to the host file out.  A failed get removes
 * what it wrote: a partial copy must not pass for the file.  mtime >= 0:
 * the host file gets that modification time (get -r). */
static int get_file(struct devmgr_fs *fs, const char *src, const char *out,
		    int64_t mtime)
{
	const char *where;
	int fd, rc;

	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("get", out, -errno);
	rc = copy_out(fs, src, fd, &where);
	if (rc == 0 && mtime >= 0) {
		struct timespec t[2] = { { .tv_nsec = UTIME_OMIT },
					 { .tv_sec = (time_t)mtime } };

		if (futimens(fd, t) < 0) {
			rc = -errno;
			where = NULL;
		}
	}
	if (close(fd) < 0 && rc == 0) {
		rc = -errno;
		where = NULL;
	}
	if (rc < 0) {
		unlink(out);
		return fail("get", where ? where : out, rc);
	}
	return FAT_EXIT_OK;
}

/* A host folder for get -r: made, or one that is there already. */
static int host_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return errno == EEXIST ? -ENOTDIR : -errno;
}

/* get -r: the fs folder src as the host folder out, everything in it,
 * with the modification times; a folder's time is set after its
 * contents, which change it on the host.  The root has no time. */
static int get_tree(struct devmgr_fs *fs, const char *src, const char *out,
		    int64_t mtime)
{
	struct names n = { 0 };
	int rc = host_mkdir(out), status = FAT_EXIT_OK;

	if (rc < 0)
		return fail("get", out, rc);
	rc = devmgr_fs_readdir(fs, src, add_name, &n);
	if (rc < 0)
		status = fail("get", src, rc);
	for (size_t i = 0; status == FAT_EXIT_OK && i < n.count; i++) {
		char *from = join(src, n.name[i]), *to = join(out, n.name[i]);

		if (from == NULL || to == NULL)
			status = fail("get", src, -ENOMEM);
		else if (n.dir[i])
			status = get_tree(fs, from, to, n.mtime[i]);
		else
			status = get_file(fs, from, to, n.mtime[i]);
		free(from);
		free(to);
	}
	free_names(&n);
	if (status == FAT_EXIT_OK && mtime >= 0) {
		struct timespec t[2] = { { .tv_nsec = UTIME_OMIT },
					 { .tv_sec = (time_t)mtime } };

		if (utimensat(AT_FDCWD, out, t, 0) < 0)
			status = fail("get", out, -errno);
	}
	return status;
}

static int cmd_get(struct devmgr_fs *fs, const char *src, const char *dest)
{
	struct devmgr_fs_stat st;
	char *out;
	int rc = devmgr_fs_stat(fs, src, &st);

	if (rc < 0)
		return fail("get", src, rc);
	if (st.kind == DEVMGR_FS_DIR && !fat_command.recursive)
		return fail("get", src, -EISDIR);
	if (strcmp(dest, "-") == 0)
		return st.kind == DEVMGR_FS_DIR ? fail("get", src, -EISDIR)
						: cmd_cat(fs, src);
	/* get -r / DEST: the root's files into DEST itself */
	out = strcmp(src, "/") == 0 ? strdup(dest) : host_dest(src, dest);
	if (out == NULL)
		return fail("get", src, -ENOMEM);
	if (st.kind == DEVMGR_FS_DIR)
		rc = get_tree(fs, src, out, strcmp(src, "/") ? st.mtime : -1);
	else
		rc = get_file(fs, src, out, -1);
	free(out);
	return rc;
}

/* ---- put: from a host fd to the filesystem -------------------------- */

static int pwrite_all(struct devmgr_file *f, const char *buf, size_t len,
		      uint64_t off, uint64_t *done)
{
	*done = off;
	while (len > 0) {
		ssize_t n = devmgr_file_pwrite(f, buf, len, off);

		if (n < 0)
			return (int)n;
		*done = off + (uint64_t)n;
		if (n == 0) /* no progress and no reason: the disk is full */
			return -ENOSPC;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static ssize_t read_some(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Copy fd into the fs file at path, replacing what it held.  *host says
 * the failure was on the host side. */
static int copy_in(struct devmgr_fs *fs, int fd, const char *path, bool *host,
		   uint64_t *done)
{
	struct devmgr_file *f;
	char *buf = malloc(CHUNK);
	uint64_t off = 0;
	ssize_t n;
	int rc =
		buf ? devmgr_fs_open(fs, path, O_WRONLY | O_CREAT | O_TRUNC, &f)
		    : -ENOMEM;

	*host = false;
	if (rc < 0) {
		free(buf);
		return rc;
	}
	while ((n = read_some(fd, buf, CHUNK)) > 0) {
		rc = pwrite_all(f, buf, (size_t)n, off, done);
		if (rc < 0)
			break;
		off += (uint64_t)n;
	}
	if (n < 0) {
		rc = (int)n;
		*host = true;
	}
	n = devmgr_file_close(f);
	if (rc == 0)
		rc = (int)n;
	free(buf);
	return rc;
}

/* The fs path that "put SRC DEST" writes: DEST, or DEST/NAME when DEST is
 * a folder. */
static char *put_dest(struct devmgr_fs *fs, const char *src, const char *dest)
{
	struct devmgr_fs_stat st;

	if (strcmp(src, "-") != 0 && devmgr_fs_stat(fs, dest, &st) == 0 &&
	    st.kind == DEVMGR_FS_DIR)
		return join(dest, base_name(src));
	return strdup(dest);
}

/* Copy the host file src in as the fs file out.  A failed put leaves what
 * reached the filesystem, as cp does: on a full disk that is a prefix of
 * the file. */
static int put_file(struct devmgr_fs *fs, const char *src, const char *out)
{
	bool from_stdin = strcmp(src, "-") == 0, host;
	uint64_t done = 0;
	int fd = from_stdin ? STDIN_FILENO : open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int rc;
	bool have_st;

	if (fd < 0)
		return fail("put", src, -errno);
	have_st = fstat(fd, &st) == 0;
	/* Refused before the destination is created or truncated. */
	if (have_st && S_ISDIR(st.st_mode)) {
		if (!from_stdin)
			close(fd);
		return fail("put", src, -EISDIR);
	}
	rc = copy_in(fs, fd, out, &host, &done);
	/* The source's modification time, at the filesystem's resolution
	 * (FAT: 2 seconds, rounded down); a filesystem without setattr
	 * keeps the time of the write. */
	if (rc == 0 && !from_stdin && have_st) {
		struct devmgr_fs_setattr sa = { .valid = DEVMGR_FS_SET_MTIME,
						.mtime = st.st_mtime };

		rc = devmgr_fs_setattr(fs, out, &sa);
		if (rc == -EOPNOTSUPP)
			rc = 0;
	}
	if (!from_stdin)
		close(fd);
	if (rc == -EFBIG && !host) {
		fail("put", out, rc);
		fprintf(stderr,
			"devmgr-fat: put %s: stopped after %llu bytes: the "
			"filesystem holds no larger file (FAT: 4 GiB - 1); "
			"the rest of %s was not written\n",
			out, (unsigned long long)done, src);
		return FAT_EXIT_FAILED;
	}
	if (rc < 0)
		return fail("put", host ? src : out, rc);
	return FAT_EXIT_OK;
}

/* The folders of a put -r from the top down to the one being copied:
 * a symbolic link back to one of them would never end. */
struct host_dir {
	const struct host_dir *up;
	dev_t dev;
	ino_t ino;
};

static int entry_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

static int fs_mkdir_ok(struct devmgr_fs *fs, const char *path)
{
	struct devmgr_fs_stat st;
	int rc = devmgr_fs_mkdir(fs, path);

	if (rc == -EEXIST && devmgr_fs_stat(fs, path, &st) == 0)
		rc = st.kind == DEVMGR_FS_DIR ? 0 : -ENOTDIR;
	return rc;
}

static int put_tree(struct devmgr_fs *fs, const char *src, const char *out,
		    const struct stat *st, const struct host_dir *up);

/* One entry of a host folder, name, for put -r. */
static int put_entry(struct devmgr_fs *fs, const char *src, const char *out,
		     const char *name, const struct host_dir *up)
{
	char *from = join(src, name), *to = join(out, name);
	struct stat st;
	int status;

	if (from == NULL || to == NULL) {
		status = fail("put", src, -ENOMEM);
	} else if (stat(from, &st) < 0) {
		status = fail("put", from, -errno);
	} else if (S_ISDIR(st.st_mode)) {
		status = put_tree(fs, from, to, &st, up);
	} else if (S_ISREG(st.st_mode)) {
		status = put_file(fs, from, to);
	} else {
		fprintf(stderr, "devmgr-fat: put %s: not a file or a folder\n",
			from);
		status = FAT_EXIT_FAILED;
	}
	free(from);
	free(to);
	return status;
}

/* put -r: the host folder src (st: its stat) as the fs folder out, in
 * name order.  Symbolic links are followed; files and folders are
 * copied, anything else is refused. */
static int put_tree(struct devmgr_fs *fs, const char *src, const char *out,
		    const struct stat *st, const struct host_dir *up)
{
	struct host_dir here = { up, st->st_dev, st->st_ino };
	struct dirent **ents = NULL;
	int n, status = FAT_EXIT_OK, rc;

	for (const struct host_dir *d = up; d != NULL; d = d->up)
		if (d->dev == st->st_dev && d->ino == st->st_ino)
			return fail("put", src, -ELOOP);
	rc = fs_mkdir_ok(fs, out);
	if (rc < 0)
		return fail("put", out, rc);
	n = scandir(src, &ents, skip_dots, entry_cmp);
	if (n < 0)
		return fail("put", src, -errno);
	for (int i = 0; i < n; i++) {
		if (status == FAT_EXIT_OK)
			status =
				put_entry(fs, src, out, ents[i]->d_name, &here);
		free(ents[i]);
	}
	free(ents);
	if (status == FAT_EXIT_OK && strcmp(out, "/") != 0) {
		struct devmgr_fs_setattr sa = { .valid = DEVMGR_FS_SET_MTIME,
						.mtime = st->st_mtime };

		rc = devmgr_fs_setattr(fs, out, &sa);
		if (rc < 0 && rc != -EOPNOTSUPP)
			status = fail("put", out, rc);
	}
	return status;
}

/* The last name of a host folder, also for "." and "site/". */
static char *host_base(const char *path)
{
	char *real = realpath(path, NULL), *name;

	if (real == NULL)
		return NULL;
	name = strdup(base_name(real));
	free(real);
	return name;
}

static int cmd_put(struct devmgr_fs *fs, const char *src, const char *dest)
{
	struct devmgr_fs_stat fst;
	struct stat st;
	char *out, *name;
	int rc;

	if (!fat_command.recursive || strcmp(src, "-") == 0 ||
	    stat(src, &st) < 0 || !S_ISDIR(st.st_mode)) {
		out = put_dest(fs, src, dest);
		if (out == NULL)
			return fail("put", dest, -ENOMEM);
		rc = put_file(fs, src, out);
		free(out);
		return rc;
	}
	/* As cp -r: into DEST/NAME when DEST is a folder, else as DEST. */
	out = NULL;
	if (devmgr_fs_stat(fs, dest, &fst) == 0 && fst.kind == DEVMGR_FS_DIR) {
		name = host_base(src);
		if (name == NULL)
			return fail("put", src, -errno);
		out = name[0] && strcmp(name, "/") ? join(dest, name)
						   : strdup(dest);
		free(name);
	} else {
		out = strdup(dest);
	}
	if (out == NULL)
		return fail("put", src, -ENOMEM);
	rc = put_tree(fs, src, out, &st, NULL);
	free(out);
	return rc;
}

/* ---- mkdir, rm, mv ---------------------------------------------------- */

static int mkdir_parents(struct devmgr_fs *fs, const char *path)
{
	char *p = strdup(path);
	int rc = p ? 0 : -ENOMEM;

	for (char *s = p ? p + 1 : NULL; rc == 0 && s != NULL;) {
		struct devmgr_fs_stat st;

		s = strchr(s, '/');
		if (s != NULL)
			*s = '\0';
		rc = devmgr_fs_mkdir(fs, p);
		if (rc == -EEXIST && devmgr_fs_stat(fs, p, &st) == 0 &&
		    st.kind == DEVMGR_FS_DIR)
			rc = 0;
		if (s != NULL)
			*s++ = '/';
	}
	free(p);
	return rc;
}

static int cmd_mkdir(struct devmgr_fs *fs, const char *path)
{
	int rc = fat_command.parents ? mkdir_parents(fs, path)
				     : devmgr_fs_mkdir(fs, path);

	return rc < 0 ? fail("mkdir", path, rc) : FAT_EXIT_OK;
}

/* Remove a folder and everything in it.  *where gets the path that
 * failed (caller frees). */
static int remove_tree(struct devmgr_fs *fs, const char *path, char **where)
{
	struct names n = { 0 };
	int rc = devmgr_fs_readdir(fs, path, add_name, &n);

	for (size_t i = 0; rc == 0 && i < n.count; i++) {
		char *child = join(path, n.name[i]);

		if (child == NULL) {
			rc = -ENOMEM;
			break;
		}
		rc = n.dir[i] ? remove_tree(fs, child, where)
			      : devmgr_fs_unlink(fs, child);
		if (rc < 0 && *where == NULL)
			*where = child;
		else
			free(child);
	}
	free_names(&n);
	if (rc == 0)
		rc = devmgr_fs_rmdir(fs, path);
	if (rc < 0 && *where == NULL)
		*where = strdup(path);
	return rc;
}

static int cmd_rm(struct devmgr_fs *fs, const char *path)
{
	struct devmgr_fs_stat st;
	char *where = NULL;
	int rc = devmgr_fs_stat(fs, path, &st);

	if (rc < 0)
		return fail("rm", path, rc);
	if (st.kind != DEVMGR_FS_DIR) {
		rc = devmgr_fs_unlink(fs, path);
		return rc < 0 ? fail("rm", path, rc) : FAT_EXIT_OK;
	}
	if (strcmp(path, "/") == 0) {
		fprintf(stderr, "devmgr-fat: rm /: refusing to remove the root "
				"folder\n");
		return FAT_EXIT_FAILED;
	}
	if (!fat_command.recursive) {
		fprintf(stderr, "devmgr-fat: rm %s: is a folder (use rm -r)\n",
			path);
		return FAT_EXIT_FAILED;
	}
	rc = remove_tree(fs, path, &where);
	if (rc < 0) {
		rc = fail("rm", where ? where : path, rc);
		free(where);
		return rc;
	}
	return FAT_EXIT_OK;
}

/* "mv SRC DIR" moves SRC into DIR, as mv(1) does. */
static int cmd_mv(struct devmgr_fs *fs, const char *src, const char *dest)
{
	struct devmgr_fs_stat st;
	char *to;
	int rc;

	if (devmgr_fs_stat(fs, dest, &st) == 0 && st.kind == DEVMGR_FS_DIR &&
	    strcasecmp(src, dest) != 0)
		to = join(dest, base_name(src));
	else
		to = strdup(dest);
	if (to == NULL)
		return fail("mv", src, -ENOMEM);
	rc = devmgr_fs_rename(fs, src, to);
	if (rc < 0) {
		fprintf(stderr, "devmgr-fat: mv %s %s: %s (%s)\n", src, to,
			strerror(-rc), devmgr_err_name(rc));
		rc = FAT_EXIT_FAILED;
	}
	free(to);
	return rc;
}

/* ---- attrib ----------------------------------------------------------- */

/* Without changes, prints "rhsa PATH"; with them, sets them. */
static int cmd_attrib(struct devmgr_fs *fs, const char *path)
{
	struct devmgr_fs_stat st;
	char text[5];
	int rc = devmgr_fs_stat(fs, path, &st);

	if (rc < 0)
		return fail("attrib", path, rc);
	if (!(st.attrs & DEVMGR_FS_ATTR_KNOWN))
		return fail("attrib", path, -EOPNOTSUPP);
	if (!(fat_command.attr_set | fat_command.attr_clear)) {
		attr_text(&st, text);
		printf("%s %s\n", text, path);
		return FAT_EXIT_OK;
	}
	struct devmgr_fs_setattr sa = {
		.valid = DEVMGR_FS_SET_ATTRS,
		.attrs = ((st.attrs & DEVMGR_FS_ATTR_SETTABLE) |
			  fat_command.attr_set) &
			 ~fat_command.attr_clear,
	};
	rc = devmgr_fs_setattr(fs, path, &sa);
	return rc < 0 ? fail("attrib", path, rc) : FAT_EXIT_OK;
}

/* ---- df --------------------------------------------------------------- */

static int cmd_df(struct devmgr_fs *fs)
{
	struct devmgr_fs_volume v;
	int rc = devmgr_fs_volume(fs, &v);

	if (rc < 0)
		return fail("df", NULL, rc);
	printf("type: %.*s\n", (int)sizeof(v.type), v.type);
	printf("label: %.*s\n", (int)sizeof(v.label), v.label);
	printf("cluster_size: %u\n", v.cluster_size);
	printf("total_bytes: %llu\n", (unsigned long long)v.total_bytes);
	printf("used_bytes: %llu\n",
	       (unsigned long long)(v.total_bytes - v.free_bytes));
	printf("free_bytes: %llu\n", (unsigned long long)v.free_bytes);
	printf("read_only: %s\n", v.read_only ? "true" : "false");
	return FAT_EXIT_OK;
}

/* ---- the app ---------------------------------------------------------- */

static int run(struct devmgr_fs *fs, const struct fat_cmd *c, char **p)
{
	switch (c->verb) {
	case FAT_LS:
		return cmd_ls(fs, p[0]);
	case FAT_CAT:
		return cmd_cat(fs, p[0]);
	case FAT_GET:
		return cmd_get(fs, p[0], c->arg[1]);
	case FAT_PUT:
		return cmd_put(fs, c->arg[0], p[1]);
	case FAT_MKDIR:
		return cmd_mkdir(fs, p[0]);
	case FAT_RM:
		return cmd_rm(fs, p[0]);
	case FAT_MV:
		return cmd_mv(fs, p[0], p[1]);
	case FAT_DF:
	case FAT_MKFS: /* made by fs-fat as it was created: say what */
		return cmd_df(fs);
	case FAT_ATTRIB:
		return cmd_attrib(fs, p[0]);
	}
	return FAT_EXIT_USAGE;
}

/* Whatever the command did, what it wrote reaches the device before the
 * status is final. */
static int fat_start(struct devmgr_ctx *ctx, void *record)
{
	struct fat_devs *d = record;
	const struct fat_cmd *c = &fat_command;
	char *p[2] = { NULL, NULL };
	int status = FAT_EXIT_OK, rc;

	for (int i = 0; i < c->nargs; i++) {
		p[i] = fs_path(c->arg[i]);
		if (p[i] == NULL)
			status = fail("out of memory", NULL, -ENOMEM);
	}
	if (status == FAT_EXIT_OK)
		status = run(d->fs, c, p);
	if (fflush(stdout) != 0 && status == FAT_EXIT_OK)
		status = fail("write", "(standard output)", -errno);
	if (fat_verb_writes(c->verb)) {
		rc = devmgr_fs_sync(d->fs);
		if (rc < 0 && status == FAT_EXIT_OK)
			status = fail("sync", NULL, rc);
	}
	free(p[0]);
	free(p[1]);
	devmgr_ctx_exit(ctx, status);
	return 0;
}

static const struct devmgr_slot fat_slots[] = {
	DEVMGR_SLOT(struct fat_devs, fs, fs, DEVMGR_SLOT_REQUIRED),
	{ NULL },
};

const struct devmgr_app fat_app = {
	.size = sizeof(struct devmgr_app),
	.name = "fat",
	.help = "list, read and write files of a filesystem (devmgr-fat)",
	.record_size = sizeof(struct fat_devs),
	.slots = fat_slots,
	.start = fat_start,
};
