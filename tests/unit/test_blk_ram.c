/* Unit tests of plugins/blk-ram, linked into this program: devmgr_ctx_new()
 * finds the provider through the devmgr_plugins linker section.  The blk
 * signature's contract (bounds, alignment, iovecs, data read back, the
 * read-only refusals) is checked by the conformance kit instead
 * (tests/conform/providers.sh, docs/conform.md); what is here is
 * blk-ram's own. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "testlib.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct devmgr_ctx *ctx;
static char tmpdir[64];

/* Folders for test files, made and removed by an unchecked fixture. */
static void make_dirs(void)
{
	testlib_make_dir(tmpdir, sizeof(tmpdir), "/tmp", "test_blk_ram");
}

static void remove_dirs(void)
{
	testlib_remove_dir(tmpdir);
}

static void setup(void)
{
	ctx = testlib_ctx_new();
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
}

/* A fresh context, for a test that creates more than one configuration. */
static void reset(void)
{
	testlib_ctx_reset(&ctx);
}

/* Create device disk0 from blk-ram with the given JSON members. */
static int try_ram(const char *params, struct devmgr_error *err)
{
	return testlib_create_device(ctx, "disk0", "blk-ram", params, "<test>",
				     err);
}

static struct devmgr_blk *ram(const char *params)
{
	struct devmgr_error err;
	int rc = try_ram(params, &err);

	ck_assert_msg(rc == 0, "blk-ram {%s}: %s", params, err.text);
	return devmgr_device_handle(devmgr_ctx_find_device(ctx, "disk0"));
}

static void ram_fails(const char *params, const char *expect)
{
	struct devmgr_error err;
	int rc = try_ram(params, &err);

	ck_assert_msg(rc < 0, "blk-ram {%s} was accepted", params);
	ck_assert_msg(strstr(err.text, expect) != NULL,
		      "blk-ram {%s}: error \"%s\" does not say \"%s\"", params,
		      err.text, expect);
}

START_TEST(test_linked_provider)
{
	testlib_assert_linked(ctx, "blk-ram");
}
END_TEST

START_TEST(test_info)
{
	struct devmgr_blk *b = ram("\"size\": \"64K\"");
	struct devmgr_blk_info info;

	ck_assert_int_eq(devmgr_blk_info(b, &info), 0);
	ck_assert_uint_eq(info.sector_size, 512);
	ck_assert_uint_eq(info.sectors, 128);
	ck_assert_uint_eq(info.transfer_size, 65536);
	ck_assert(!info.read_only);
}
END_TEST

START_TEST(test_small_transfer_size)
{
	struct devmgr_blk *b = ram("\"size\": 2048");
	struct devmgr_blk_info info;

	ck_assert_int_eq(devmgr_blk_info(b, &info), 0);
	ck_assert_uint_eq(info.sectors, 4);
	ck_assert_uint_eq(info.transfer_size, 2048);
}
END_TEST

