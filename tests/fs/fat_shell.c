/* fat_shell: drives an fs device through the devmgr API, for the tests of
 * fs-fat against dosfstools and mtools.  The devices come from the plugins
 * on DEVMGR_PLUGIN_PATH (blk-file under fs-fat), as any app gets them.
 *
 *   fat_shell [-s SECTOR_SIZE] [-r] [-c CHUNK] [-o PARAMS] IMAGE CMD ARGS
 *             [; CMD ARGS]...
 *   fat_shell -H [-r] FOLDER CMD ARGS...   (fs-host over a host folder)
 *
 * -o adds fs-fat parameters, as JSON members ('"utc_offset": 540').
 *
 * Commands: tree [PATH] (every entry below PATH, "D path" or "F path
 * size"), ls PATH, cat PATH, stat PATH, volume, export HOSTDIR,
 * import HOSTFILE PATH, write PATH SIZE SEED [OFFSET], pwrite1 PATH
 * SIZE SEED OFFSET (one pwrite call; prints "pwrite1 N", the count it
 * returned), mkdir PATH,
 * rm PATH, rmdir PATH, mv FROM TO, truncate PATH SIZE, fill PATH, sync,
 * open PATH FLAGS (r, w, c, x, t letters; opens and closes), system CMD
 * (runs a host command while mounted), ops (how many write ops are set),
 * mkfiles DIR N (N empty files with long names), lookup DIR N (stat each
 * of them, spelt in upper case), rmfiles DIR FROM TO (unlink some).  A command
 * prefixed with '?' prints "OK" or the errno name instead of failing.
 * Exit status: 0, 1 when a command failed, 2 when the devices could not
 * be created. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <devmgr/devmgr.h>
#include <devmgr/sig/fs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct devmgr_fs *fs;
static size_t chunk = 1 << 20;

static uint8_t pattern(uint64_t i, unsigned seed)
{
	return (uint8_t)((i * 131 + seed * 7 + (i >> 11)) & 0xFF);
}

struct walk {
	char path[8192];
	const char *export_dir;
	int depth;
	int rc;
};

static int walk_dir(struct walk *w);

static int export_file(const char *src, const char *dst)
{
	struct devmgr_file *f;
	uint8_t *buf = malloc(chunk);
	uint64_t off = 0;
	ssize_t n;
	int fd, rc = devmgr_fs_open(fs, src, O_RDONLY, &f);

	if (rc < 0 || buf == NULL) {
		free(buf);
		return rc < 0 ? rc : -ENOMEM;
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while ((n = devmgr_file_pread(f, buf, chunk, off)) > 0) {
		if (write(fd, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
		off += (uint64_t)n;
	}
	if (n < 0)
		rc = (int)n;
	close(fd);
out:
	devmgr_file_close(f);
	free(buf);
	return rc;
}

static int on_entry(void *arg, const struct devmgr_fs_dirent *e)
{
	struct walk *w = arg;
	size_t len = strlen(w->path);
	int rc = 0;

	snprintf(w->path + len, sizeof(w->path) - len, "%s%s",
		 len > 1 ? "/" : "", e->name);
	if (e->st.kind == DEVMGR_FS_DIR) {
		printf("D %s\n", w->path);
		if (w->export_dir) {
			char host[9000];

			snprintf(host, sizeof(host), "%s%s", w->export_dir,
				 w->path);
			mkdir(host, 0755);
		}
		if (w->depth < 64) {
			w->depth++;
			rc = walk_dir(w);
			w->depth--;
		}
	} else {
		printf("F %s %llu\n", w->path, (unsigned long long)e->st.size);
		if (w->export_dir) {
			char host[9000];

			snprintf(host, sizeof(host), "%s%s", w->export_dir,
				 w->path);
			rc = export_file(w->path, host);
		}
	}
	w->path[len] = '\0';
	if (rc < 0)
		w->rc = rc;
	return 0;
}

static int walk_dir(struct walk *w)
{
	int rc = devmgr_fs_readdir(fs, w->path, on_entry, w);

	return rc < 0 ? rc : w->rc;
}

static int print_entry(void *arg, const struct devmgr_fs_dirent *e)
{
	(void)arg;
	printf("%c %s %llu\n", e->st.kind == DEVMGR_FS_DIR ? 'D' : 'F', e->name,
	       (unsigned long long)e->st.size);
	return 0;
}

static int cmd_cat(const char *path)
{
	struct devmgr_file *f;
	uint8_t *buf = malloc(chunk);
	uint64_t off = 0;
	ssize_t n = 0;
	int rc = buf ? devmgr_fs_open(fs, path, O_RDONLY, &f) : -ENOMEM;

	if (rc < 0) {
		free(buf);
		return rc;
	}
	while ((n = devmgr_file_pread(f, buf, chunk, off)) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		off += (uint64_t)n;
	}
	devmgr_file_close(f);
	free(buf);
	return n < 0 ? (int)n : 0;
}

static int write_all(struct devmgr_file *f, const uint8_t *buf, size_t len,
		     uint64_t off)
{
	while (len > 0) {
		size_t n = len < chunk ? len : chunk;
		ssize_t w = devmgr_file_pwrite(f, buf, n, off);

		if (w < 0)
			return (int)w;
		buf += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int cmd_import(const char *host, const char *path)
{
	struct devmgr_file *f = NULL;
	uint8_t *buf = malloc(chunk);
	uint64_t off = 0;
	ssize_t n;
	int fd = open(host, O_RDONLY), rc;

	if (fd < 0 || buf == NULL) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	rc = devmgr_fs_open(fs, path, O_WRONLY | O_CREAT | O_TRUNC, &f);
	while (rc == 0 && (n = read(fd, buf, chunk)) > 0) {
		rc = write_all(f, buf, (size_t)n, off);
		off += (uint64_t)n;
	}
	close(fd);
	free(buf);
	if (f) {
		int c = devmgr_file_close(f);
		if (rc == 0)
			rc = c;
	}
	return rc;
}

static int cmd_write(const char *path, uint64_t size, unsigned seed,
		     uint64_t at)
{
	struct devmgr_file *f = NULL;
	uint8_t *buf = malloc(chunk);
	int rc = buf ? devmgr_fs_open(fs, path, O_WRONLY | O_CREAT, &f)
		     : -ENOMEM;

	for (uint64_t done = 0; rc == 0 && done < size;) {
		size_t n = size - done < chunk ? (size_t)(size - done) : chunk;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(done + i, seed);
		rc = write_all(f, buf, n, at + done);
		done += n;
	}
	if (f) {
		int c = devmgr_file_close(f);
		if (rc == 0)
			rc = c;
	}
	free(buf);
	return rc;
}

/* One pwrite call of the pattern, its count printed: what a write that
 * crosses a limit does. */
