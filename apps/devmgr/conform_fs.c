/* conform_fs.c: the fs signature's conformance cases (sig/fs.h), the
 * generic part of what tests/fs checks against fs-fat.  Each case that
 * writes works in its own folder /conform-CASE, made afresh (an old one
 * from an earlier run is removed first) and removed at the end; names
 * are chosen to be the same under any case folding. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "conform.h"

#include <unistd.h>

#include <devmgr/sig/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct devmgr_fs *fs_of(struct conform *c)
{
	return c->handle;
}

static bool writable(struct devmgr_fs *fs)
{
	return DEVMGR_HAS_OP(fs->ops, 0, pwrite);
}

/* Remove path and everything below it (no error when it is not there). */
struct rm_ctx {
	struct devmgr_fs *fs;
	const char *dir;
};

static int rm_tree(struct devmgr_fs *fs, const char *path);

static int rm_entry(void *arg, const struct devmgr_fs_dirent *e)
{
	const struct rm_ctx *r = arg;
	char *p;

	if (asprintf(&p, "%s/%s", r->dir, e->name) < 0)
		return -ENOMEM;
	int rc = e->st.kind == DEVMGR_FS_DIR ? rm_tree(r->fs, p)
					     : devmgr_fs_unlink(r->fs, p);
	free(p);
	/* Stop: removing changes the folder being listed; start over. */
	return rc < 0 ? rc : 1;
}

static int rm_tree(struct devmgr_fs *fs, const char *path)
{
	struct devmgr_fs_stat st;
	struct rm_ctx r = { fs, path };
	int rc;

	if (devmgr_fs_stat(fs, path, &st) == -ENOENT)
		return 0;
	if (st.kind != DEVMGR_FS_DIR)
		return devmgr_fs_unlink(fs, path);
	while ((rc = devmgr_fs_readdir(fs, path, rm_entry, &r)) == 1)
		;
	return rc < 0 ? rc : devmgr_fs_rmdir(fs, path);
}

/* The case's folder, empty; false (the failure recorded) if not. */
static bool fresh_dir(struct conform *c, const char *dir)
{
	char what[160];

	snprintf(what, sizeof(what), "removing an old %s", dir);
	if (!conform_rc_is(c, what, rm_tree(fs_of(c), dir), 0))
		return false;
	snprintf(what, sizeof(what), "mkdir(\"%s\")", dir);
	return conform_rc_is(c, what, devmgr_fs_mkdir(fs_of(c), dir), 0);
}

static enum conform_result done(struct conform *c, bool ok, const char *dir)
{
	char what[160];

	if (!ok)
		return CONFORM_FAIL;
	snprintf(what, sizeof(what), "removing %s and what is in it", dir);
	if (!conform_rc_is(c, what, rm_tree(fs_of(c), dir), 0))
		return CONFORM_FAIL;
	return CONFORM_PASS;
}

/* Create path with len bytes of pattern seed; the bytes in *out. */
static bool make_file(struct conform *c, const char *path, size_t len,
		      unsigned seed, uint8_t **out)
{
	struct devmgr_file *f = NULL;
	uint8_t *buf = malloc(len ? len : 1);
	char what[300];
	bool ok;

	if (!buf)
		abort();
	conform_fill(buf, len, seed);
	snprintf(what, sizeof(what), "open(\"%s\", O_CREAT | O_EXCL | O_RDWR)",
		 path);
	ok = conform_rc_is(
		c, what,
		devmgr_fs_open(fs_of(c), path, O_CREAT | O_EXCL | O_RDWR, &f),
		0);
	if (ok && len) {
		snprintf(what, sizeof(what), "pwrite(\"%s\", %zu bytes)", path,
			 len);
		ok = conform_rc_is(c, what, devmgr_file_pwrite(f, buf, len, 0),
				   (long)len);
	}
	if (f) {
		snprintf(what, sizeof(what), "close(\"%s\")", path);
		int rc = devmgr_file_close(f);
		ok = ok && conform_rc_is(c, what, rc, 0);
	}
	if (ok && out)
		*out = buf;
	else
		free(buf);
	return ok;
}

/* The file at path holds exactly want[0..len). */
static bool holds(struct conform *c, const char *path, const uint8_t *want,
		  size_t len, const char *after)
{
	struct devmgr_file *f = NULL;
	struct devmgr_fs_stat st;
	uint8_t *in = malloc(len + 100);
	char what[300];
	bool ok;

	if (!in)
		abort();
	snprintf(what, sizeof(what), "open(\"%s\", O_RDONLY) %s", path, after);
	ok = conform_rc_is(c, what,
			   devmgr_fs_open(fs_of(c), path, O_RDONLY, &f), 0);
	if (ok) {
		snprintf(what, sizeof(what), "fstat(\"%s\").size %s", path,
			 after);
		ok = conform_rc_is(c, what, devmgr_file_stat(f, &st), 0);
		if (ok && st.size != len) {
			char w[32];
			snprintf(w, sizeof(w), "%zu", len);
			conform_fail(c, what, w, "%llu",
				     (unsigned long long)st.size);
			ok = false;
		}
	}
	if (ok) {
		/* Ask for more than there is: fewer come back. */
		snprintf(what, sizeof(what), "pread(\"%s\", %zu bytes at 0) %s",
			 path, len + 100, after);
		ok = conform_rc_is(c, what,
				   devmgr_file_pread(f, in, len + 100, 0),
				   (long)len);
	}
	if (ok && memcmp(in, want, len) != 0) {
		snprintf(what, sizeof(what), "pread(\"%s\") %s", path, after);
		conform_fail(c, what, "the bytes written", "other bytes");
		ok = false;
	}
	if (ok) {
		snprintf(what, sizeof(what), "pread(\"%s\", at its end) %s",
			 path, after);
		ok = conform_rc_is(c, what, devmgr_file_pread(f, in, 10, len),
				   0) &&
		     conform_rc_is(c, what,
				   devmgr_file_pread(f, in, 10, len + 4096), 0);
	}
	if (f)
		devmgr_file_close(f);
	free(in);
	return ok;
}

