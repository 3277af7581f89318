/* Unit tests of plugins/blk-file, linked into this program: devmgr_ctx_new()
 * finds the provider through the devmgr_plugins linker section.  The blk
 * signature's contract (bounds, alignment, iovecs, the read-only refusals)
 * is checked by the conformance kit instead (tests/conform/providers.sh,
 * docs/conform.md); what is here is blk-file's own: what lands in the
 * file, short files, O_DIRECT, its parameters. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_DIRECT, IOV_MAX */
#endif
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct devmgr_ctx *ctx;
static char tmpdir[64], vartmpdir[64];
static char img[128]; /* tmpdir/disk.img, 64 KiB of testlib_fill(.., 0) */

/* What the file holds, read around the provider. */
static void read_file(const char *path, off_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* Folders for test files, made and removed by an unchecked fixture.
 * vartmpdir is for O_DIRECT, which /tmp may not support. */
static void make_dirs(void)
{
	testlib_make_dir(tmpdir, sizeof(tmpdir), "/tmp", "test_blk_file");
	testlib_make_dir(vartmpdir, sizeof(vartmpdir), "/var/tmp",
			 "test_blk_file");
	snprintf(img, sizeof(img), "%s/disk.img", tmpdir);
}

static void remove_dirs(void)
{
	testlib_remove_dir(tmpdir);
	testlib_remove_dir(vartmpdir);
}

static void setup(void)
{
	static uint8_t data[65536];

	testlib_fill(data, sizeof(data), 0);
	testlib_write_file(img, data, sizeof(data));
	ctx = testlib_ctx_new();
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
}

static void reset(void)
{
	testlib_ctx_reset(&ctx);
}

/* Create device disk0 from blk-file on path with more JSON members. */
static int try_file(const char *path, const char *params,
		    struct devmgr_error *err)
{
	char members[1024];

	snprintf(members, sizeof(members), "\"path\": \"%s\"%s%s", path,
		 *params ? ", " : "", params);
	return testlib_create_device(ctx, "disk0", "blk-file", members,
				     "<test>", err);
}

static struct devmgr_blk *file(const char *path, const char *params)
{
	struct devmgr_error err;
	int rc = try_file(path, params, &err);

	ck_assert_msg(rc == 0, "blk-file %s {%s}: %s", path, params, err.text);
	return devmgr_device_handle(devmgr_ctx_find_device(ctx, "disk0"));
}

static void file_fails(const char *path, const char *params, const char *expect)
{
	struct devmgr_error err;
	int rc = try_file(path, params, &err);

	ck_assert_msg(rc < 0, "blk-file %s {%s} was accepted", path, params);
	ck_assert_msg(strstr(err.text, expect) != NULL,
		      "blk-file %s {%s}: error \"%s\" does not say \"%s\"",
		      path, params, err.text, expect);
}

START_TEST(test_linked_provider)
{
	testlib_assert_linked(ctx, "blk-file");
}
END_TEST

START_TEST(test_info)
{
	struct devmgr_blk *b = file(img, "");
	struct devmgr_blk_info info;

	ck_assert_int_eq(devmgr_blk_info(b, &info), 0);
	ck_assert_uint_eq(info.sector_size, 512);
	ck_assert_uint_eq(info.sectors, 128);
	ck_assert_uint_ge(info.transfer_size, 512);
	ck_assert(!info.read_only);
}
END_TEST

START_TEST(test_reads_file)
{
	struct devmgr_blk *b = file(img, "");
	static uint8_t want[65536], got[65536];

	testlib_fill(want, sizeof(want), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 0, got, sizeof(got)), 0);
	ck_assert_mem_eq(got, want, sizeof(want));
	ck_assert_int_eq(devmgr_blk_read(b, 77, got, 512), 0);
	ck_assert_mem_eq(got, want + 77 * 512, 512);
}
END_TEST

