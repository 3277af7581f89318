/* Unit tests of the blk provider kit, core/src/provider_blk.c: the range
 * check, the iovec check in both of its modes, and the sector size. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* IOV_MAX */
#endif
#include "testlib.h"

#include <devmgr/provider/blk.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static char why[256];
static uint8_t buf[4096];

static struct devmgr_blk_rules rules(uint32_t ss, uint64_t sectors)
{
	struct devmgr_blk_rules r = { .sector_size = ss, .sectors = sectors };
	return r;
}

START_TEST(test_sector_size_ok)
{
	ck_assert(devmgr_blk_sector_size_ok(512));
	ck_assert(devmgr_blk_sector_size_ok(4096));
	ck_assert(devmgr_blk_sector_size_ok(65536));
	ck_assert(!devmgr_blk_sector_size_ok(0));
	ck_assert(!devmgr_blk_sector_size_ok(256));
	ck_assert(!devmgr_blk_sector_size_ok(1000));
	ck_assert(!devmgr_blk_sector_size_ok(131072));
	ck_assert(!devmgr_blk_sector_size_ok(UINT64_MAX));
	ck_assert(!devmgr_blk_sector_size_ok(1ull << 40));
}
END_TEST

START_TEST(test_range)
{
	ck_assert_int_eq(devmgr_blk_range_check(0, 8, 8, why, sizeof(why)), 0);
	ck_assert_int_eq(devmgr_blk_range_check(7, 1, 8, why, sizeof(why)), 0);
	ck_assert_int_eq(devmgr_blk_range_check(7, 2, 8, why, sizeof(why)),
			 -ERANGE);
	ck_assert_str_eq(why, "sectors 7..+2 lie outside the device "
			      "(8 sectors)");
	ck_assert_int_eq(devmgr_blk_range_check(8, 1, 8, NULL, 0), -ERANGE);
	ck_assert_int_eq(devmgr_blk_range_check(8, 0, 8, NULL, 0), -ERANGE);
	ck_assert_int_eq(devmgr_blk_range_check(0, 9, 8, NULL, 0), -ERANGE);
	/* Sums that would wrap are outside, not clamped. */
	ck_assert_int_eq(devmgr_blk_range_check(UINT64_MAX, 1, 8, NULL, 0),
			 -ERANGE);
	ck_assert_int_eq(devmgr_blk_range_check(1, UINT64_MAX, 8, NULL, 0),
			 -ERANGE);
	ck_assert_int_eq(
		devmgr_blk_range_check(UINT64_MAX - 1, 1, UINT64_MAX, NULL, 0),
		0);
	ck_assert_int_eq(devmgr_blk_range_check(0, 0, 0, NULL, 0), -ERANGE);
}
END_TEST

START_TEST(test_iov_shape)
{
	struct devmgr_blk_rules r = rules(512, 8);
	struct iovec one = { buf, 512 },
		     null_base[] = { { buf, 512 }, { NULL, 512 } };
	struct iovec empty_null[] = { { NULL, 0 }, { buf, 1024 } };
	struct iovec odd[] = { { buf, 100 }, { buf, 412 } };
	uint64_t bytes = 0;

	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, &one, 1, &bytes, why, sizeof(why)), 0);
	ck_assert_uint_eq(bytes, 512);
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, &one, 0, &bytes, why, sizeof(why)),
		-EINVAL);
	ck_assert_int_eq(devmgr_blk_iov_check(&r, &one, -1, &bytes, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, NULL, 1, &bytes, why, sizeof(why)),
		-EINVAL);
	ck_assert_str_eq(why, "iov is NULL");
	ck_assert_int_eq(devmgr_blk_iov_check(&r, null_base, 2, &bytes, why,
					      sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "iov[1] has 512 bytes at NULL");
	/* An empty entry may have no base. */
	ck_assert_int_eq(devmgr_blk_iov_check(&r, empty_null, 2, &bytes, why,
					      sizeof(why)),
			 0);
	ck_assert_uint_eq(bytes, 1024);
	/* Entries may split a sector unless whole_entries asks otherwise. */
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, odd, 2, &bytes, why, sizeof(why)), 0);
	r.whole_entries = "strict";
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, odd, 2, &bytes, why, sizeof(why)),
		-EINVAL);
	ck_assert_str_eq(why, "iov[0] length 100 is not a multiple of the "
			      "sector size 512 (strict)");
	odd[1].iov_len = 411;
	r.whole_entries = NULL;
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, odd, 2, &bytes, why, sizeof(why)),
		-EINVAL);
	ck_assert_str_eq(why, "length 511 is not a non-zero multiple of the "
			      "sector size 512");
	one.iov_len = 0;
	ck_assert_int_eq(devmgr_blk_iov_check(&r, &one, 1, &bytes, NULL, 0),
			 -EINVAL);
	r.sector_size = 0;
	ck_assert_int_eq(devmgr_blk_iov_check(&r, &one, 1, &bytes, NULL, 0),
			 -EINVAL);
}
END_TEST

