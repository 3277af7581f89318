/* Unit tests of plugins/blk-xen/blkfront.c: how transfers are split into
 * blkif requests over the page pool, request ids in flight (garbage and
 * repeated answers), strict parsing of the backend's values and statuses.
 * None needs a hypervisor. */
#include "../../plugins/blk-xen/blkfront.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>

START_TEST(test_plan_one_sector)
{
	struct bf_req r[2];

	ck_assert_int_eq(bf_plan(7, 512, BF_SEGS, r, 2), 1);
	ck_assert_uint_eq(r[0].sector, 7);
	ck_assert_uint_eq(r[0].nseg, 1);
	ck_assert_uint_eq(r[0].bytes, 512);
	ck_assert_uint_eq(r[0].seg[0].page, 0);
	ck_assert_uint_eq(r[0].seg[0].first, 0);
	ck_assert_uint_eq(r[0].seg[0].last, 0);
}
END_TEST

/* 11 full pages fit one request; one more byte of sector spills over. */
START_TEST(test_plan_split_at_eleven)
{
	struct bf_req r[4];

	ck_assert_int_eq(bf_plan(0, 11 * BF_PAGE, BF_SEGS, r, 4), 1);
	ck_assert_uint_eq(r[0].nseg, 11);
	ck_assert_uint_eq(r[0].seg[10].last, 7);
	ck_assert_int_eq(bf_plan(100, 11 * BF_PAGE + 512, BF_SEGS, r, 4), 2);
	ck_assert_uint_eq(r[0].bytes, 11 * BF_PAGE);
	ck_assert_uint_eq(r[1].sector, 100 + 11 * BF_SECTS_PAGE);
	ck_assert_uint_eq(r[1].nseg, 1);
	ck_assert_uint_eq(r[1].seg[0].page, 11);
	ck_assert_uint_eq(r[1].seg[0].last, 0);
}
END_TEST

/* A whole pool: every page used once, in order, sectors contiguous. */
START_TEST(test_plan_whole_pool)
{
	struct bf_req r[BF_RING_SLOTS];
	uint64_t sector = 1000;
	uint32_t page = 0;
	int n = bf_plan(sector, (size_t)BF_POOL_PAGES * BF_PAGE, BF_SEGS, r,
			BF_RING_SLOTS);

	ck_assert_int_eq(n, (int)BF_RING_SLOTS);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].sector, sector);
		ck_assert_uint_eq(r[i].nseg, BF_SEGS);
		for (uint32_t s = 0; s < r[i].nseg; s++)
			ck_assert_uint_eq(r[i].seg[s].page, page++);
		sector += r[i].bytes / BF_SECT;
	}
	ck_assert_uint_eq(page, BF_POOL_PAGES);
	ck_assert_int_eq(bf_plan(0, (size_t)BF_POOL_PAGES * BF_PAGE + 512,
				 BF_SEGS, r, BF_RING_SLOTS),
			 -E2BIG);
}
END_TEST

START_TEST(test_plan_fewer_segments)
{
	struct bf_req r[8];

	ck_assert_int_eq(bf_plan(0, 5 * BF_PAGE, 2, r, 8), 3);
	ck_assert_uint_eq(r[2].nseg, 1);
	ck_assert_uint_eq(r[2].sector, 4 * BF_SECTS_PAGE);
}
END_TEST

START_TEST(test_plan_bad)
{
	struct bf_req r[2];

	ck_assert_int_eq(bf_plan(0, 0, BF_SEGS, r, 2), -EINVAL);
	ck_assert_int_eq(bf_plan(0, 511, BF_SEGS, r, 2), -EINVAL);
	ck_assert_int_eq(bf_plan(0, 513, BF_SEGS, r, 2), -EINVAL);
	ck_assert_int_eq(bf_plan(0, 512, 0, r, 2), -EINVAL);
	ck_assert_int_eq(bf_plan(0, 512, BF_SEGS + 1, r, 2), -EINVAL);
	ck_assert_int_eq(bf_plan(0, 512, BF_SEGS, r, 0), -E2BIG);
	ck_assert_int_eq(bf_plan(UINT64_MAX, 1024, BF_SEGS, r, 2), -ERANGE);
	ck_assert_int_eq(bf_plan(UINT64_MAX, 512, BF_SEGS, r, 2), 1);
}
END_TEST