static int cmd_pwrite1(const char *path, uint64_t size, unsigned seed,
		       uint64_t at)
{
	struct devmgr_file *f = NULL;
	uint8_t *buf = malloc(size ? size : 1);
	int rc = buf ? devmgr_fs_open(fs, path, O_WRONLY | O_CREAT, &f)
		     : -ENOMEM;

	if (rc == 0) {
		for (uint64_t i = 0; i < size; i++)
			buf[i] = pattern(i, seed);
		ssize_t n = devmgr_file_pwrite(f, buf, size, at);
		if (n >= 0)
			printf("pwrite1 %zd\n", n);
		rc = n < 0 ? (int)n : 0;
		int c = devmgr_file_close(f);
		if (rc == 0)
			rc = c;
	}
	free(buf);
	return rc;
}

/* Write until the disk is full; print how far it went. */
static int cmd_fill(const char *path)
{
	struct devmgr_file *f;
	uint8_t *buf = malloc(65536);
	uint64_t off = 0;
	ssize_t w = 0;
	int rc = devmgr_fs_open(fs, path, O_WRONLY | O_CREAT | O_TRUNC, &f);

	if (rc < 0 || buf == NULL) {
		free(buf);
		return rc;
	}
	for (;;) {
		for (size_t i = 0; i < 65536; i++)
			buf[i] = pattern(off + i, 9);
		w = devmgr_file_pwrite(f, buf, 65536, off);
		if (w < 0)
			break;
		off += (uint64_t)w;
	}
	printf("fill %s: %s after %llu bytes\n", path, devmgr_err_name((int)w),
	       (unsigned long long)off);
	free(buf);
	rc = devmgr_file_close(f);
	return rc;
}

static int cmd_open(const char *path, const char *how)
{
	int flags = strchr(how, 'w') ? (strchr(how, 'r') ? O_RDWR : O_WRONLY)
				     : O_RDONLY;
	struct devmgr_file *f;
	int rc;

	if (strchr(how, 'c'))
		flags |= O_CREAT;
	if (strchr(how, 'x'))
		flags |= O_EXCL;
	if (strchr(how, 't'))
		flags |= O_TRUNC;
	rc = devmgr_fs_open(fs, path, flags, &f);
	if (rc == 0)
		rc = devmgr_file_close(f);
	return rc;
}