static bool stat_is(struct conform *c, const char *path, int want_rc,
		    uint32_t kind)
{
	struct devmgr_fs_stat st;
	char what[300];
	int rc = devmgr_fs_stat(fs_of(c), path, &st);

	snprintf(what, sizeof(what), "stat(\"%s\")", path);
	if (!conform_rc_is(c, what, rc, want_rc))
		return false;
	if (rc == 0 && st.kind != kind) {
		conform_fail(c, what,
			     kind == DEVMGR_FS_DIR ? "a folder" : "a file",
			     "kind %u", st.kind);
		return false;
	}
	return true;
}

#define NEED_WRITABLE(c)                                                       \
	do {                                                                   \
		if (!writable(fs_of(c)))                                       \
			return conform_skip(c, "the filesystem is "            \
					       "read-only");                   \
	} while (0)

/* ---- cases ------------------------------------------------------------- */

static enum conform_result fs_volume(struct conform *c)
{
	struct devmgr_fs_volume v;

	memset(&v, 0xff, sizeof(v));
	if (!conform_rc_is(c, "volume()", devmgr_fs_volume(fs_of(c), &v), 0))
		return CONFORM_FAIL;
	if (!memchr(v.type, '\0', sizeof(v.type)) || !v.type[0])
		return conform_fail(c, "volume().type",
				    "a non-empty NUL-terminated string", "%s",
				    v.type[0] ? "no NUL" : "\"\"");
	if (!memchr(v.label, '\0', sizeof(v.label)))
		return conform_fail(c, "volume().label",
				    "a NUL-terminated string", "no NUL");
	if (v.free_bytes > v.total_bytes)
		return conform_fail(c, "volume().free_bytes",
				    "at most total_bytes", "%llu > %llu",
				    (unsigned long long)v.free_bytes,
				    (unsigned long long)v.total_bytes);
	if (v.read_only == writable(fs_of(c)))
		return conform_fail(c, "volume().read_only",
				    v.read_only ? "false: the write ops are "
						  "there"
						: "true: the write ops are "
						  "absent",
				    "%s", v.read_only ? "true" : "false");
	return CONFORM_PASS;
}

static int count_entry(void *arg, const struct devmgr_fs_dirent *e)
{
	(void)e;
	++*(int *)arg;
	return 0;
}

static enum conform_result fs_root(struct conform *c)
{
	struct devmgr_file *f = NULL;
	int n = 0;

	if (!stat_is(c, "/", 0, DEVMGR_FS_DIR) ||
	    !conform_rc_is(c, "readdir(\"/\")",
			   devmgr_fs_readdir(fs_of(c), "/", count_entry, &n),
			   0))
		return CONFORM_FAIL;
	if (writable(fs_of(c))) {
		int rc = devmgr_fs_open(fs_of(c), "/", O_WRONLY, &f);
		if (rc == 0)
			devmgr_file_close(f);
		if (!conform_rc_is(c, "open(\"/\", O_WRONLY)", rc, -EISDIR))
			return CONFORM_FAIL;
	}
	return CONFORM_PASS;
}

static enum conform_result fs_create(struct conform *c)
{
	static const char *const dir = "/conform-create";
	struct devmgr_file *f = NULL;
	uint8_t *data = NULL, *empty = NULL;
	bool ok;

	NEED_WRITABLE(c);
	ok = fresh_dir(c, dir) &&
	     make_file(c, "/conform-create/data.bin", 70000, 31, &data) &&
	     holds(c, "/conform-create/data.bin", data, 70000,
		   "after writing it") &&
	     stat_is(c, "/conform-create/data.bin", 0, DEVMGR_FS_FILE) &&
	     make_file(c, "/conform-create/empty", 0, 0, &empty) &&
	     holds(c, "/conform-create/empty", empty, 0, "after creating it");
	/* Writing in place, then past the end, through a second open. */
	if (ok)
		ok = conform_rc_is(c, "open(data.bin, O_WRONLY)",
				   devmgr_fs_open(fs_of(c),
						  "/conform-create/data.bin",
						  O_WRONLY, &f),
				   0);
	if (ok) {
		conform_fill(data + 1000, 5000, 32);
		ok = conform_rc_is(
			c, "pwrite(data.bin, 5000 bytes at 1000)",
			devmgr_file_pwrite(f, data + 1000, 5000, 1000), 5000);
		data = realloc(data, 80000);
		if (!data)
			abort();
		conform_fill(data + 70000, 10000, 33);
		ok = ok && conform_rc_is(c,
					 "pwrite(data.bin, 10000 bytes at "
					 "its end)",
					 devmgr_file_pwrite(f, data + 70000,
							    10000, 70000),
					 10000);
		ok = conform_rc_is(c, "close(data.bin)", devmgr_file_close(f),
				   0) &&
		     ok;
		ok = ok && holds(c, "/conform-create/data.bin", data, 80000,
				 "after writing in it and past its end");
	}
	/* O_TRUNC empties it. */
	if (ok) {
		ok = conform_rc_is(c, "open(data.bin, O_WRONLY | O_TRUNC)",
				   devmgr_fs_open(fs_of(c),
						  "/conform-create/data.bin",
						  O_WRONLY | O_TRUNC, &f),
				   0);
		if (ok)
			ok = conform_rc_is(c, "close(data.bin)",
					   devmgr_file_close(f), 0) &&
			     holds(c, "/conform-create/data.bin", data, 0,
				   "after O_TRUNC");
	}
	free(data);
	free(empty);
	return done(c, ok, dir);
}

