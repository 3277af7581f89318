/* blk_ram.c: 4 KiB sequential reads from a blk-ram device through the
 * devmgr handle (devmgr_blk_read) against memcpy from a buffer of the same
 * size, in the same run.  Both sources are touched beforehand; each
 * repetition runs both paths (alternating which goes first) and the
 * medians of the repetitions are compared.
 *
 * Usage: blk_ram [--quick]   (plugins from DEVMGR_PLUGIN_PATH) */
#include <devmgr/devmgr.h>
#include <devmgr/sig/blk.h>

#include <stdint.h>
#include <sys/mman.h>

#include "bench.h"

#define CHUNK 4096

int main(int argc, char **argv)
{
	int quick = bench_quick(argc, argv);
	size_t size = quick ? (size_t)8 << 20 : (size_t)64 << 20;
	int passes = quick ? 2 : 8;
	int reps = quick ? 3 : 21;
	char json[256];
	struct devmgr_error err;

	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {\"disk\": "
		 "{\"provider\": \"blk-ram\", \"size\": \"%zu\"}}}",
		 size);
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	if (!ctx) {
		fprintf(stderr, "blk_ram: devmgr_ctx_new failed\n");
		return 2;
	}
	if (devmgr_ctx_load_config_string(ctx, json, "<bench>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		char buf[1600];
		fprintf(stderr, "blk_ram: %s\n",
			devmgr_error_format(&err, buf, sizeof(buf)));
		return 2;
	}
	struct devmgr_blk *blk =
		devmgr_device_handle(devmgr_ctx_find_device(ctx, "disk"));
	struct devmgr_blk_info info;
	if (!blk || devmgr_blk_info(blk, &info) < 0 ||
	    info.sectors * info.sector_size != size) {
		fprintf(stderr, "blk_ram: no usable disk device\n");
		return 2;
	}
	uint32_t spc = CHUNK / info.sector_size; /* sectors per chunk */

	/* The raw source is mapped the way blk-ram maps its memory (anonymous,
	 * page-aligned).  Both are first touched here, chunk by chunk in
	 * alternation, with the same pattern: on this VM the physical pages a
	 * buffer gets depend on when it is first touched (touching one whole
	 * buffer before the other made the later one ~1.5x faster to read,
	 * whichever it was), so interleaving gives both the same kind of
	 * pages. */
	unsigned char *src =
		mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned char *dst = aligned_alloc(4096, CHUNK);
	if (src == MAP_FAILED || !dst)
		return 2;
	for (size_t off = 0; off < size; off += CHUNK) {
		for (size_t i = off; i < off + CHUNK; i++)
			src[i] = (unsigned char)(i * 131 + 7);
		if (devmgr_blk_write(blk, off / info.sector_size, src + off,
				     CHUNK) < 0) {
			fprintf(stderr, "blk_ram: write failed\n");
			return 2;
		}
	}
	/* Check once that the device returns what was written. */
	for (size_t off = 0; off < size; off += (size_t)1 << 20) {
		devmgr_blk_read(blk, off / info.sector_size, dst, CHUNK);
		if (memcmp(dst, src + off, CHUNK) != 0) {
			fprintf(stderr, "blk_ram: readback mismatch\n");
			return 2;
		}
	}

	/* The length is read at run time so that the raw path calls the C
	 * library's memcpy, as the provider does; with a constant 4096 GCC
	 * inlines "rep movsq", which measures the compiler's choice rather
	 * than the cost of going through devmgr. */
	volatile size_t chunk_v = CHUNK;
	size_t chunk = chunk_v;

	double *tdev = calloc(reps, sizeof(double));
	double *tmem = calloc(reps, sizeof(double));
	for (int r = 0; r < reps; r++) {
		for (int order = 0; order < 2; order++) {
			int dev_now = (order == 0) == (r % 2 == 0);
			double t0 = bench_now();
			for (int p = 0; p < passes; p++) {
				if (dev_now) {
					for (uint64_t s = 0; s < info.sectors;
					     s += spc) {
						if (devmgr_blk_read(blk, s, dst,
								    CHUNK)) {
							fprintf(stderr,
								"read "
								"failed\n");
							return 2;
						}
						bench_clobber(dst);
					}
				} else {
					for (size_t off = 0; off < size;
					     off += chunk) {
						memcpy(dst, src + off, chunk);
						bench_clobber(dst);
					}
				}
			}
			double t = bench_now() - t0;
			if (dev_now)
				tdev[r] = t;
			else
				tmem[r] = t;
		}
	}
	double bytes = (double)size * passes;
	double gdev = bytes / bench_median(tdev, reps) / 1e9;
	double gmem = bytes / bench_median(tmem, reps) / 1e9;
	double ratio = gdev / gmem;
	printf("blk-ram 4K read: devmgr %.2f GB/s, memcpy %.2f GB/s, "
	       "ratio %.3f ",
	       gdev, gmem, ratio);
	int missed = bench_verdict(ratio, 0.90, 1);
	fflush(stdout);

	devmgr_ctx_free(ctx);
	munmap(src, size);
	free(dst);
	free(tdev);
	free(tmem);
	return missed;
}
