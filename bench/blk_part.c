/* blk_part.c: reads through blk-part on blk-file against blk-file alone,
 * on the same bytes (the partition's), in the same run:
 *   - 1 MiB sequential reads over the whole partition (target >= 0.98);
 *   - 4 KiB reads at random 4 KiB-aligned offsets, the same seeded list
 *     for both paths (target >= 0.98).
 * The file (a 1 MiB gap, then the partition: 256 MiB, 32 with --quick,
 * in /var/tmp) gets an MBR whose entry 1 is the partition; blk-part
 * chooses it by number.  It is written, fdatasync'ed and read once, so
 * that both paths read from the page cache.  Each repetition runs both
 * paths over the same bytes in alternating segments; medians of the
 * repetitions are compared.
 *
 * Usage: blk_part [--quick]   (plugins from DEVMGR_PLUGIN_PATH;
 * BENCH_TMPDIR overrides /var/tmp) */
#define _GNU_SOURCE
#include <devmgr/devmgr.h>
#include <devmgr/sig/blk.h>

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "bench.h"

#define SEQ_CHUNK ((size_t)1 << 20)
#define RND_CHUNK ((size_t)4096)
#define GAP	  ((size_t)1 << 20) /* before the partition: sector 2048 */
#define SEGS	  16 /* segments of a repetition, alternating the paths */

static char path[4096];

/* CPU seconds of this thread (user and system): what a read costs,
 * whatever else the shared machine runs meanwhile. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) /* xorshift64*, fixed seed */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> 8 * i);
}

static int make_disk(size_t part)
{
	const char *dir = getenv("BENCH_TMPDIR");
	unsigned char *buf = calloc(1, SEQ_CHUNK);
	int fd;

	snprintf(path, sizeof(path), "%s/devmgr-bench-XXXXXX",
		 dir && *dir ? dir : "/var/tmp");
	fd = mkstemp(path);
	if (fd < 0 || buf == NULL) {
		perror(path);
		path[0] = 0;
		return -1;
	}
	atexit(cleanup);
	buf[446 + 4] = 0x83;
	put32(buf + 446 + 8, GAP / 512);
	put32(buf + 446 + 12, (uint32_t)(part / 512));
	buf[510] = 0x55;
	buf[511] = 0xAA;
	if (pwrite(fd, buf, SEQ_CHUNK, 0) != (ssize_t)SEQ_CHUNK)
		return -1;
	for (size_t off = 0; off < part; off += SEQ_CHUNK) {
		for (size_t i = 0; i < SEQ_CHUNK; i++)
			buf[i] = (unsigned char)((off + i) * 131 + 7);
		if (pwrite(fd, buf, SEQ_CHUNK, (off_t)(GAP + off)) !=
		    (ssize_t)SEQ_CHUNK)
			return -1;
	}
	if (fdatasync(fd) < 0)
		return -1;
	for (size_t off = 0; off < GAP + part; off += SEQ_CHUNK)
		if (pread(fd, buf, SEQ_CHUNK, (off_t)off) != (ssize_t)SEQ_CHUNK)
			return -1;
	free(buf);
	return fd;
}