static enum conform_result fs_errors(struct conform *c)
{
	static const char *const dir = "/conform-errors";
	struct devmgr_fs *fs = fs_of(c);
	struct devmgr_file *f = NULL;
	struct devmgr_fs_stat st;
	bool ok;
	int rc;

	if (!conform_rc_is(c, "stat(\"/conform-missing\")",
			   devmgr_fs_stat(fs, "/conform-missing", &st),
			   -ENOENT))
		return CONFORM_FAIL;
	rc = devmgr_fs_open(fs, "/conform-missing", O_RDONLY, &f);
	if (rc == 0)
		devmgr_file_close(f);
	if (!conform_rc_is(c, "open(\"/conform-missing\", O_RDONLY)", rc,
			   -ENOENT) ||
	    !conform_rc_is(
		    c, "readdir(\"/conform-missing\")",
		    devmgr_fs_readdir(fs, "/conform-missing", count_entry, &rc),
		    -ENOENT))
		return CONFORM_FAIL;
	NEED_WRITABLE(c);
	ok = fresh_dir(c, dir) &&
	     make_file(c, "/conform-errors/f", 10, 1, NULL) &&
	     fresh_dir(c, "/conform-errors/d") &&
	     make_file(c, "/conform-errors/d/inner", 1, 1, NULL);
#define EXPECT(what, call, want)                                               \
	do {                                                                   \
		if (ok)                                                        \
			ok = conform_rc_is(c, what, call, want);               \
	} while (0)
	EXPECT("stat(\"/conform-errors/f/x\")",
	       devmgr_fs_stat(fs, "/conform-errors/f/x", &st), -ENOTDIR);
	EXPECT("mkdir(\"/conform-errors/f/x\")",
	       devmgr_fs_mkdir(fs, "/conform-errors/f/x"), -ENOTDIR);
	EXPECT("mkdir(\"/conform-errors/missing/x\")",
	       devmgr_fs_mkdir(fs, "/conform-errors/missing/x"), -ENOENT);
	EXPECT("mkdir(\"/conform-errors/d\"), which is there",
	       devmgr_fs_mkdir(fs, "/conform-errors/d"), -EEXIST);
	EXPECT("mkdir(\"/conform-errors/f\"), a file",
	       devmgr_fs_mkdir(fs, "/conform-errors/f"), -EEXIST);
	EXPECT("rmdir(\"/conform-errors/d\"), not empty",
	       devmgr_fs_rmdir(fs, "/conform-errors/d"), -ENOTEMPTY);
	EXPECT("rmdir(\"/conform-errors/f\"), a file",
	       devmgr_fs_rmdir(fs, "/conform-errors/f"), -ENOTDIR);
	EXPECT("rmdir(\"/conform-errors/missing\")",
	       devmgr_fs_rmdir(fs, "/conform-errors/missing"), -ENOENT);
	EXPECT("unlink(\"/conform-errors/missing\")",
	       devmgr_fs_unlink(fs, "/conform-errors/missing"), -ENOENT);
	EXPECT("rename(\"/conform-errors/missing\", ...)",
	       devmgr_fs_rename(fs, "/conform-errors/missing",
				"/conform-errors/x"),
	       -ENOENT);
	if (ok) {
		rc = devmgr_fs_open(fs, "/conform-errors/f",
				    O_CREAT | O_EXCL | O_WRONLY, &f);
		if (rc == 0)
			devmgr_file_close(f);
		EXPECT("open(\"/conform-errors/f\", O_CREAT | O_EXCL), which "
		       "is there",
		       rc, -EEXIST);
	}
	if (ok) {
		rc = devmgr_fs_open(fs, "/conform-errors/d", O_RDWR, &f);
		if (rc == 0)
			devmgr_file_close(f);
		EXPECT("open(\"/conform-errors/d\", O_RDWR), a folder", rc,
		       -EISDIR);
	}
	if (ok) {
		rc = devmgr_fs_open(fs, "/conform-errors/missing/f",
				    O_CREAT | O_WRONLY, &f);
		if (rc == 0)
			devmgr_file_close(f);
		EXPECT("open(\"/conform-errors/missing/f\", O_CREAT)", rc,
		       -ENOENT);
	}
#undef EXPECT
	return done(c, ok, dir);
}

/* A "." or ".." step is -EINVAL, for every op that takes a path. */
static enum conform_result fs_dots(struct conform *c)
{
	static const char *const paths[] = { "/.",
					     "/..",
					     "/conform-dots/.",
					     "/conform-dots/..",
					     "/conform-dots/./f",
					     "/conform-dots/../conform-dots" };
	struct devmgr_fs *fs = fs_of(c);
	struct devmgr_fs_stat st;
	struct devmgr_file *f;
	char what[160];
	bool w = writable(fs);
	bool ok = !w || (fresh_dir(c, "/conform-dots") &&
			 make_file(c, "/conform-dots/f", 3, 1, NULL));