START_TEST(test_write_lands_in_file)
{
	struct devmgr_blk *b = file(img, "");
	static uint8_t out[65536], in[65536];

	testlib_fill(out, sizeof(out), 0);
	testlib_fill(out + 10 * 512, 3 * 512, 42);
	ck_assert_int_eq(devmgr_blk_write(b, 10, out + 10 * 512, 3 * 512), 0);
	ck_assert_int_eq(devmgr_blk_flush(b), 0);
	read_file(img, 0, in, sizeof(in));
	ck_assert_mem_eq(in, out, sizeof(out));
	ck_assert_int_eq(devmgr_blk_read(b, 0, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
}
END_TEST

START_TEST(test_vectored_odd_sizes)
{
	struct devmgr_blk *b = file(img, "");
	static uint8_t out[1536], in[1536], plain[1536];
	struct iovec wv[] = {
		{ out, 1 },	    { out + 1, 300 },	{ out + 301, 0 },
		{ out + 301, 211 }, { out + 512, 700 }, { out + 1212, 324 },
	};
	struct iovec rv[] = { { in, 1000 }, { in + 1000, 536 } };

	testlib_fill(out, sizeof(out), 3);
	ck_assert_int_eq(devmgr_blk_writev(b, 120, wv, 6), 0);
	ck_assert_int_eq(devmgr_blk_readv(b, 120, rv, 2), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	read_file(img, 120 * 512, plain, sizeof(plain));
	ck_assert_mem_eq(plain, out, sizeof(out));
}
END_TEST

START_TEST(test_bounds)
{
	struct devmgr_blk *b = file(img, "");
	static uint8_t buf[1024];
	struct iovec wrap[] = {
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, 512 },
	};

	/* The rest of the bounds are the conformance kit's (blk.past_end,
	 * tests/conform); it takes -EINVAL for lengths that wrap, blk-file
	 * answers -ERANGE. */
	ck_assert_int_eq(devmgr_blk_readv(b, 0, wrap, 3), -ERANGE);
	ck_assert_int_eq(devmgr_blk_writev(b, 0, wrap, 3), -ERANGE);
}
END_TEST

START_TEST(test_discard)
{
	struct devmgr_blk *b = file(img, "");
	static uint8_t want[65536], got[65536];
	int rc = devmgr_blk_discard(b, 8, 16);

	if (rc == -EOPNOTSUPP) {
		printf("test_discard: %s cannot punch holes; skipped\n",
		       tmpdir);
		return;
	}
	ck_assert_int_eq(rc, 0);
	testlib_fill(want, sizeof(want), 0);
	memset(want + 8 * 512, 0, 16 * 512);
	ck_assert_int_eq(devmgr_blk_read(b, 0, got, sizeof(got)), 0);
	ck_assert_mem_eq(got, want, sizeof(want));
	read_file(img, 0, got, sizeof(got));
	ck_assert_mem_eq(got, want, sizeof(want));
	ck_assert_int_eq(devmgr_blk_discard(b, 0, 0), -EINVAL);
}
END_TEST

/* The file shrank after the device was created: reading what used to be
 * there must fail, not return a short or stale buffer. */
START_TEST(test_short_read_is_eio)
{
	struct devmgr_blk *b = file(img, "");
	static uint8_t buf[1024];
	struct iovec v[] = { { buf, 700 }, { buf + 700, 324 } };

	ck_assert_int_eq(truncate(img, 32768), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 63, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 63, buf, 1024), -EIO);
	ck_assert_int_eq(devmgr_blk_readv(b, 63, v, 2), -EIO);
	ck_assert_int_eq(devmgr_blk_readv(b, 62, v, 2), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 100, buf, 512), -EIO);
}
END_TEST

START_TEST(test_size_not_multiple)
{
	static uint8_t data[6144];
	char path[128], expect[256];

	snprintf(path, sizeof(path), "%s/odd.img", tmpdir);
	testlib_write_file(path, data, 1000);
	snprintf(expect, sizeof(expect),
		 "%s: size 1000 is not a multiple of sector_size 512", path);
	file_fails(path, "", expect);

	reset();
	testlib_write_file(path, data, sizeof(data));
	snprintf(expect, sizeof(expect),
		 "%s: size 6144 is not a multiple of sector_size 4096", path);
	file_fails(path, "\"sector_size\": 4096", expect);
}
END_TEST

START_TEST(test_sector_size_4096)
{
	struct devmgr_blk *b = file(img, "\"sector_size\": 4096");
	struct devmgr_blk_info info;
	static uint8_t buf[4096];

	ck_assert_int_eq(devmgr_blk_info(b, &info), 0);
	ck_assert_uint_eq(info.sector_size, 4096);
	ck_assert_uint_eq(info.sectors, 16);
	ck_assert_uint_ge(info.transfer_size, 4096);
	ck_assert_int_eq(devmgr_blk_read(b, 0, buf, 512), -EINVAL);
	ck_assert_int_eq(devmgr_blk_read(b, 15, buf, 4096), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 16, buf, 4096), -ERANGE);
}
END_TEST

START_TEST(test_bad_sector_size)
{
	file_fails(img, "\"sector_size\": 1000",
		   "sector_size 1000 is not a power of two");
	reset();
	file_fails(img, "\"sector_size\": 128", "");
}
END_TEST