int main(int argc, char **argv)
{
	int quick = bench_quick(argc, argv);
	size_t size = quick ? (size_t)32 << 20 : (size_t)256 << 20;
	int reps = quick ? 3 : 15;
	size_t nrand = quick ? 20000 : 200000;
	struct devmgr_error err;
	char json[4600];
	int fd = make_disk(size);

	if (fd < 0) {
		perror("blk_part: making the disk");
		return 2;
	}
	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {"
		 "\"disk\": {\"provider\": \"blk-file\", \"path\": \"%s\", "
		 "\"read_only\": true},"
		 "\"part\": {\"provider\": \"blk-part\", \"on\": \"disk\", "
		 "\"partition\": 1}}}",
		 path);
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	if (!ctx)
		return 2;
	devmgr_ctx_set_log(ctx, NULL, NULL, DEVMGR_LOG_ERROR);
	if (devmgr_ctx_load_config_string(ctx, json, "<bench>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		char buf[1600];
		fprintf(stderr, "blk_part: %s\n",
			devmgr_error_format(&err, buf, sizeof(buf)));
		return 2;
	}
	struct devmgr_blk *disk =
		devmgr_device_handle(devmgr_ctx_find_device(ctx, "disk"));
	struct devmgr_blk *part =
		devmgr_device_handle(devmgr_ctx_find_device(ctx, "part"));
	struct devmgr_blk_info info;
	if (!disk || !part || devmgr_blk_info(part, &info) < 0 ||
	    info.sectors * info.sector_size != size) {
		fprintf(stderr, "blk_part: no usable partition device\n");
		return 2;
	}
	uint32_t ss = info.sector_size;
	uint64_t base = GAP / ss;
	unsigned char *buf = aligned_alloc(4096, SEQ_CHUNK);
	unsigned char *chk = aligned_alloc(4096, SEQ_CHUNK);
	uint64_t *offs = malloc(nrand * sizeof(*offs));
	if (!buf || !chk || !offs)
		return 2;
	for (size_t i = 0; i < nrand; i++)
		offs[i] = (rng() % (size / RND_CHUNK)) * RND_CHUNK;
	/* Both paths return the same bytes. */
	if (devmgr_blk_read(part, (size / 2) / ss, buf, SEQ_CHUNK) != 0 ||
	    devmgr_blk_read(disk, base + (size / 2) / ss, chk, SEQ_CHUNK) !=
		    0 ||
	    memcmp(buf, chk, SEQ_CHUNK) != 0) {
		fprintf(stderr, "blk_part: readback mismatch\n");
		return 2;
	}

	/* Within a repetition the two paths alternate every segment (1/16
	 * of the partition, 1/16 of the random list), so that a load that
	 * comes and goes on a shared machine falls on both alike. */
	double *t[4], *c[4];
	for (int k = 0; k < 4; k++) {
		t[k] = calloc(reps, sizeof(double));
		c[k] = calloc(reps, sizeof(double));
	}
	for (int r = 0; r < reps; r++) {
		for (int seg = 0; seg < 2 * SEGS; seg++) {
			/* which path reads a segment first alternates too */
			int via = (seg % 2 == 0) == ((seg / 2 + r) % 2 == 0);
			struct devmgr_blk *b = via ? part : disk;
			uint64_t at = via ? 0 : base;
			size_t k = (size_t)seg / 2, slen = size / SEGS;
			size_t rlen = nrand / SEGS;
			double t0 = bench_now(), c0 = cpu_now();

			for (size_t off = k * slen; off < (k + 1) * slen;
			     off += SEQ_CHUNK) {
				if (devmgr_blk_read(b, at + off / ss, buf,
						    SEQ_CHUNK) != 0) {
					fprintf(stderr, "read failed\n");
					return 2;
				}
				bench_clobber(buf);
			}
			t[via ? 0 : 1][r] += bench_now() - t0;
			c[via ? 0 : 1][r] += cpu_now() - c0;
			t0 = bench_now();
			c0 = cpu_now();
			for (size_t i = k * rlen; i < (k + 1) * rlen; i++) {
				if (devmgr_blk_read(b, at + offs[i] / ss, buf,
						    RND_CHUNK) != 0) {
					fprintf(stderr, "read failed\n");
					return 2;
				}
				bench_clobber(buf);
			}
			t[via ? 2 : 3][r] += bench_now() - t0;
			c[via ? 2 : 3][r] += cpu_now() - c0;
		}
	}
	nrand = nrand / SEGS * SEGS;
	/* The verdict is on CPU time; the wall figures are beside it. */
	int missed = 0;
	double sw = bench_median(t[1], reps) / bench_median(t[0], reps);
	double sc = bench_median(c[1], reps) / bench_median(c[0], reps);
	printf("blk-part 1M seq read: blk-part %.2f GB/s, blk-file %.2f GB/s "
	       "(CPU %.2f and %.2f GB/s), wall ratio %.3f, CPU ratio %.3f ",
	       (double)size / bench_median(t[0], reps) / 1e9,
	       (double)size / bench_median(t[1], reps) / 1e9,
	       (double)size / bench_median(c[0], reps) / 1e9,
	       (double)size / bench_median(c[1], reps) / 1e9, sw, sc);
	missed += bench_verdict(sc, 0.98, 1);
	double rw = bench_median(t[3], reps) / bench_median(t[2], reps);
	double rc = bench_median(c[3], reps) / bench_median(c[2], reps);
	printf("blk-part 4K rand read: blk-part %.0f kIOPS, blk-file %.0f "
	       "kIOPS "
	       "(CPU %.0f and %.0f), wall ratio %.3f, CPU ratio %.3f ",
	       (double)nrand / bench_median(t[2], reps) / 1e3,
	       (double)nrand / bench_median(t[3], reps) / 1e3,
	       (double)nrand / bench_median(c[2], reps) / 1e3,
	       (double)nrand / bench_median(c[3], reps) / 1e3, rw, rc);
	missed += bench_verdict(rc, 0.98, 1);
	fflush(stdout);
	devmgr_ctx_free(ctx);
	close(fd);
	for (int k = 0; k < 4; k++) {
		free(t[k]);
		free(c[k]);
	}
	free(buf);
	free(chk);
	free(offs);
	return missed ? 1 : 0;
}