	for (size_t i = 0; ok && i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *p = paths[i];
		snprintf(what, sizeof(what), "stat(\"%s\")", p);
		ok = conform_rc_is(c, what, devmgr_fs_stat(fs, p, &st),
				   -EINVAL);
		f = NULL;
		int rc = devmgr_fs_open(fs, p, O_RDONLY, &f);
		if (rc == 0)
			devmgr_file_close(f);
		snprintf(what, sizeof(what), "open(\"%s\", O_RDONLY)", p);
		ok = ok && conform_rc_is(c, what, rc, -EINVAL);
		if (ok && w) {
			snprintf(what, sizeof(what), "rmdir(\"%s\")", p);
			ok = conform_rc_is(c, what, devmgr_fs_rmdir(fs, p),
					   -EINVAL);
			snprintf(what, sizeof(what), "mkdir(\"%s\")", p);
			ok = ok &&
			     conform_rc_is(c, what, devmgr_fs_mkdir(fs, p),
					   -EINVAL);
		}
	}
	if (!w)
		return ok ? CONFORM_PASS : CONFORM_FAIL;
	return done(c, ok && stat_is(c, "/conform-dots", 0, DEVMGR_FS_DIR),
		    "/conform-dots");
}

struct listing {
	char names[8][64];
	uint32_t kinds[8];
	uint64_t sizes[8];
	int n, calls, stop_after;
};

static int list_entry(void *arg, const struct devmgr_fs_dirent *e)
{
	struct listing *l = arg;

	l->calls++;
	if (l->n < 8) {
		size_t n = strnlen(e->name, sizeof(l->names[0]) - 1);
		memcpy(l->names[l->n], e->name, n);
		l->names[l->n][n] = '\0';
		l->kinds[l->n] = e->st.kind;
		l->sizes[l->n++] = e->st.size;
	}
	return l->stop_after && l->calls == l->stop_after ? 7 : 0;
}

static enum conform_result fs_readdir(struct conform *c)
{
	static const char *const dir = "/conform-readdir";
	static const char *const want[] = { "a.txt", "bb", "sub dir" };
	struct listing l = { .n = 0 };
	bool ok;

	NEED_WRITABLE(c);
	ok = fresh_dir(c, dir) &&
	     make_file(c, "/conform-readdir/a.txt", 100, 1, NULL) &&
	     make_file(c, "/conform-readdir/bb", 5000, 2, NULL) &&
	     fresh_dir(c, "/conform-readdir/sub dir") &&
	     conform_rc_is(c, "readdir(\"/conform-readdir\")",
			   devmgr_fs_readdir(fs_of(c), dir, list_entry, &l), 0);
	if (ok && l.n != 3)
		return conform_fail(c, "readdir(\"/conform-readdir\")",
				    "3 entries (no \".\" or \"..\")", "%d",
				    l.calls);
	for (int i = 0; ok && i < 3; i++) {
		int j = 0;
		while (j < 3 && strcmp(l.names[j], want[i]) != 0)
			j++;
		if (j == 3)
			return conform_fail(c, "readdir(\"/conform-readdir\")",
					    want[i], "%s, %s, %s", l.names[0],
					    l.names[1], l.names[2]);
		uint32_t kind = i == 2 ? DEVMGR_FS_DIR : DEVMGR_FS_FILE;
		uint64_t size = i == 0 ? 100 : 5000;
		if (l.kinds[j] != kind || (i < 2 && l.sizes[j] != size))
			return conform_fail(c, "readdir(\"/conform-readdir\")",
					    "the kind and size of each entry",
					    "%s: kind %u, size %llu",
					    l.names[j], l.kinds[j],
					    (unsigned long long)l.sizes[j]);
	}
	/* Stopping early: readdir returns what the function returned. */
	struct listing stop = { .stop_after = 1 };
	ok = ok &&
	     conform_rc_is(c, "readdir() whose function returns 7",
			   devmgr_fs_readdir(fs_of(c), dir, list_entry, &stop),
			   7);
	if (ok && stop.calls != 1)
		return conform_fail(c, "readdir() whose function returns 7",
				    "one call", "%d calls", stop.calls);
	ok = ok &&
	     conform_rc_is(c, "readdir(a file)",
			   devmgr_fs_readdir(fs_of(c), "/conform-readdir/bb",
					     list_entry, &l),
			   -ENOTDIR);
	return done(c, ok, dir);
}

static enum conform_result fs_rename(struct conform *c)
{
	static const char *const dir = "/conform-rename";
	struct devmgr_fs *fs = fs_of(c);
	uint8_t *a = NULL, *b = NULL;
	bool ok;

	NEED_WRITABLE(c);
	ok = fresh_dir(c, dir) &&
	     make_file(c, "/conform-rename/a", 3000, 41, &a) &&
	     make_file(c, "/conform-rename/b", 200, 42, &b) &&
	     conform_rc_is(c, "rename(a, new name)",
			   devmgr_fs_rename(fs, "/conform-rename/a",
					    "/conform-rename/moved a"),
			   0) &&
	     stat_is(c, "/conform-rename/a", -ENOENT, 0) &&
	     holds(c, "/conform-rename/moved a", a, 3000, "after rename") &&
	     conform_rc_is(c, "rename(b, over an existing file)",
			   devmgr_fs_rename(fs, "/conform-rename/b",
					    "/conform-rename/moved a"),
			   0) &&
	     stat_is(c, "/conform-rename/b", -ENOENT, 0) &&
	     holds(c, "/conform-rename/moved a", b, 200,
		   "after rename over it") &&
	     fresh_dir(c, "/conform-rename/d1") &&
	     make_file(c, "/conform-rename/d1/in", 10, 43, NULL) &&
	     fresh_dir(c, "/conform-rename/d2") &&
	     conform_rc_is(c, "rename(a folder, into another)",
			   devmgr_fs_rename(fs, "/conform-rename/d1",
					    "/conform-rename/d2/d1"),
			   0) &&
	     stat_is(c, "/conform-rename/d1", -ENOENT, 0) &&
	     stat_is(c, "/conform-rename/d2/d1/in", 0, DEVMGR_FS_FILE);
	free(a);
	free(b);
	return done(c, ok, dir);
}

