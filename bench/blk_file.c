/* blk_file.c: reads from a file in the page cache through the blk-file
 * provider against a plain pread() loop on the same file, in the same run:
 *   - 1 MiB sequential reads over the whole file (target ratio >= 0.95);
 *   - 4 KiB reads at random 4 KiB-aligned offsets, the same seeded list for
 *     both paths (target ratio >= 0.90).
 * The file (256 MiB in /var/tmp) is written, fdatasync'ed, read once so it
 * sits in the page cache, and removed at the end.  Each repetition runs
 * both paths, alternating which goes first; medians are compared.
 *
 * Usage: blk_file [--quick]   (plugins from DEVMGR_PLUGIN_PATH;
 * BENCH_TMPDIR overrides /var/tmp) */
#define _GNU_SOURCE
#include <devmgr/devmgr.h>
#include <devmgr/sig/blk.h>

#include <fcntl.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

#define SEQ_CHUNK ((size_t)1 << 20)
#define RND_CHUNK ((size_t)4096)

static char path[4096];

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

static int make_file(size_t size)
{
	const char *dir = getenv("BENCH_TMPDIR");
	snprintf(path, sizeof(path), "%s/devmgr-bench-XXXXXX",
		 dir && *dir ? dir : "/var/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		path[0] = 0;
		return -1;
	}
	atexit(cleanup);
	unsigned char *buf = malloc(SEQ_CHUNK);
	for (size_t off = 0; off < size; off += SEQ_CHUNK) {
		for (size_t i = 0; i < SEQ_CHUNK; i++)
			buf[i] = (unsigned char)((off + i) * 131 + 7);
		if (pwrite(fd, buf, SEQ_CHUNK, (off_t)off) !=
		    (ssize_t)SEQ_CHUNK) {
			perror("pwrite");
			return -1;
		}
	}
	if (fdatasync(fd) < 0) {
		perror("fdatasync");
		return -1;
	}
	for (size_t off = 0; off < size; off += SEQ_CHUNK)
		if (pread(fd, buf, SEQ_CHUNK, (off_t)off) !=
		    (ssize_t)SEQ_CHUNK) {
			perror("pread");
			return -1;
		}
	free(buf);
	return fd;
}

int main(int argc, char **argv)
{
	int quick = bench_quick(argc, argv);
	size_t size = quick ? (size_t)32 << 20 : (size_t)256 << 20;
	int reps = quick ? 3 : 15;
	int seq_passes = quick ? 1 : 2;
	size_t nrand = quick ? 20000 : 200000;
	struct devmgr_error err;

	int fd = make_file(size);
	if (fd < 0)
		return 2;
	char json[4500];
	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {\"disk\": "
		 "{\"provider\": \"blk-file\", \"path\": \"%s\", "
		 "\"read_only\": true}}}",
		 path);
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	if (!ctx)
		return 2;
	if (devmgr_ctx_load_config_string(ctx, json, "<bench>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		char buf[1600];
		fprintf(stderr, "blk_file: %s\n",
			devmgr_error_format(&err, buf, sizeof(buf)));
		return 2;
	}
	struct devmgr_blk *blk =
		devmgr_device_handle(devmgr_ctx_find_device(ctx, "disk"));
	struct devmgr_blk_info info;
	if (!blk || devmgr_blk_info(blk, &info) < 0 ||
	    info.sectors * info.sector_size != size) {
		fprintf(stderr, "blk_file: no usable disk device\n");
		return 2;
	}
	uint32_t ss = info.sector_size;

	unsigned char *buf = aligned_alloc(4096, SEQ_CHUNK);
	unsigned char *chk = aligned_alloc(4096, SEQ_CHUNK);
	uint64_t *offs = malloc(nrand * sizeof(*offs));
	if (!buf || !chk || !offs)
		return 2;
	for (size_t i = 0; i < nrand; i++)
		offs[i] = (rng() % (size / RND_CHUNK)) * RND_CHUNK;

	/* Both paths must return the same bytes. */
	devmgr_blk_read(blk, (size / 2) / ss, buf, SEQ_CHUNK);
	if (pread(fd, chk, SEQ_CHUNK, (off_t)(size / 2)) !=
		    (ssize_t)SEQ_CHUNK ||
	    memcmp(buf, chk, SEQ_CHUNK) != 0) {
		fprintf(stderr, "blk_file: readback mismatch\n");
		return 2;
	}

	/* t[4]: raw preadv() on the same offsets, for information only (the
	 * provider reads with preadv; the target is against pread). */
	double *t[5];
	for (int k = 0; k < 5; k++)
		t[k] = calloc(reps, sizeof(double));
	for (int r = 0; r < reps; r++) {
		for (int order = 0; order < 2; order++) {
			int dev_now = (order == 0) == (r % 2 == 0);
			double t0 = bench_now();
			for (int p = 0; p < seq_passes; p++)
				for (size_t off = 0; off < size;
				     off += SEQ_CHUNK) {
					int bad =
						dev_now ? devmgr_blk_read(
								  blk, off / ss,
								  buf,
								  SEQ_CHUNK) !=
								  0
							: pread(fd, buf,
								SEQ_CHUNK,
								(off_t)off) !=
								  (ssize_t)
									  SEQ_CHUNK;
					if (bad) {
						fprintf(stderr,
							"read failed\n");
						return 2;
					}
					bench_clobber(buf);
				}
			t[dev_now ? 0 : 1][r] = bench_now() - t0;

			t0 = bench_now();
			for (size_t i = 0; i < nrand; i++) {
				int bad = dev_now ? devmgr_blk_read(
							    blk, offs[i] / ss,
							    buf, RND_CHUNK) != 0
						  : pread(fd, buf, RND_CHUNK,
							  (off_t)offs[i]) !=
							    (ssize_t)RND_CHUNK;
				if (bad) {
					fprintf(stderr, "read failed\n");
					return 2;
				}
				bench_clobber(buf);
			}
			t[dev_now ? 2 : 3][r] = bench_now() - t0;
		}
		double t0 = bench_now();
		for (size_t i = 0; i < nrand; i++) {
			struct iovec iov = { buf, RND_CHUNK };
			if (preadv(fd, &iov, 1, (off_t)offs[i]) !=
			    (ssize_t)RND_CHUNK) {
				fprintf(stderr, "read failed\n");
				return 2;
			}
			bench_clobber(buf);
		}
		t[4][r] = bench_now() - t0;
	}
	int missed = 0;
	double seqb = (double)size * seq_passes;
	double sdev = seqb / bench_median(t[0], reps) / 1e9;
	double sraw = seqb / bench_median(t[1], reps) / 1e9;
	printf("blk-file 1M seq read: devmgr %.2f GB/s, pread %.2f GB/s, "
	       "ratio %.3f ",
	       sdev, sraw, sdev / sraw);
	missed += bench_verdict(sdev / sraw, 0.95, 1);
	double rdev = (double)nrand / bench_median(t[2], reps) / 1e3;
	double rraw = (double)nrand / bench_median(t[3], reps) / 1e3;
	double rv = (double)nrand / bench_median(t[4], reps) / 1e3;
	printf("blk-file 4K rand read: devmgr %.0f kIOPS, pread %.0f kIOPS "
	       "[preadv %.0f kIOPS], ratio %.3f ",
	       rdev, rraw, rv, rdev / rraw);
	missed += bench_verdict(rdev / rraw, 0.90, 1);
	fflush(stdout);

	devmgr_ctx_free(ctx);
	close(fd);
	for (int k = 0; k < 5; k++)
		free(t[k]);
	free(buf);
	free(chk);
	free(offs);
	return missed ? 1 : 0;
}
