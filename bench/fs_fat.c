/* fs_fat.c: fs-fat on blk-file against the raw paths, in one run:
 *   - reading a 64 MiB file (1 MiB preads) against a plain pread() of the
 *     same bytes of the image (target ratio >= 0.80);
 *   - the same read against "mtype -i IMAGE ::/big.bin > /dev/null"
 *     (target >= 3x faster; the time with the mount is printed too);
 *   - writing a 64 MiB file from memory (create, 1 MiB pwrites, close;
 *     the mount and the same write read from a host file are printed too)
 *     against "mcopy -i IMAGE FILE ::/" (target >= 2x faster);
 *   - listing a folder and looking up every name in it: 10,000 entries
 *     against 1,000 (target <= 12x the time).
 * The image (FAT32, 4 KiB clusters) lives in /var/tmp (BENCH_TMPDIR), is
 * made by mkfs.fat and filled by mcopy, and is read once so that it sits
 * in the page cache; it is removed at the end.  Each repetition runs both
 * paths, alternating which goes first; medians are compared.
 *
 * Usage: fs_fat [--quick]   (plugins from DEVMGR_PLUGIN_PATH; mkfs.fat and
 * mtools on PATH, /usr/sbin included) */
#define _GNU_SOURCE
#include <devmgr/devmgr.h>
#include <devmgr/sig/fs.h>

#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK ((size_t)1 << 20)

static char dir[4096], img[4200], src[4200];
static uint8_t *buf;
/* CPU time (user + system) of the last measurement: this process's for
 * the fs-fat and pread paths, the child's for mtools.  The machine is
 * shared, so wall time also counts waiting for a CPU; CPU time does not. */
static double cpu_last;

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cleanup(void)
{
	char cmd[8400];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fs_fat: could not remove %s\n", dir);
	}
}

/* Run argv with stdout to /dev/null; its wall time, or -1. */
static double run(char *const argv[])
{
	double t0 = bench_now();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		setenv("MTOOLS_SKIP_CHECK", "1", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	struct rusage ru;

	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "fs_fat: %s failed\n", argv[0]);
		return -1;
	}
	cpu_last = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
		   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	return bench_now() - t0;
}

static struct devmgr_ctx *mount_fs(bool ro, struct devmgr_fs **fs)
{
	char json[8192], msg[1024];
	struct devmgr_error err;
	struct devmgr_ctx *ctx = devmgr_ctx_new();

	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {"
		 "\"disk\": {\"provider\": \"blk-file\", \"path\": \"%s\"},"
		 "\"fs\": {\"provider\": \"fs-fat\", \"on\": \"disk\", "
		 "\"read_only\": %s}}}",
		 img, ro ? "true" : "false");
	if (!ctx ||
	    devmgr_ctx_load_config_string(ctx, json, "<bench>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		fprintf(stderr, "fs_fat: %s\n",
			devmgr_error_format(&err, msg, sizeof(msg)));
		exit(2);
	}
	*fs = devmgr_device_handle(devmgr_ctx_find_device(ctx, "fs"));
	return ctx;
}

static int make_src(size_t size)
{
	int fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	for (size_t off = 0; off < size; off += CHUNK) {
		for (size_t i = 0; i < CHUNK; i++)
			buf[i] = (uint8_t)((off + i) * 131 + 7 +
					   ((off + i) >> 12));
		if (write(fd, buf, CHUNK) != (ssize_t)CHUNK) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* Where the (contiguous) file starts in the image: its first 4 KiB are
 * found at a 4 KiB-aligned offset. */
static off_t find_in_image(int fd, const uint8_t *head)
{
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, CHUNK, off)) > 0) {
		for (ssize_t i = 0; i + 4096 <= n; i += 4096)
			if (memcmp(buf + i, head, 4096) == 0)
				return off + i;
		off += n;
	}
	return -1;
}