static enum conform_result fs_truncate(struct conform *c)
{
	static const char *const dir = "/conform-truncate";
	struct devmgr_file *f = NULL;
	uint8_t *data = NULL;
	bool ok;

	NEED_WRITABLE(c);
	ok = fresh_dir(c, dir) &&
	     make_file(c, "/conform-truncate/t", 10000, 51, &data) &&
	     conform_rc_is(c, "open(t, O_RDWR)",
			   devmgr_fs_open(fs_of(c), "/conform-truncate/t",
					  O_RDWR, &f),
			   0);
	if (!ok) {
		free(data);
		return CONFORM_FAIL;
	}
	ok = conform_rc_is(c, "ftruncate(t, 3000)",
			   devmgr_file_truncate(f, 3000), 0);
	ok = conform_rc_is(c, "close(t)", devmgr_file_close(f), 0) && ok;
	ok = ok && holds(c, "/conform-truncate/t", data, 3000,
			 "after truncating it to 3000 bytes");
	/* Growing: the new bytes read as zeros. */
	ok = ok && conform_rc_is(c, "open(t, O_RDWR)",
				 devmgr_fs_open(fs_of(c), "/conform-truncate/t",
						O_RDWR, &f),
				 0);
	if (ok) {
		ok = conform_rc_is(c, "ftruncate(t, 9000)",
				   devmgr_file_truncate(f, 9000), 0);
		ok = conform_rc_is(c, "close(t)", devmgr_file_close(f), 0) &&
		     ok;
		memset(data + 3000, 0, 6000);
		ok = ok && holds(c, "/conform-truncate/t", data, 9000,
				 "after growing it to 9000 bytes");
	}
	free(data);
	return done(c, ok, dir);
}

static enum conform_result fs_remove(struct conform *c)
{
	static const char *const dir = "/conform-remove";
	struct devmgr_fs *fs = fs_of(c);
	bool ok;

	NEED_WRITABLE(c);
	ok = fresh_dir(c, dir) &&
	     make_file(c, "/conform-remove/f", 5000, 61, NULL) &&
	     fresh_dir(c, "/conform-remove/d") &&
	     conform_rc_is(c, "unlink(f)",
			   devmgr_fs_unlink(fs, "/conform-remove/f"), 0) &&
	     stat_is(c, "/conform-remove/f", -ENOENT, 0) &&
	     conform_rc_is(c, "rmdir(d)",
			   devmgr_fs_rmdir(fs, "/conform-remove/d"), 0) &&
	     stat_is(c, "/conform-remove/d", -ENOENT, 0) &&
	     make_file(c, "/conform-remove/f", 10, 62, NULL) &&
	     stat_is(c, "/conform-remove/f", 0, DEVMGR_FS_FILE);
	return done(c, ok, dir);
}

/* "Ünïcödé" */
#define UTF8_NAME "/conform-names/\303\234n\303\257c\303\266d\303\251"

static enum conform_result fs_names(struct conform *c)
{
	static const char *const dir = "/conform-names";
	char path[DEVMGR_FS_NAME_MAX + 64], name[DEVMGR_FS_NAME_MAX + 2];
	struct devmgr_file *f = NULL;
	bool ok;

	NEED_WRITABLE(c);
	ok = fresh_dir(c, dir) &&
	     make_file(c, "/conform-names/a name with spaces.and.dots", 1, 1,
		       NULL) &&
	     make_file(c, UTF8_NAME, 1, 2, NULL) &&
	     stat_is(c, UTF8_NAME, 0, DEVMGR_FS_FILE);
	memset(name, 'n', 200);
	name[200] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ok = ok && make_file(c, path, 1, 3, NULL) &&
	     stat_is(c, path, 0, DEVMGR_FS_FILE);
	memset(name, 'n', DEVMGR_FS_NAME_MAX + 1);
	name[DEVMGR_FS_NAME_MAX + 1] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ok) {
		int rc = devmgr_fs_open(fs_of(c), path, O_CREAT | O_WRONLY, &f);
		if (rc == 0)
			devmgr_file_close(f);
		ok = conform_rc_is(c,
				   "open(a name of DEVMGR_FS_NAME_MAX + 1 "
				   "bytes, O_CREAT)",
				   rc, -ENAMETOOLONG) &&
		     conform_rc_is(c,
				   "mkdir(a name of DEVMGR_FS_NAME_MAX + 1 "
				   "bytes)",
				   devmgr_fs_mkdir(fs_of(c), path),
				   -ENAMETOOLONG);
	}
	return done(c, ok, dir);
}

static enum conform_result fs_sync(struct conform *c)
{
	bool ok;

	if (!writable(fs_of(c)))
		return conform_rc_is(c, "sync() on a read-only filesystem",
				     devmgr_fs_sync(fs_of(c)), 0)
			       ? CONFORM_PASS
			       : CONFORM_FAIL;
	ok = fresh_dir(c, "/conform-sync") &&
	     make_file(c, "/conform-sync/f", 4096, 71, NULL) &&
	     conform_rc_is(c, "sync() after writes", devmgr_fs_sync(fs_of(c)),
			   0) &&
	     conform_rc_is(c, "sync() again", devmgr_fs_sync(fs_of(c)), 0);
	return done(c, ok, "/conform-sync");
}

static enum conform_result fs_setattr(struct conform *c)
{
	static const char *const f = "/conform-setattr/f";
	struct devmgr_fs *fs = fs_of(c);
	struct devmgr_fs_setattr sa = { .valid = DEVMGR_FS_SET_MTIME,
					.mtime = 1000000000 };
	struct devmgr_fs_stat st;
	struct devmgr_file *h = NULL;
	bool ok;

