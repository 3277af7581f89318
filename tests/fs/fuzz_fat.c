/* fuzz_fat: mounts a random image with fs-fat and walks it.  The input is
 * the start of a 64 MiB blk-ram device (the rest reads as zeros, so seeds
 * can be cut after their last non-zero byte).  Each run lists every
 * folder (bounded depth and count), stats and reads every file, then
 * writes: mkdir, create, write, truncate, rename, unlink, rmdir, and
 * unmounts.  Whatever the image says, nothing may crash, hang or leak.
 *
 * Built with libFuzzer by tests/fuzz/build-fs.sh; replayed over
 * tests/fuzz/corpus/fat in make check (tests/fs/fuzz_replay.sh). */
#include "../../plugins/fs-fat/fat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEV_BYTES (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct devmgr_ctx *ctx;
static struct devmgr_blk *blk;
static uint8_t *buf;

static void quiet(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

static int setup(void)
{
	struct devmgr_error err;

	ctx = devmgr_ctx_new();
	if (ctx == NULL)
		return -1;
	devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_ERROR);
	if (devmgr_ctx_load_config_string(
		    ctx,
		    "{\"devmgr\": 1, \"devices\": {\"ram\": "
		    "{\"provider\": \"blk-ram\", \"size\": \"64M\"}}}",
		    "<fuzz>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		fprintf(stderr, "fuzz_fat: %s\n", err.text);
		return -1;
	}
	blk = devmgr_device_handle(devmgr_ctx_find_device(ctx, "ram"));
	buf = malloc(1 << 16);
	return blk && buf ? 0 : -1;
}

struct walk {
	struct devmgr_fs *fs;
	char path[4096];
	int depth, budget;
};

static int visit(void *arg, const struct devmgr_fs_dirent *e);

static void walk(struct walk *w)
{
	devmgr_fs_readdir(w->fs, w->path, visit, w);
}

static void read_file(struct devmgr_fs *fs, const char *path)
{
	struct devmgr_file *f;
	struct devmgr_fs_stat st;
	uint64_t off = 0;
	ssize_t n;

	if (devmgr_fs_open(fs, path, O_RDONLY, &f) < 0)
		return;
	devmgr_file_stat(f, &st);
	while (off < (1u << 20) &&
	       (n = devmgr_file_pread(f, buf, 1 << 16, off)) > 0)
		off += (uint64_t)n;
	devmgr_file_pread(f, buf, 7, 3);
	devmgr_file_close(f);
}

static int visit(void *arg, const struct devmgr_fs_dirent *e)
{
	struct walk *w = arg;
	size_t len = strlen(w->path);
	struct devmgr_fs_stat st;

	if (--w->budget < 0)
		return 1;
	if (len + strlen(e->name) + 2 >= sizeof(w->path))
		return 0;
	snprintf(w->path + len, sizeof(w->path) - len, "/%s", e->name);
	devmgr_fs_stat(w->fs, w->path, &st);
	if (e->st.kind == DEVMGR_FS_DIR && w->depth < 6) {
		w->depth++;
		walk(w);
		w->depth--;
	} else if (e->st.kind == DEVMGR_FS_FILE) {
		read_file(w->fs, w->path);
	}
	w->path[len] = '\0';
	return 0;
}

static void write_some(struct devmgr_fs *fs)
{
	struct devmgr_file *f;

	devmgr_fs_mkdir(fs, "/fuzz dir");
	if (devmgr_fs_open(fs, "/fuzz dir/A long file name.txt",
			   O_RDWR | O_CREAT, &f) == 0) {
		memset(buf, 'x', 5000);
		devmgr_file_pwrite(f, buf, 5000, 100);
		devmgr_file_truncate(f, 1000);
		devmgr_file_pread(f, buf, 2000, 0);
		devmgr_file_close(f);
	}
	devmgr_fs_rename(fs, "/fuzz dir/A long file name.txt", "/moved.txt");
	devmgr_fs_unlink(fs, "/moved.txt");
	devmgr_fs_rmdir(fs, "/fuzz dir");
	devmgr_fs_sync(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fat_vol *v;
	struct devmgr_fs fs;
	struct devmgr_error err;
	struct devmgr_fs_volume vol;
	struct walk *w;
	size_t len = size & ~(size_t)511;

	if (ctx == NULL && setup() < 0)
		abort();
	if (size > DEV_BYTES)
		return 0;
	devmgr_blk_discard(blk, 0, DEV_BYTES / 512);
	if (len)
		devmgr_blk_write(blk, 0, data, len);
	if (size > len) {
		memset(buf, 0, 512);
		memcpy(buf, data + len, size - len);
		devmgr_blk_write(blk, len / 512, buf, 512);
	}
	v = calloc(1, sizeof(*v));
	w = calloc(1, sizeof(*w));
	if (v == NULL || w == NULL)
		abort();
	v->ctx = ctx;
	v->id = "fuzz";
	if (fat_mount(v, blk, false, &err) == 0 && fat_dir_load_label(v) == 0) {
		memset(&fs, 0, sizeof(fs));
		fs.ops = &fat_ops_rw;
		fs.priv = v;
		devmgr_fs_volume(&fs, &vol);
		w->fs = &fs;
		w->budget = 512;
		walk(w);
		write_some(&fs);
	}
	fat_unmount(v);
	free(v);
	free(w);
	return 0;
}