static double read_fs(struct devmgr_fs *fs, size_t size)
{
	struct devmgr_file *f;
	uint64_t off = 0;
	ssize_t n;
	double t0 = bench_now(), c0 = cpu_now();

	if (devmgr_fs_open(fs, "/big.bin", O_RDONLY, &f) < 0)
		return -1;
	while ((n = devmgr_file_pread(f, buf, CHUNK, off)) > 0) {
		bench_clobber(buf);
		off += (uint64_t)n;
	}
	devmgr_file_close(f);
	cpu_last = cpu_now() - c0;
	return off == size ? bench_now() - t0 : -1;
}

static double read_raw(int fd, off_t at, size_t size)
{
	double t0 = bench_now(), c0 = cpu_now();

	for (size_t off = 0; off < size; off += CHUNK) {
		if (pread(fd, buf, CHUNK, at + (off_t)off) != (ssize_t)CHUNK)
			return -1;
		bench_clobber(buf);
	}
	cpu_last = cpu_now() - c0;
	return bench_now() - t0;
}

/* Mount read-write, write size bytes to a new file in 1 MiB pwrites (from
 * memory, or read from the host file first when from_file), close.  The
 * mount (devmgr context, plugin loading, FAT read, dirty bit and its
 * flush) is timed apart in *mount; the unmount's flush is left out, as
 * mcopy does not sync either. */
static double write_fs(size_t size, const uint8_t *data, bool from_file,
		       double *mount)
{
	struct devmgr_fs *fs;
	struct devmgr_file *f;
	double t0 = bench_now();
	struct devmgr_ctx *ctx = mount_fs(false, &fs);
	double t1 = bench_now(), c1 = cpu_now();
	int fd = from_file ? open(src, O_RDONLY) : -1;
	int rc = devmgr_fs_open(fs, "/w.bin", O_WRONLY | O_CREAT | O_TRUNC, &f);

	for (size_t off = 0; rc == 0 && off < size; off += CHUNK) {
		const uint8_t *p = data + off;

		if (from_file) {
			if (read(fd, buf, CHUNK) != (ssize_t)CHUNK)
				rc = -1;
			p = buf;
		}
		if (rc == 0 &&
		    devmgr_file_pwrite(f, p, CHUNK, off) != (ssize_t)CHUNK)
			rc = -1;
	}
	if (devmgr_file_close(f) < 0)
		rc = -1;
	if (fd >= 0)
		close(fd);
	double t = bench_now() - t1;
	cpu_last = cpu_now() - c1;
	*mount = t1 - t0;
	devmgr_ctx_free(ctx);

	ctx = mount_fs(false, &fs);
	devmgr_fs_unlink(fs, "/w.bin");
	devmgr_ctx_free(ctx);
	return rc == 0 ? t : -1;
}

static double write_mcopy(void)
{
	char dst[64] = "::/m.bin";
	char *cp[] = { "mcopy", "-o", "-i", img, src, dst, NULL };
	char *del[] = { "mdel", "-i", img, dst, NULL };
	double t = run(cp), c = cpu_last;

	run(del);
	cpu_last = c;
	return t;
}

struct lookup {
	struct devmgr_fs *fs;
	const char *dir;
	long n;
};

static int on_name(void *arg, const struct devmgr_fs_dirent *e)
{
	struct lookup *l = arg;
	char path[2048];
	struct devmgr_fs_stat st;

	snprintf(path, sizeof(path), "%s/%s", l->dir, e->name);
	if (devmgr_fs_stat(l->fs, path, &st) == 0)
		l->n++;
	return 0;
}

/* List the folder, then look every listed name up. */
static double list_lookup(struct devmgr_fs *fs, const char *path, long want)
{
	struct lookup l = { fs, path, 0 };
	double t0 = bench_now(), c0 = cpu_now();

	devmgr_fs_readdir(fs, path, on_name, &l);
	cpu_last = cpu_now() - c0;
	return l.n == want ? bench_now() - t0 : -1;
}

static void make_dir(struct devmgr_fs *fs, const char *path, long n)
{
	char p[256];
	struct devmgr_file *f;

	devmgr_fs_mkdir(fs, path);
	for (long i = 0; i < n; i++) {
		snprintf(p, sizeof(p),
			 "%s/Entry number %06ld of the folder.txt", path, i);
		if (devmgr_fs_open(fs, p, O_WRONLY | O_CREAT, &f) == 0)
			devmgr_file_close(f);
	}
}