START_TEST(test_starts_zeroed)
{
	struct devmgr_blk *b = ram("\"size\": \"1M\"");
	static uint8_t buf[65536], zero[65536];

	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(devmgr_blk_read(b, 2048 - 128, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(buf, zero, sizeof(buf));
}
END_TEST

/* Sector numbers whose byte offset wraps, and lengths whose sum wraps, must
 * be refused before any memory is touched (the buffers here are bogus). */
START_TEST(test_bounds_overflow)
{
	struct devmgr_blk *b = ram("\"size\": \"64K\"");
	static uint8_t buf[512];
	struct iovec wrap[] = {
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, 512 },
	};

	ck_assert_int_eq(devmgr_blk_read(b, UINT64_MAX, buf, 512), -ERANGE);
	ck_assert_int_eq(devmgr_blk_write(b, UINT64_MAX, buf, 512), -ERANGE);
	ck_assert_int_eq(devmgr_blk_read(b, UINT64_MAX >> 9, buf, 512),
			 -ERANGE);
	ck_assert_int_eq(devmgr_blk_read(b, (UINT64_MAX >> 9) + 1, buf, 512),
			 -ERANGE);
	ck_assert_int_eq(devmgr_blk_read(b, 1ull << 55, buf, 512), -ERANGE);
	ck_assert_int_eq(devmgr_blk_readv(b, 0, wrap, 3), -ERANGE);
	ck_assert_int_eq(devmgr_blk_writev(b, 0, wrap, 3), -ERANGE);
	ck_assert_int_eq(devmgr_blk_read(b, 0, NULL, SIZE_MAX & ~511ull),
			 -ERANGE);
	ck_assert_int_eq(devmgr_blk_discard(b, UINT64_MAX, 1), -ERANGE);
	ck_assert_int_eq(devmgr_blk_discard(b, 1, UINT64_MAX), -ERANGE);
	ck_assert_int_eq(devmgr_blk_discard(b, 127, 2), -ERANGE);
}
END_TEST

/* Sectors 3..25 (bytes 1536..13312 with 4 KiB pages) cover two whole pages
 * and a partial one at each end. */
START_TEST(test_discard_zeroes)
{
	struct devmgr_blk *b = ram("\"size\": \"64K\"");
	static uint8_t out[65536], in[65536];

	testlib_fill(out, sizeof(out), 9);
	ck_assert_int_eq(devmgr_blk_write(b, 0, out, sizeof(out)), 0);
	ck_assert_int_eq(devmgr_blk_discard(b, 3, 23), 0);
	memset(out + 3 * 512, 0, 23 * 512);
	ck_assert_int_eq(devmgr_blk_read(b, 0, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	/* Inside one page, and the whole device. */
	ck_assert_int_eq(devmgr_blk_discard(b, 100, 1), 0);
	memset(out + 100 * 512, 0, 512);
	ck_assert_int_eq(devmgr_blk_read(b, 0, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	ck_assert_int_eq(devmgr_blk_discard(b, 0, 128), 0);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(devmgr_blk_read(b, 0, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	ck_assert_int_eq(devmgr_blk_discard(b, 0, 0), -EINVAL);
	ck_assert_int_eq(devmgr_blk_discard(b, 128, 1), -ERANGE);
}
END_TEST

START_TEST(test_sector_size_4096)
{
	struct devmgr_blk *b = ram("\"size\": \"64K\", \"sector_size\": 4096");
	struct devmgr_blk_info info;
	static uint8_t out[8192], in[8192];

	ck_assert_int_eq(devmgr_blk_info(b, &info), 0);
	ck_assert_uint_eq(info.sector_size, 4096);
	ck_assert_uint_eq(info.sectors, 16);
	ck_assert_int_eq(devmgr_blk_read(b, 0, in, 512), -EINVAL);
	testlib_fill(out, sizeof(out), 4);
	ck_assert_int_eq(devmgr_blk_write(b, 14, out, sizeof(out)), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 14, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	ck_assert_int_eq(devmgr_blk_read(b, 15, in, sizeof(in)), -ERANGE);
}
END_TEST

START_TEST(test_bad_sector_size)
{
	ram_fails("\"size\": \"64K\", \"sector_size\": 1000",
		  "sector_size 1000 is not a power of two");
	reset();
	ram_fails("\"size\": \"64K\", \"sector_size\": 256", "");
	reset();
	ram_fails("\"size\": \"256K\", \"sector_size\": 131072", "");
}
END_TEST

START_TEST(test_bad_size)
{
	ram_fails(
		"",
		"missing parameter \"size\" or \"image\" for provider blk-ram");
	reset();
	ram_fails("\"size\": 1000", "size 1000 is not a non-zero multiple");
	reset();
	ram_fails("\"size\": 0", "size 0 is not a non-zero multiple");
	reset();
	ram_fails("\"size\": \"8K\", \"sector_size\": 16384",
		  "not a non-zero multiple of sector_size 16384");
}
END_TEST

START_TEST(test_image_copied_in)
{
	static uint8_t img[4096], in[65536], zero[65536];
	char path[256], params[512];
	struct devmgr_blk_info info;
	struct devmgr_blk *b;

	testlib_fill(img, sizeof(img), 5);
	snprintf(path, sizeof(path), "%s/disk.img", tmpdir);
	testlib_write_file(path, img, sizeof(img));
	snprintf(params, sizeof(params), "\"image\": \"%s\"", path);
	b = ram(params);
	ck_assert_int_eq(devmgr_blk_info(b, &info), 0);
	ck_assert_uint_eq(info.sectors, 8);
	ck_assert_int_eq(devmgr_blk_read(b, 0, in, sizeof(img)), 0);
	ck_assert_mem_eq(in, img, sizeof(img));
	/* A copy: writing the device leaves the file alone, and the reverse. */
	ck_assert_int_eq(devmgr_blk_write(b, 0, zero, 512), 0);
	testlib_write_file(path, zero, sizeof(img));
	ck_assert_int_eq(devmgr_blk_read(b, 1, in, 512), 0);
	ck_assert_mem_eq(in, img + 512, 512);
}
END_TEST

START_TEST(test_image_smaller_than_size)
{
	static uint8_t img[4096], in[65536], zero[65536];
	char path[256], params[512];
	struct devmgr_blk_info info;
	struct devmgr_blk *b;

	testlib_fill(img, sizeof(img), 6);
	snprintf(path, sizeof(path), "%s/disk.img", tmpdir);
	testlib_write_file(path, img, sizeof(img));
	snprintf(params, sizeof(params), "\"image\": \"%s\", \"size\": \"64K\"",
		 path);
	b = ram(params);
	ck_assert_int_eq(devmgr_blk_info(b, &info), 0);
	ck_assert_uint_eq(info.sectors, 128);
	ck_assert_int_eq(devmgr_blk_read(b, 0, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, img, sizeof(img));
	ck_assert_mem_eq(in + sizeof(img), zero, sizeof(in) - sizeof(img));
}
END_TEST

START_TEST(test_image_errors)
{
	static uint8_t img[8192];
	char path[256], params[512], expect[512];

	snprintf(path, sizeof(path), "%s/big.img", tmpdir);
	testlib_write_file(path, img, sizeof(img));
	snprintf(params, sizeof(params), "\"image\": \"%s\", \"size\": \"4K\"",
		 path);
	snprintf(expect, sizeof(expect),
		 "image %s (8192 bytes) is larger than size 4096", path);
	ram_fails(params, expect);

	reset();
	snprintf(path, sizeof(path), "%s/odd.img", tmpdir);
	testlib_write_file(path, img, 1000);
	snprintf(params, sizeof(params), "\"image\": \"%s\"", path);
	snprintf(expect, sizeof(expect),
		 "image %s: size 1000 is not a multiple of sector_size 512",
		 path);
	ram_fails(params, expect);

	reset();
	snprintf(path, sizeof(path), "%s/missing.img", tmpdir);
	snprintf(params, sizeof(params), "\"image\": \"%s\"", path);
	snprintf(expect, sizeof(expect), "open %s: No such file", path);
	ram_fails(params, expect);

	reset();
	snprintf(path, sizeof(path), "%s/empty.img", tmpdir);
	testlib_write_file(path, img, 0);
	snprintf(params, sizeof(params), "\"image\": \"%s\"", path);
	snprintf(expect, sizeof(expect), "image %s is empty", path);
	ram_fails(params, expect);

	reset();
	snprintf(params, sizeof(params), "\"image\": \"%s\"", tmpdir);
	snprintf(expect, sizeof(expect), "image %s is not a regular file",
		 tmpdir);
	ram_fails(params, expect);
}
END_TEST

static long resident_kib(void)
{
	long pages = -1, rss = -1;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &pages, &rss), 2);
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Untouched sectors must cost no memory: a benchmark creates thousands of
 * RAM disks. */
START_TEST(test_untouched_not_resident)
{
	long before = resident_kib();
	struct devmgr_blk *b = ram("\"size\": \"4G\"");
	static uint8_t buf[4096];

	ck_assert_int_eq(devmgr_blk_write(b, 1000000, buf, sizeof(buf)), 0);
	ck_assert_int_eq(devmgr_blk_read(b, 8000000, buf, sizeof(buf)), 0);
	ck_assert_int_lt(resident_kib() - before, 16 * 1024);
}
END_TEST

static Suite *blk_ram_suite(void)
{
	Suite *s = suite_create("blk-ram");
	TCase *tc = tcase_create("blk-ram");

	tcase_add_unchecked_fixture(tc, make_dirs, remove_dirs);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_linked_provider);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_small_transfer_size);
	tcase_add_test(tc, test_starts_zeroed);
	tcase_add_test(tc, test_bounds_overflow);
	tcase_add_test(tc, test_discard_zeroes);
	tcase_add_test(tc, test_sector_size_4096);
	tcase_add_test(tc, test_bad_sector_size);
	tcase_add_test(tc, test_bad_size);
	tcase_add_test(tc, test_image_copied_in);
	tcase_add_test(tc, test_image_smaller_than_size);
	tcase_add_test(tc, test_image_errors);
	tcase_add_test(tc, test_untouched_not_resident);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run_linked(blk_ram_suite());
}
