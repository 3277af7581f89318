/* xen_guest_blk.c: in a real Xen guest (tests/xen-guest, bench scenario),
 * reads through devmgr's own block frontend (blk-xen) against the
 * kernel's xen-blkfront, in the same run: two vbds of the guest backed by
 * the same read-only image, one driven by blk-xen from this process, the
 * other a /dev node of the kernel's frontend, read with pread() and
 * O_DIRECT (so that the page cache answers nothing and both paths reach
 * the backend).  Each repetition reads with both, alternating which goes
 * first: the whole disk in 1 MiB reads, then 2,000 4 KiB reads at seeded
 * random offsets.  Medians; the ratio is blk-xen / kernel throughput.
 * Times are the guest's, emulated under QEMU: only the ratios compare.
 *
 * Usage: xen_guest_blk DEVID /dev/KERNEL-NODE REPS
 * Prints one "sample" line per repetition, then two figure lines. */
#define _GNU_SOURCE
#include "bench.h"

#include <devmgr/app.h>
#include <devmgr/sig/blk.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BIG   (1u << 20)
#define SMALL 4096u
#define NRAND 2000

static void die(const char *what)
{
	fprintf(stderr, "xen_guest_blk: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint64_t bytes;	   /* the disk's size, the same on both paths */
static uint64_t *offs;	   /* NRAND random 4 KiB-aligned offsets */
static unsigned char *buf; /* BIG bytes, page aligned (O_DIRECT) */

/* seconds for the whole disk in 1 MiB reads (small: NRAND 4 KiB reads) */
static double run_xen(struct devmgr_blk *b, int small)
{
	double t0 = bench_now();
	if (small) {
		for (int i = 0; i < NRAND; i++)
			if (devmgr_blk_read(b, offs[i] / 512, buf, SMALL) < 0)
				die("blk-xen 4 KiB read");
	} else {
		for (uint64_t o = 0; o < bytes; o += BIG)
			if (devmgr_blk_read(b, o / 512, buf, BIG) < 0)
				die("blk-xen 1 MiB read");
	}
	bench_clobber(buf);
	return bench_now() - t0;
}

static double run_kernel(int fd, int small)
{
	double t0 = bench_now();
	if (small) {
		for (int i = 0; i < NRAND; i++)
			if (pread(fd, buf, SMALL, (off_t)offs[i]) != SMALL)
				die("kernel 4 KiB pread");
	} else {
		for (uint64_t o = 0; o < bytes; o += BIG)
			if (pread(fd, buf, BIG, (off_t)o) != BIG)
				die("kernel 1 MiB pread");
	}
	bench_clobber(buf);
	return bench_now() - t0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: xen_guest_blk DEVID /dev/NODE REPS\n");
		return 2;
	}
	int reps = atoi(argv[3]);
	if (reps < 1 || reps > 100)
		reps = 5;
	char cfg[256];
	snprintf(cfg, sizeof(cfg),
		 "{\"devmgr\":1,\"devices\":{\"x\":{\"provider\":\"blk-xen\","
		 "\"devid\":%d}}}",
		 atoi(argv[1]));
	struct devmgr_error e;
	char line[1200];
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	if (!ctx ||
	    devmgr_ctx_load_config_string(ctx, cfg, "<bench>", &e) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &e) < 0) {
		fprintf(stderr, "xen_guest_blk: %s\n",
			ctx ? devmgr_error_format(&e, line, sizeof(line))
			    : "out of memory");
		return 2;
	}
	struct devmgr_blk *b =
		devmgr_device_handle(devmgr_ctx_find_device(ctx, "x"));
	struct devmgr_blk_info info;
	if (!b || devmgr_blk_info(b, &info) < 0)
		die("blk-xen info");
	int fd = open(argv[2], O_RDONLY | O_DIRECT);
	uint64_t kbytes = 0;
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &kbytes) < 0)
		die(argv[2]);
	bytes = info.sectors * info.sector_size;
	if (bytes != kbytes || bytes < BIG) {
		fprintf(stderr,
			"xen_guest_blk: blk-xen has %llu bytes, %s %llu: not "
			"the same disk\n",
			(unsigned long long)bytes, argv[2],
			(unsigned long long)kbytes);
		return 2;
	}
	bytes -= bytes % BIG;
	if (posix_memalign((void **)&buf, 4096, BIG) != 0 ||
	    !(offs = calloc(NRAND, sizeof(*offs))))
		die("memory");
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < NRAND; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		offs[i] = x % (bytes / SMALL) * SMALL;
	}
	double *xs = calloc((size_t)reps, sizeof(double)),
	       *ks = calloc((size_t)reps, sizeof(double)),
	       *xr = calloc((size_t)reps, sizeof(double)),
	       *kr = calloc((size_t)reps, sizeof(double));
	if (!xs || !ks || !xr || !kr)
		die("memory");
	/* one pass of each first: the backend's own cache (dom0's page
	 * cache under the loop device) warmed for both alike */
	run_xen(b, 0);
	run_kernel(fd, 0);
	for (int i = 0; i < reps; i++) {
		if (i % 2 == 0) {
			xs[i] = run_xen(b, 0), ks[i] = run_kernel(fd, 0);
			xr[i] = run_xen(b, 1), kr[i] = run_kernel(fd, 1);
		} else {
			ks[i] = run_kernel(fd, 0), xs[i] = run_xen(b, 0);
			kr[i] = run_kernel(fd, 1), xr[i] = run_xen(b, 1);
		}
		printf("sample %d: 1M blk-xen %.1f MB/s kernel %.1f MB/s; "
		       "4K blk-xen %.0f IOPS kernel %.0f IOPS\n",
		       i, bytes / xs[i] / 1e6, bytes / ks[i] / 1e6,
		       NRAND / xr[i], NRAND / kr[i]);
		fflush(stdout);
	}
	double mxs = bench_median(xs, (size_t)reps),
	       mks = bench_median(ks, (size_t)reps),
	       mxr = bench_median(xr, (size_t)reps),
	       mkr = bench_median(kr, (size_t)reps);
	/* throughput ratios: time kernel / time blk-xen */
	printf("blk-xen vs blkfront 1M seq read, medians of %d: blk-xen %.1f "
	       "MB/s, kernel %.1f MB/s, ratio %.3f\n",
	       reps, bytes / mxs / 1e6, bytes / mks / 1e6, mks / mxs);
	printf("blk-xen vs blkfront 4K random read, medians of %d: blk-xen "
	       "%.0f IOPS, kernel %.0f IOPS, ratio %.3f\n",
	       reps, NRAND / mxr, NRAND / mkr, mkr / mxr);
	close(fd);
	devmgr_ctx_free(ctx);
	return 0;
}