static int setup(size_t size, size_t img_kib)
{
	const char *t = getenv("BENCH_TMPDIR");
	char kib[32];

	snprintf(dir, sizeof(dir), "%s/devmgr-fs-XXXXXX",
		 t && *t ? t : "/var/tmp");
	if (!mkdtemp(dir)) {
		dir[0] = 0;
		return -1;
	}
	atexit(cleanup);
	snprintf(img, sizeof(img), "%s/fat.img", dir);
	snprintf(src, sizeof(src), "%s/big.bin", dir);
	snprintf(kib, sizeof(kib), "%zu", img_kib);
	char *mk[] = {
		"mkfs.fat", "-C", "-F", "32", "-s", "8", img, kib, NULL
	};
	char *cp[] = { "mcopy", "-i", img, src, "::/big.bin", NULL };
	if (make_src(size) < 0 || run(mk) < 0 || run(cp) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int quick = bench_quick(argc, argv), missed = 0;
	size_t size = quick ? (size_t)4 << 20 : (size_t)64 << 20;
	int reps = quick ? 3 : 11;
	long small = quick ? 100 : 1000, big = small * 10;
	unsigned mib = (unsigned)(size >> 20);
	double t[6][16], c[6][16];
	struct devmgr_fs *fs;
	struct devmgr_ctx *ctx;

	if (getenv("PATH") && !strstr(getenv("PATH"), "/usr/sbin")) {
		char p[8192];

		snprintf(p, sizeof(p), "%s:/usr/sbin:/sbin", getenv("PATH"));
		setenv("PATH", p, 1);
	}
	buf = malloc(CHUNK);
	if (!buf || setup(size, size / 1024 * 2 + 65536 * 4) < 0) {
		fprintf(stderr, "fs_fat: cannot set up (mkfs.fat, mtools?)\n");
		return 2;
	}
	int fd = open(img, O_RDONLY);
	uint8_t head[4096];
	for (size_t i = 0; i < sizeof(head); i++)
		head[i] = (uint8_t)(i * 131 + 7);
	off_t at = find_in_image(fd, head);
	if (at < 0) {
		fprintf(stderr, "fs_fat: the file is not found in the image\n");
		return 2;
	}
	read_raw(fd, at, size); /* into the page cache */

	/* reads: fs-fat, raw pread, fs-fat with mount, mtype */
	char *mt[] = { "mtype", "-i", img, "::/big.bin", NULL };
	for (int r = 0; r < reps; r++) {
		double t0 = bench_now();

		ctx = mount_fs(true, &fs);
		double mount = bench_now() - t0;
		if (r % 2) {
			t[1][r] = read_raw(fd, at, size);
			c[1][r] = cpu_last;
			t[0][r] = read_fs(fs, size);
			c[0][r] = cpu_last;
		} else {
			t[0][r] = read_fs(fs, size);
			c[0][r] = cpu_last;
			t[1][r] = read_raw(fd, at, size);
			c[1][r] = cpu_last;
		}
		t0 = bench_now();
		devmgr_ctx_free(ctx);
		t[2][r] = t[0][r] + mount + (bench_now() - t0);
		t[3][r] = run(mt);
		c[3][r] = cpu_last;
		if (t[0][r] < 0 || t[1][r] < 0 || t[3][r] < 0)
			return 2;
	}
	close(fd);
	double mb = (double)size / 1e6;
	double fsr = mb / bench_median(t[0], reps);
	double raw = mb / bench_median(t[1], reps);
	printf("fs-fat %uM read vs pread: fs-fat %.0f MB/s, pread %.0f MB/s, "
	       "ratio %.3f ",
	       mib, fsr, raw, fsr / raw);
	missed += bench_verdict(fsr / raw, 0.80, 1);
	double tm = bench_median(t[3], reps), tf = bench_median(t[0], reps);
	printf("fs-fat %uM read vs mtype: fs-fat %.1f ms (%.1f ms with the "
	       "mount), mtype %.1f ms, speedup %.2f ",
	       mib, tf * 1e3, bench_median(t[2], reps) * 1e3, tm * 1e3,
	       tm / tf);
	missed += bench_verdict(tm / tf, 3.0, 1);
	double cf = bench_median(c[0], reps), cr = bench_median(c[1], reps);
	double cm = bench_median(c[3], reps);
	printf("fs-fat %uM read, CPU time: fs-fat %.1f ms, pread %.1f ms "
	       "(ratio %.3f), mtype %.1f ms (speedup %.2f) INFO\n",
	       mib, cf * 1e3, cr * 1e3, cr / cf, cm * 1e3, cm / cf);

	/* writes */
	uint8_t *data = malloc(size);
	int sfd = open(src, O_RDONLY);
	if (!data || sfd < 0 || read(sfd, data, size) != (ssize_t)size)
		return 2;
	close(sfd);
	double wm[16], ff[16];
	for (int r = 0; r < reps; r++) {
		if (r % 2) {
			t[5][r] = write_mcopy();
			c[5][r] = cpu_last;
			t[4][r] = write_fs(size, data, false, &wm[r]);
			c[4][r] = cpu_last;
		} else {
			t[4][r] = write_fs(size, data, false, &wm[r]);
			c[4][r] = cpu_last;
			t[5][r] = write_mcopy();
			c[5][r] = cpu_last;
		}
		double m;
		ff[r] = write_fs(size, data, true, &m);
		if (t[4][r] < 0 || t[5][r] < 0 || ff[r] < 0)
			return 2;
	}
	free(data);
	tf = bench_median(t[4], reps);
	tm = bench_median(t[5], reps);
	double tmw = bench_median(wm, reps), tff = bench_median(ff, reps);
	printf("fs-fat %uM write vs mcopy: fs-fat %.1f ms (from memory; "
	       "from the host file %.1f ms, mount %.1f ms), mcopy %.1f ms, "
	       "speedup %.2f ",
	       mib, tf * 1e3, tff * 1e3, tmw * 1e3, tm * 1e3, tm / tf);
	missed += bench_verdict(tm / tf, 2.0, 1);
	cf = bench_median(c[4], reps);
	cm = bench_median(c[5], reps);
	printf("fs-fat %uM write, CPU time: fs-fat %.1f ms, mcopy %.1f ms "
	       "(speedup %.2f) INFO\n",
	       mib, cf * 1e3, cm * 1e3, cm / cf);

	/* folders */
	ctx = mount_fs(false, &fs);
	make_dir(fs, "/small", small);
	make_dir(fs, "/big", big);
	/* each sample handles as many entries for both sizes: ten passes
	 * over the small folder, one over the big one */
	int dreps = 15;
	for (int r = 0; r < dreps; r++) {
		t[0][r] = c[0][r] = 0;
		for (int k = 0; k < 10; k++) {
			double x = list_lookup(fs, "/small", small);

			if (x < 0)
				return 2;
			t[0][r] += x / 10;
			c[0][r] += cpu_last / 10;
		}
		t[1][r] = list_lookup(fs, "/big", big);
		c[1][r] = cpu_last;
		if (t[1][r] < 0)
			return 2;
	}
	devmgr_ctx_free(ctx);
	double ts = bench_median(t[0], dreps), tb = bench_median(t[1], dreps);
	printf("fs-fat list+lookup %ld vs %ld entries: %.2f ms vs %.2f ms, "
	       "growth %.2fx ",
	       big, small, tb * 1e3, ts * 1e3, tb / ts);
	missed += bench_verdict(tb / ts, 12.0, 0);
	ts = bench_median(c[0], dreps);
	tb = bench_median(c[1], dreps);
	printf("fs-fat list+lookup %ld vs %ld entries, CPU time: %.2f ms vs "
	       "%.2f ms, growth %.2fx INFO\n",
	       big, small, tb * 1e3, ts * 1e3, tb / ts);
	fflush(stdout);
	return missed ? 1 : 0;
}