static int cmd_stat(const char *path)
{
	struct devmgr_fs_stat st;
	int rc = devmgr_fs_stat(fs, path, &st);

	if (rc == 0)
		printf("%s %s %llu mtime %lld\n", path,
		       st.kind == DEVMGR_FS_DIR ? "dir" : "file",
		       (unsigned long long)st.size, (long long)st.mtime);
	return rc;
}

static int cmd_truncate(const char *path, uint64_t size)
{
	struct devmgr_file *f;
	int rc = devmgr_fs_open(fs, path, O_WRONLY, &f);

	if (rc < 0)
		return rc;
	rc = devmgr_file_truncate(f, size);
	int c = devmgr_file_close(f);
	return rc ? rc : c;
}

static int cmd_volume(void)
{
	struct devmgr_fs_volume vol;
	int rc = devmgr_fs_volume(fs, &vol);

	if (rc == 0)
		printf("type %s label \"%s\" cluster %u total %llu free %llu "
		       "%s\n",
		       vol.type, vol.label, vol.cluster_size,
		       (unsigned long long)vol.total_bytes,
		       (unsigned long long)vol.free_bytes,
		       vol.read_only ? "ro" : "rw");
	return rc;
}

static int cmd_tree(const char *path, const char *export_dir)
{
	struct walk *w = calloc(1, sizeof(*w));
	int rc;

	snprintf(w->path, sizeof(w->path), "%s", path);
	w->export_dir = export_dir;
	rc = walk_dir(w);
	free(w);
	return rc;
}

/* N empty files "DIR/File number NNNNN with a long name.txt" (mkfiles),
 * or a stat of each under its upper-case spelling (lookup). */
static int many(const char *dir, long from, long n, int what)
{
	char path[4096];
	bool create = what == 'c';

	for (long i = from; i < n; i++) {
		struct devmgr_file *f;
		struct devmgr_fs_stat st;
		int rc;

		snprintf(path, sizeof(path),
			 "%s/%s number %05ld with a long "
			 "name.txt",
			 dir, create ? "File" : "FILE", i);
		if (create) {
			rc = devmgr_fs_open(fs, path,
					    O_WRONLY | O_CREAT | O_EXCL, &f);
			if (rc == 0)
				rc = devmgr_file_close(f);
		} else if (what == 'd') {
			rc = devmgr_fs_unlink(fs, path);
		} else {
			rc = devmgr_fs_stat(fs, path, &st);
		}
		if (rc < 0) {
			fprintf(stderr, "fat_shell: %s: %s\n", path,
				devmgr_err_name(rc));
			return rc;
		}
	}
	return 0;
}

#define ARG(i) (i < argc ? argv[i] : "")

static int run(int argc, char **argv)
{
	const char *c = argv[0];

	if (!strcmp(c, "tree"))
		return cmd_tree(argc > 1 ? argv[1] : "/", NULL);
	if (!strcmp(c, "export"))
		return cmd_tree("/", ARG(1));
	if (!strcmp(c, "ls"))
		return devmgr_fs_readdir(fs, ARG(1), print_entry, NULL);
	if (!strcmp(c, "cat"))
		return cmd_cat(ARG(1));
	if (!strcmp(c, "stat"))
		return cmd_stat(ARG(1));
	if (!strcmp(c, "volume"))
		return cmd_volume();
	if (!strcmp(c, "import"))
		return cmd_import(ARG(1), ARG(2));
	if (!strcmp(c, "write"))
		return cmd_write(ARG(1), strtoull(ARG(2), NULL, 0),
				 (unsigned)atoi(ARG(3)),
				 strtoull(ARG(4), NULL, 0));
	if (!strcmp(c, "pwrite1"))
		return cmd_pwrite1(ARG(1), strtoull(ARG(2), NULL, 0),
				   (unsigned)atoi(ARG(3)),
				   strtoull(ARG(4), NULL, 0));
	if (!strcmp(c, "mkdir"))
		return devmgr_fs_mkdir(fs, ARG(1));
	if (!strcmp(c, "rm"))
		return devmgr_fs_unlink(fs, ARG(1));
	if (!strcmp(c, "rmdir"))
		return devmgr_fs_rmdir(fs, ARG(1));
	if (!strcmp(c, "mv"))
		return devmgr_fs_rename(fs, ARG(1), ARG(2));
	if (!strcmp(c, "truncate"))
		return cmd_truncate(ARG(1), strtoull(ARG(2), NULL, 0));
	if (!strcmp(c, "fill"))
		return cmd_fill(ARG(1));
	if (!strcmp(c, "open"))
		return cmd_open(ARG(1), ARG(2));
	if (!strcmp(c, "sync"))
		return devmgr_fs_sync(fs);
	if (!strcmp(c, "mkfiles"))
		return many(ARG(1), 0, atol(ARG(2)), 'c');
	if (!strcmp(c, "lookup"))
		return many(ARG(1), 0, atol(ARG(2)), 's');
	if (!strcmp(c, "rmfiles"))
		return many(ARG(1), atol(ARG(2)), atol(ARG(3)), 'd');
	if (!strcmp(c, "system")) /* a host command while mounted */
		return system(ARG(1)) == 0 ? 0 : -ECHILD;
	if (!strcmp(c, "ops")) {
		const struct devmgr_fs_ops *o = fs->ops;
		int n = !!o->pwrite + !!o->ftruncate + !!o->mkdir +
			!!o->unlink + !!o->rmdir + !!o->rename + !!o->sync;

		printf("write ops: %d of 7\n", n);
		return 0;
	}
	fprintf(stderr, "fat_shell: unknown command %s\n", c);
	return -EINVAL;
}