START_TEST(test_iovcnt_limit)
{
	struct devmgr_blk_rules r = rules(512, 1u << 20);
	struct iovec *iov = calloc(IOV_MAX + 1, sizeof(*iov));
	uint64_t bytes = 0;

	ck_assert_ptr_nonnull(iov);
	for (int i = 0; i <= IOV_MAX; i++)
		iov[i] = (struct iovec){ buf, 512 };
	ck_assert_int_eq(devmgr_blk_iov_check(&r, iov, IOV_MAX, &bytes, why,
					      sizeof(why)),
			 0);
	ck_assert_uint_eq(bytes, (uint64_t)IOV_MAX * 512);
	ck_assert_int_eq(devmgr_blk_iov_check(&r, iov, IOV_MAX + 1, &bytes, why,
					      sizeof(why)),
			 -EINVAL);
	r.max_iovcnt = 4;
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, iov, 4, &bytes, why, sizeof(why)), 0);
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, iov, 5, &bytes, why, sizeof(why)),
		-EINVAL);
	ck_assert_str_eq(why, "iovcnt 5 is outside 1..4");
	free(iov);
}
END_TEST

/* Held to the device's size, an entry past it is -ERANGE at once; judged
 * by shape first, a sum that wraps is -EINVAL. */
START_TEST(test_iov_wrap)
{
	struct devmgr_blk_rules r = rules(512, 8);
	struct iovec wrap[] = {
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, SIZE_MAX / 2 + 1 },
		{ buf, 512 },
	};
	struct iovec big[] = { { buf, 4096 }, { buf, 513 } };
	struct iovec huge_null = { NULL, SIZE_MAX & ~511ull };
	uint64_t bytes = 0;

	/* The extent is judged first: a NULL base that could not fit. */
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, &huge_null, 1, &bytes, NULL, 0),
		-ERANGE);

	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, wrap, 3, &bytes, why, sizeof(why)),
		-ERANGE);
	ck_assert_str_eq(why, "iov[0] takes the transfer past the device's "
			      "4096 bytes");
	ck_assert_int_eq(devmgr_blk_iov_check(&r, big, 2, &bytes, NULL, 0),
			 -ERANGE);
	r.flags = DEVMGR_BLK_SHAPE_FIRST;
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, wrap, 3, &bytes, why, sizeof(why)),
		-EINVAL);
	ck_assert_str_eq(why, "iov lengths overflow at iov[1]");
	ck_assert_int_eq(devmgr_blk_iov_check(&r, big, 2, &bytes, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, &huge_null, 1, &bytes, NULL, 0),
		-EINVAL);
	/* A device too large for its size in bytes has no cap to wrap. */
	r = rules(65536, UINT64_MAX);
	ck_assert_int_eq(
		devmgr_blk_iov_check(&r, wrap, 3, &bytes, why, sizeof(why)),
		-ERANGE);
	ck_assert_str_eq(why, "iov[1] takes the transfer past the device's "
			      "18446744073709551615 bytes");
}
END_TEST

START_TEST(test_xfer)
{
	struct devmgr_blk_rules r = rules(512, 8);
	struct iovec two[] = { { buf, 512 }, { buf, 1024 } };
	uint64_t count = 0;

	ck_assert_int_eq(
		devmgr_blk_xfer_check(&r, 5, two, 2, &count, why, sizeof(why)),
		0);
	ck_assert_uint_eq(count, 3);
	count = 0;
	ck_assert_int_eq(
		devmgr_blk_xfer_check(&r, 6, two, 2, &count, why, sizeof(why)),
		-ERANGE);
	ck_assert_uint_eq(count, 3);
	ck_assert_str_eq(why, "sectors 6..+3 lie outside the device "
			      "(8 sectors)");
	ck_assert_int_eq(
		devmgr_blk_xfer_check(&r, UINT64_MAX, two, 2, &count, NULL, 0),
		-ERANGE);
	two[0].iov_len = 511;
	ck_assert_int_eq(devmgr_blk_xfer_check(&r, 0, two, 2, &count, NULL, 0),
			 -EINVAL);
}
END_TEST

/* The parameter, through a provider that holds DEVMGR_BLK_PARAM_SECTOR_SIZE
 * in its table (blk-ram, linked in). */
START_TEST(test_sector_size_param)
{
	struct devmgr_ctx *ctx = testlib_ctx_new();
	struct devmgr_error err;

	ck_assert_int_eq(testlib_create_device(ctx, "d", "blk-ram",
					       "\"size\": \"64K\", "
					       "\"sector_size\": 1000",
					       "test", &err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "sector_size 1000 is not a "
					       "power of two from 512 to "
					       "65536"));
	devmgr_ctx_free(ctx);
}
END_TEST

static Suite *kit_suite(void)
{
	Suite *s = suite_create("provider_blk");
	TCase *tc = tcase_create("provider_blk");

	tcase_add_test(tc, test_sector_size_ok);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_iov_shape);
	tcase_add_test(tc, test_iovcnt_limit);
	tcase_add_test(tc, test_iov_wrap);
	tcase_add_test(tc, test_xfer);
	tcase_add_test(tc, test_sector_size_param);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run_linked(kit_suite());
}