START_TEST(test_bad_paths)
{
	char path[128], expect[256];

	snprintf(path, sizeof(path), "%s/missing.img", tmpdir);
	snprintf(expect, sizeof(expect), "open %s: No such file or directory",
		 path);
	file_fails(path, "", expect);

	reset();
	snprintf(path, sizeof(path), "%s/empty.img", tmpdir);
	testlib_write_file(path, "", 0);
	snprintf(expect, sizeof(expect), "%s is empty", path);
	file_fails(path, "", expect);

	reset();
	snprintf(expect, sizeof(expect), "open %s: Is a directory", tmpdir);
	file_fails(tmpdir, "", expect);

	reset();
	snprintf(expect, sizeof(expect),
		 "%s is not a regular file or a block device", tmpdir);
	file_fails(tmpdir, "\"read_only\": true", expect);
}
END_TEST

/* procfs never takes O_DIRECT, whatever the kernel version (tmpfs does
 * since Linux 6.6), so it stands in for a file system without it. */
START_TEST(test_direct_unsupported)
{
	file_fails("/proc/version", "\"read_only\": true, \"direct\": true",
		   "open /proc/version: the file system does not support "
		   "O_DIRECT");
}
END_TEST

/* A file under /var/tmp, which is usually on a disk file system that
 * supports O_DIRECT; NULL (and a message) when it does not. */
static const char *direct_file(char *path, size_t size, size_t len)
{
	static uint8_t data[1 << 20];
	int fd;

	snprintf(path, size, "%s/direct.img", vartmpdir);
	testlib_fill(data, len, 0);
	testlib_write_file(path, data, len);
	fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0 && errno == EINVAL) {
		printf("test_direct: /var/tmp does not support O_DIRECT; "
		       "skipped\n");
		return NULL;
	}
	ck_assert_int_ge(fd, 0);
	close(fd);
	return path;
}

/* Aligned buffers go straight to the file; unaligned ones (the +1
 * pointers) are bounced, including transfers larger than one bounce. */
START_TEST(test_direct)
{
	static uint8_t out[(1 << 20) + 1], in[(1 << 20) + 1];
	static uint8_t aligned[8192] __attribute__((aligned(4096)));
	char path[128];
	struct devmgr_blk *b;
	struct iovec odd[] = {
		{ out + 1, 100 },
		{ NULL, 0 },
		{ out + 101, 412 },
		{ out + 513, 512 },
	};
	struct iovec rodd[] = {
		{ in + 1, 700 },
		{ NULL, 0 },
		{ in + 701, 324 },
	};

	if (direct_file(path, sizeof(path), 1 << 20) == NULL)
		return;
	b = file(path, "\"direct\": true");
	testlib_fill(aligned, sizeof(aligned), 11);
	ck_assert_int_eq(devmgr_blk_write(b, 2, aligned, sizeof(aligned)), 0);
	read_file(path, 1024, in, sizeof(aligned));
	ck_assert_mem_eq(in, aligned, sizeof(aligned));

	testlib_fill(out + 1, 1 << 20, 12);
	ck_assert_int_eq(devmgr_blk_write(b, 0, out + 1, 1 << 20), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 0, in + 1, 1 << 20), 0);
	ck_assert_mem_eq(in + 1, out + 1, 1 << 20);
	read_file(path, 0, in, 1 << 20);
	ck_assert_mem_eq(in, out + 1, 1 << 20);

	testlib_fill(out + 1, 1024, 13);
	ck_assert_int_eq(devmgr_blk_writev(b, 2047, odd, 1), -EINVAL);
	ck_assert_int_eq(devmgr_blk_writev(b, 2046, odd, 4), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 2046, aligned, 1024), 0);
	ck_assert_mem_eq(aligned, out + 1, 1024);
	ck_assert_int_eq(devmgr_blk_readv(b, 2046, rodd, 3), 0);
	ck_assert_mem_eq(in + 1, out + 1, 1024);
	ck_assert_int_eq(devmgr_blk_read(b, 2047, in + 1, 1024), -ERANGE);
	ck_assert_int_eq(devmgr_blk_flush(b), 0);
}
END_TEST

static Suite *blk_file_suite(void)
{
	Suite *s = suite_create("blk-file");
	TCase *tc = tcase_create("blk-file");

	tcase_add_unchecked_fixture(tc, make_dirs, remove_dirs);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_linked_provider);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_reads_file);
	tcase_add_test(tc, test_write_lands_in_file);
	tcase_add_test(tc, test_vectored_odd_sizes);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_short_read_is_eio);
	tcase_add_test(tc, test_size_not_multiple);
	tcase_add_test(tc, test_sector_size_4096);
	tcase_add_test(tc, test_bad_sector_size);
	tcase_add_test(tc, test_bad_paths);
	tcase_add_test(tc, test_direct_unsupported);
	tcase_add_test(tc, test_direct);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run_linked(blk_file_suite());
}