	NEED_WRITABLE(c);
	if (!DEVMGR_HAS_OP(fs->ops, 1, setattr))
		return conform_skip(c, "the provider has no setattr");
	ok = fresh_dir(c, "/conform-setattr") &&
	     make_file(c, f, 10, 81, NULL) &&
	     conform_rc_is(c, "setattr(f, mtime 1000000000)",
			   devmgr_fs_setattr(fs, f, &sa), 0) &&
	     conform_rc_is(c, "stat(f)", devmgr_fs_stat(fs, f, &st), 0);
	if (ok && st.mtime != 1000000000)
		return conform_fail(c, "stat(f).mtime after setattr",
				    "1000000000", "%lld", (long long)st.mtime);
	sa.valid = DEVMGR_FS_SET_ATTRS;
	sa.attrs = 0x40;
	ok = ok && conform_rc_is(c, "setattr(f, attrs 0x40)",
				 devmgr_fs_setattr(fs, f, &sa), -EINVAL);
	if (ok && (st.attrs & DEVMGR_FS_ATTR_KNOWN)) {
		/* A read-only file: writing and removing it are EPERM. */
		sa.attrs = DEVMGR_FS_ATTR_READONLY;
		ok = conform_rc_is(c, "setattr(f, READONLY)",
				   devmgr_fs_setattr(fs, f, &sa), 0);
		int rc = ok ? devmgr_fs_open(fs, f, O_WRONLY, &h) : 0;
		if (ok && rc == 0) {
			rc = (int)devmgr_file_pwrite(h, "x", 1, 0);
			devmgr_file_close(h);
		}
		ok = ok &&
		     conform_rc_is(c, "writing a READONLY file", rc, -EPERM) &&
		     conform_rc_is(c, "unlink(a READONLY file)",
				   devmgr_fs_unlink(fs, f), -EPERM);
		sa.attrs = 0;
		ok = ok && conform_rc_is(c, "setattr(f, no attributes)",
					 devmgr_fs_setattr(fs, f, &sa), 0);
	}
	return done(c, ok, "/conform-setattr");
}

/* The filesystem itself when read-only, else its read-only twin. */
/* The bytes of views of f from off, up to len, gathered into out: the
 * number of bytes, or a negative errno.  *pieces counts the pieces. */
static long view_bytes(struct devmgr_file *f, uint64_t off, size_t len, int max,
		       uint8_t *out, int *pieces)
{
	struct devmgr_fs_view v[16];
	size_t got = 0;

	*pieces = 0;
	while (got < len) {
		int k = devmgr_file_view(f, off + got, len - got, v,
					 max < 16 ? max : 16);
		if (k < 0)
			return k;
		if (k == 0)
			break;
		for (int i = 0; i < k; i++) {
			if (v[i].len == 0 || v[i].len > len - got)
				return -ERANGE;
			memcpy(out + got, v[i].base, v[i].len);
			got += v[i].len;
		}
		*pieces += k;
		if (max < 16)
			break; /* one call only: its limit is the test */
	}
	return (long)got;
}

static bool viewed_as(struct conform *c, struct devmgr_file *f, uint64_t off,
		      size_t len, int max, const uint8_t *want, size_t want_len)
{
	char what[160];
	uint8_t *in = malloc(len ? len : 1);
	int pieces;
	long n;

	if (!in)
		abort();
	n = view_bytes(f, off, len, max, in, &pieces);
	snprintf(what, sizeof(what),
		 "view(%zu bytes at %llu, %d pieces at most), bytes", len,
		 (unsigned long long)off, max);
	bool ok = conform_rc_is(c, what, n, (long)want_len);
	if (ok && memcmp(in, want, want_len) != 0) {
		conform_fail(c, what, "the file's bytes", "other bytes");
		ok = false;
	}
	free(in);
	return ok;
}

/* A file of a cluster, then another file, then the first grown: on a
 * FAT volume its clusters are not neighbours, and a view has pieces. */
static enum conform_result fs_view(struct conform *c)
{
	static const char *const dir = "/conform-view";
	const char *a = "/conform-view/a";
	struct devmgr_fs_volume vol;
	struct devmgr_fs_view v[4];
	struct devmgr_file *f = NULL, *w = NULL, *r = NULL;
	uint8_t *data = NULL, *more;
	size_t cs, size;
	bool ok;
	int rc;