static const char *fs_params = "";

static int create(const char *image, int ss, bool ro, bool host,
		  struct devmgr_ctx *ctx)
{
	char json[8192];
	struct devmgr_error err;
	char msg[2048];

	if (host)
		snprintf(
			json, sizeof(json),
			"{\"devmgr\": 1, \"devices\": {"
			"\"fs\": {\"provider\": \"fs-host\", \"path\": \"%s\", "
			"\"read_only\": %s}}}",
			image, ro ? "true" : "false");
	else
		snprintf(json, sizeof(json),
			 "{\"devmgr\": 1, \"devices\": {"
			 "\"disk\": {\"provider\": \"blk-file\", \"path\": "
			 "\"%s\", "
			 "\"sector_size\": %d},"
			 "\"fs\": {\"provider\": \"fs-fat\", \"on\": \"disk\", "
			 "\"read_only\": %s%s%s}}}",
			 image, ss, ro ? "true" : "false",
			 fs_params[0] ? ", " : "", fs_params);
	if (devmgr_ctx_load_config_string(ctx, json, "<fat_shell>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		fprintf(stderr, "fat_shell: %s\n",
			devmgr_error_format(&err, msg, sizeof(msg)));
		return -1;
	}
	fs = devmgr_device_handle(devmgr_ctx_find_device(ctx, "fs"));
	return 0;
}

int main(int argc, char **argv)
{
	int ss = 512, opt, status = 0;
	bool ro = false, host = false;
	struct devmgr_ctx *ctx;

	while ((opt = getopt(argc, argv, "+s:rc:o:H")) != -1) {
		if (opt == 'H')
			host = true;
		else if (opt == 's')
			ss = atoi(optarg);
		else if (opt == 'r')
			ro = true;
		else if (opt == 'c')
			chunk = strtoul(optarg, NULL, 0);
		else if (opt == 'o')
			fs_params = optarg;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: fat_shell [-s SS] [-r] IMAGE CMD...\n");
		return 2;
	}
	ctx = devmgr_ctx_new();
	if (ctx == NULL || create(argv[optind], ss, ro, host, ctx) < 0) {
		devmgr_ctx_free(ctx);
		return 2;
	}
	for (int i = optind + 1; i < argc;) {
		int j = i, rc;
		bool soft;

		while (j < argc && strcmp(argv[j], ";") != 0)
			j++;
		soft = argv[i][0] == '?';
		if (soft)
			argv[i]++;
		fflush(stdout);
		rc = run(j - i, argv + i);
		fflush(stdout);
		if (soft) {
			printf("%s %s\n", argv[i],
			       rc < 0 ? devmgr_err_name(rc) : "OK");
		} else if (rc < 0) {
			fprintf(stderr, "fat_shell: %s %s: %s\n", argv[i],
				j - i > 1 ? argv[i + 1] : "",
				devmgr_err_name(rc));
			status = 1;
		}
		i = j + 1;
	}
	fflush(stdout);
	devmgr_ctx_free(ctx);
	return status;
}