START_TEST(test_ids)
{
	struct bf_ids ids;

	bf_ids_init(&ids, 3);
	ck_assert_int_eq(bf_ids_get(&ids), 0);
	ck_assert_int_eq(bf_ids_get(&ids), 1);
	ck_assert_int_eq(bf_ids_get(&ids), 2);
	ck_assert_int_eq(bf_ids_get(&ids), -EBUSY);
	ck_assert_uint_eq(bf_ids_busy(&ids), 3);
	ck_assert_int_eq(bf_ids_put(&ids, 1), 0);
	ck_assert_int_eq(bf_ids_get(&ids), 1);
	ck_assert_int_eq(bf_ids_put(&ids, 2), 0);
	ck_assert_uint_eq(bf_ids_busy(&ids), 2);
}
END_TEST

/* Answers the backend may forge: an id never issued, one already
 * answered, one past the ring. */
START_TEST(test_ids_garbage)
{
	struct bf_ids ids;

	bf_ids_init(&ids, BF_RING_SLOTS);
	ck_assert_int_eq(bf_ids_put(&ids, 0), -EPROTO);
	ck_assert_int_eq(bf_ids_get(&ids), 0);
	ck_assert_int_eq(bf_ids_put(&ids, 0), 0);
	ck_assert_int_eq(bf_ids_put(&ids, 0), -EPROTO);
	ck_assert_int_eq(bf_ids_put(&ids, BF_RING_SLOTS), -EPROTO);
	ck_assert_int_eq(bf_ids_put(&ids, 64), -EPROTO);
	ck_assert_int_eq(bf_ids_put(&ids, UINT64_MAX), -EPROTO);
	ck_assert_uint_eq(bf_ids_busy(&ids), 0);
}
END_TEST

START_TEST(test_uint)
{
	uint64_t v;

	ck_assert_int_eq(bf_uint("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(bf_uint("4096", 65536, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(bf_uint("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	static const char *const bad[] = {
		"",   "-1", "+1",   " 1",  "1 ",
		"01", "1x", "0x10", "1e3", "18446744073709551616"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bf_uint(bad[i], UINT64_MAX, &v) == -EINVAL,
			      "\"%s\" accepted", bad[i]);
	ck_assert_int_eq(bf_uint("65537", 65536, &v), -EINVAL);
	ck_assert_int_eq(bf_uint(NULL, 1, &v), -EINVAL);
}
END_TEST

START_TEST(test_flag)
{
	bool f = true;

	ck_assert_int_eq(bf_flag(NULL, &f), 0);
	ck_assert(!f);
	ck_assert_int_eq(bf_flag("1", &f), 0);
	ck_assert(f);
	ck_assert_int_eq(bf_flag("0", &f), 0);
	ck_assert(!f);
	ck_assert_int_eq(bf_flag("2", &f), -EINVAL);
	ck_assert_int_eq(bf_flag("yes", &f), -EINVAL);
	ck_assert_int_eq(bf_flag("", &f), -EINVAL);
	ck_assert_int_eq(bf_flag("01", &f), -EINVAL);
}
END_TEST

START_TEST(test_status)
{
	ck_assert_int_eq(bf_status(0), 0);
	ck_assert_int_eq(bf_status(-1), -EIO);
	ck_assert_int_eq(bf_status(-2), -EOPNOTSUPP);
	ck_assert_int_eq(bf_status(1), -EPROTO);
	ck_assert_int_eq(bf_status(-3), -EPROTO);
	ck_assert_int_eq(bf_status(INT16_MIN), -EPROTO);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blkfront");
	TCase *tc = tcase_create("blkfront");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_plan_one_sector);
	tcase_add_test(tc, test_plan_split_at_eleven);
	tcase_add_test(tc, test_plan_whole_pool);
	tcase_add_test(tc, test_plan_fewer_segments);
	tcase_add_test(tc, test_plan_bad);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_ids_garbage);
	tcase_add_test(tc, test_uint);
	tcase_add_test(tc, test_flag);
	tcase_add_test(tc, test_status);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