	NEED_WRITABLE(c);
	if (!DEVMGR_HAS_OP(fs_of(c)->ops, 2, view))
		return conform_skip(c, "the provider does not offer view");
	if (!conform_rc_is(c, "volume()", devmgr_fs_volume(fs_of(c), &vol), 0))
		return CONFORM_FAIL;
	cs = vol.cluster_size ? vol.cluster_size : 4096;
	size = 3 * cs + 100;
	ok = fresh_dir(c, dir) && make_file(c, a, cs, 60, &data) &&
	     make_file(c, "/conform-view/b", 1, 61, NULL);
	if (ok) {
		more = realloc(data, size);
		if (!more)
			abort();
		data = more;
		conform_fill(data + cs, size - cs, 62);
		ok = conform_rc_is(c, "open(a, O_RDWR)",
				   devmgr_fs_open(fs_of(c), a, O_RDWR, &f),
				   0) &&
		     conform_rc_is(
			     c, "pwrite(a, growing it)",
			     devmgr_file_pwrite(f, data + cs, size - cs, cs),
			     (long)(size - cs));
		if (f)
			ok = conform_rc_is(c, "close(a)", devmgr_file_close(f),
					   0) &&
			     ok;
	}
	ok = ok && conform_rc_is(c, "open(a, O_RDONLY)",
				 devmgr_fs_open(fs_of(c), a, O_RDONLY, &r), 0);
	if (!ok)
		goto out;
	rc = devmgr_file_view(r, 0, size, v, 4);
	if (rc == -EOPNOTSUPP) {
		devmgr_file_close(r);
		free(data);
		rm_tree(fs_of(c), dir);
		return conform_skip(c, "view answered -EOPNOTSUPP: the device "
				       "below cannot lend its bytes");
	}
	ok = viewed_as(c, r, 0, size + 100, 16, data, size) &&
	     viewed_as(c, r, cs - 10, 20, 16, data + cs - 10, 20) &&
	     viewed_as(c, r, 100, 50, 16, data + 100, 50) &&
	     conform_rc_is(c, "view(at the end)",
			   devmgr_file_view(r, size, 10, v, 4), 0) &&
	     conform_rc_is(c, "view(past the end)",
			   devmgr_file_view(r, size + 4096, 10, v, 4), 0) &&
	     conform_rc_is(c, "view(max 0)", devmgr_file_view(r, 0, 10, v, 0),
			   -EINVAL);
	/* One piece at most: the bytes it gives are the file's first. */
	if (ok) {
		rc = devmgr_file_view(r, 0, size, v, 1);
		ok = conform_rc_is(c, "view(max 1)", rc, 1);
		if (ok && (v[0].len == 0 || v[0].len > size ||
			   memcmp(v[0].base, data, v[0].len) != 0)) {
			conform_fail(c, "view(max 1)",
				     "a piece of the file's first bytes",
				     "%zu other bytes", v[0].len);
			ok = false;
		}
	}
	/* While r holds views, nothing may change their bytes. */
	ok = ok &&
	     conform_rc_is(c, "open(a, O_RDWR) while a view is held",
			   devmgr_fs_open(fs_of(c), a, O_RDWR, &w), -ETXTBSY) &&
	     conform_rc_is(c, "unlink(a) while a view is held",
			   devmgr_fs_unlink(fs_of(c), a), -EBUSY);
	ok = conform_rc_is(c, "close(a)", devmgr_file_close(r), 0) && ok;
	r = NULL;
	/* Open for writing: no view, from any handle. */
	ok = ok &&
	     conform_rc_is(c, "open(a, O_RDWR) once the view is closed",
			   devmgr_fs_open(fs_of(c), a, O_RDWR, &w), 0) &&
	     conform_rc_is(c, "open(a, O_RDONLY)",
			   devmgr_fs_open(fs_of(c), a, O_RDONLY, &r), 0) &&
	     conform_rc_is(c, "view(a) while a handle writes",
			   devmgr_file_view(r, 0, size, v, 4), -EBUSY) &&
	     conform_rc_is(c, "view(a) of the writing handle",
			   devmgr_file_view(w, 0, size, v, 4), -EBUSY);
	if (r)
		devmgr_file_close(r);
	if (w)
		ok = conform_rc_is(c, "close(a, written)", devmgr_file_close(w),
				   0) &&
		     ok;
	ok = ok && holds(c, a, data, size, "after the views");
out:
	free(data);
	return done(c, ok, dir);
}

/* host_fd (minor 2): a descriptor that reads the file's bytes. */
static enum conform_result fs_host_fd(struct conform *c)
{
	static const char *const dir = "/conform-hostfd";
	const char *a = "/conform-hostfd/a";
	struct devmgr_file *f = NULL, *w = NULL;
	uint8_t *data = NULL, *in = malloc(20000);
	bool ok;
	int fd;

	if (!in)
		abort();
	NEED_WRITABLE(c);
	if (!DEVMGR_HAS_OP(fs_of(c)->ops, 2, host_fd)) {
		free(in);
		return conform_skip(c, "the provider does not offer host_fd");
	}
	ok = fresh_dir(c, dir) && make_file(c, a, 20000, 63, &data) &&
	     conform_rc_is(c, "open(a, O_RDONLY)",
			   devmgr_fs_open(fs_of(c), a, O_RDONLY, &f), 0);
	if (ok) {
		fd = devmgr_file_host_fd(f);
		if (fd == -EOPNOTSUPP) {
			devmgr_file_close(f);
			free(data);
			free(in);
			rm_tree(fs_of(c), dir);
			return conform_skip(c, "host_fd answered -EOPNOTSUPP");
		}
		ok = conform_rc_is(c, "host_fd(a) is a descriptor",
				   fd < 0 ? fd : 0, 0) &&
		     conform_rc_is(c, "pread(host_fd(a), 20000 bytes at 0)",
				   pread(fd, in, 20000, 0), 20000);
		if (ok && memcmp(in, data, 20000) != 0) {
			conform_fail(c, "pread(host_fd(a))", "the file's bytes",
				     "other bytes");
			ok = false;
		}
		devmgr_file_close(f);
	}
	ok = ok && conform_rc_is(c, "open(a, O_WRONLY)",
				 devmgr_fs_open(fs_of(c), a, O_WRONLY, &w), 0);
	if (ok) {
		ok = conform_rc_is(c, "host_fd of a write-only handle",
				   devmgr_file_host_fd(w), -EBADF);
		ok = conform_rc_is(c, "close(a)", devmgr_file_close(w), 0) &&
		     ok;
	}
	ok = ok &&
	     conform_rc_is(c, "open(the folder, O_RDONLY)",
			   devmgr_fs_open(fs_of(c), dir, O_RDONLY, &f), 0);
	if (ok) {
		ok = conform_rc_is(c, "host_fd of a folder",
				   devmgr_file_host_fd(f), -EISDIR);
		devmgr_file_close(f);
	}
	free(data);
	free(in);
	return done(c, ok, dir);
}

static enum conform_result fs_read_only(struct conform *c)
{
	struct devmgr_fs *fs = fs_of(c);
	struct devmgr_fs_volume v;
	struct devmgr_file *f = NULL;
	struct devmgr_fs_setattr sa = { .valid = DEVMGR_FS_SET_MTIME };
	int rc;

	if (writable(fs)) {
		if (!c->ro_handle)
			return conform_skip(c,
					    "the filesystem is writable, "
					    "and %s",
					    c->ro_why);
		fs = c->ro_handle;
	}
	if (!conform_rc_is(c, "volume()", devmgr_fs_volume(fs, &v), 0))
		return CONFORM_FAIL;
	if (!v.read_only)
		return conform_fail(c,
				    "volume().read_only of a read-only "
				    "filesystem",
				    "true", "false");
	if (DEVMGR_HAS_OP(fs->ops, 0, pwrite) ||
	    DEVMGR_HAS_OP(fs->ops, 0, mkdir) ||
	    DEVMGR_HAS_OP(fs->ops, 0, unlink) ||
	    DEVMGR_HAS_OP(fs->ops, 0, rmdir) ||
	    DEVMGR_HAS_OP(fs->ops, 0, rename) ||
	    DEVMGR_HAS_OP(fs->ops, 0, ftruncate) ||
	    DEVMGR_HAS_OP(fs->ops, 1, setattr))
		return conform_fail(c, "the ops of a read-only filesystem",
				    "no write ops", "write ops set");
	rc = devmgr_fs_open(fs, "/conform-ro", O_CREAT | O_WRONLY, &f);
	if (rc == 0)
		devmgr_file_close(f);
	if (!conform_rc_is(c, "open(O_CREAT | O_WRONLY)", rc, -EROFS) ||
	    !conform_rc_is(c, "mkdir()", devmgr_fs_mkdir(fs, "/conform-ro"),
			   -EROFS) ||
	    !conform_rc_is(c, "unlink()", devmgr_fs_unlink(fs, "/conform-ro"),
			   -EROFS) ||
	    !conform_rc_is(c, "rmdir()", devmgr_fs_rmdir(fs, "/conform-ro"),
			   -EROFS) ||
	    !conform_rc_is(c, "rename()",
			   devmgr_fs_rename(fs, "/conform-ro", "/conform-r2"),
			   -EROFS) ||
	    (fs->ops->minor >= 1 &&
	     !conform_rc_is(c, "setattr()",
			    devmgr_fs_setattr(fs, "/conform-ro", &sa),
			    -EROFS)) ||
	    !conform_rc_is(c, "readdir(\"/\")",
			   devmgr_fs_readdir(fs, "/", count_entry, &rc), 0) ||
	    !conform_rc_is(c, "sync()", devmgr_fs_sync(fs), 0))
		return CONFORM_FAIL;
	return CONFORM_PASS;
}

const struct conform_case conform_fs_cases[] = {
	{ "fs.volume",
	  "volume() answers 0: type and label NUL-terminated, "
	  "type not empty, free_bytes at most total_bytes, "
	  "read_only true exactly when the write ops are absent",
	  fs_volume },
	{ "fs.root",
	  "\"/\" is a folder that lists; opening it to write is "
	  "-EISDIR",
	  fs_root },
	{ "fs.create",
	  "files created with O_CREAT | O_EXCL read back (size, "
	  "bytes, fewer at the end, 0 past it), also after "
	  "writing inside and past the end; O_TRUNC empties",
	  fs_create },
	{ "fs.errors",
	  "-ENOENT, -ENOTDIR, -EEXIST, -ENOTEMPTY and -EISDIR "
	  "where sig/fs.h says",
	  fs_errors },
	{ "fs.dots",
	  "a \".\" or \"..\" step is -EINVAL for stat, open, "
	  "mkdir and rmdir",
	  fs_dots },
	{ "fs.readdir",
	  "readdir lists each entry once with its kind and "
	  "size, without \".\" and \"..\"; a non-zero return "
	  "stops it and is returned; a file is -ENOTDIR",
	  fs_readdir },
	{ "fs.rename",
	  "rename to a new name, over an existing file (as "
	  "rename(2)), and of a folder into another",
	  fs_rename },
	{ "fs.truncate", "ftruncate shrinks, and grows with zeros",
	  fs_truncate },
	{ "fs.remove", "unlink and rmdir remove; the name can be used again",
	  fs_remove },
	{ "fs.names",
	  "names with spaces, dots, UTF-8 and 200 bytes work; "
	  "DEVMGR_FS_NAME_MAX + 1 bytes is -ENAMETOOLONG",
	  fs_names },
	{ "fs.sync", "sync() answers 0 after writes, and again", fs_sync },
	{ "fs.setattr",
	  "when offered (minor 1): mtime set reads back, bits "
	  "outside the settable ones are -EINVAL; with "
	  "attributes, a READONLY file refuses writing and "
	  "unlink with -EPERM",
	  fs_setattr },
	{ "fs.read_only",
	  "a read-only filesystem (the device, or one made "
	  "with read_only=true) says so in volume(), has no "
	  "write ops, answers -EROFS to every write and "
	  "still lists and syncs",
	  fs_read_only },
	{ "fs.view",
	  "when offered (minor 2): views of a file whose clusters "
	  "are apart give its bytes (whole, inside, across a "
	  "cluster's end, one piece at most), 0 at and past the "
	  "end, -EINVAL for max 0; while a view is held, opening "
	  "to write is -ETXTBSY and unlink -EBUSY; "
	  "a file open for writing gives no view (-EBUSY)",
	  fs_view },
	{ "fs.host_fd",
	  "when offered (minor 2): host_fd of a file reads its bytes with "
	  "pread; a write-only handle is -EBADF, a folder -EISDIR",
	  fs_host_fd },
	{ NULL, NULL, NULL },
};
