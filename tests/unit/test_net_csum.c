/* Unit tests of the provider kit's Internet checksum (core/src/provider_net.c:
 * devmgr_net_csum_add, devmgr_net_csum_fold), which net-tap and net-packet use
 * to finish and check TCP and UDP checksums: RFC 1071's worked example, and
 * every length from 0 to 2,100 bytes at every alignment against a sum
 * of 16-bit big-endian words with end-around carry, written the plain
 * way; chained calls give the sum of the whole. */
#include <devmgr/provider/net.h>

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* RFC 1071's definition, one 16-bit word at a time, in host order. */
static uint16_t ref_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* devmgr_net_csum_fold's result as the bytes were: turn it to host order. */
static uint16_t host(uint16_t folded)
{
	uint8_t b[2];

	memcpy(b, &folded, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

START_TEST(test_rfc1071_example)
{
	static const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };

	ck_assert_uint_eq(
		host(devmgr_net_csum_fold(devmgr_net_csum_add(0, d, 8))),
		0xddf2);
}
END_TEST

START_TEST(test_every_length_and_alignment)
{
	enum { MAX = 2100 };
	static uint8_t buf[MAX + 8];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= MAX; n++) {
			uint16_t got = host(devmgr_net_csum_fold(
				devmgr_net_csum_add(0, buf + off, n)));
			uint16_t want = ref_sum(buf + off, n);

			/* 0x0000 and 0xffff are the same number in ones'
			 * complement: only an all-zero input gives 0 */
			if (got == 0xffff && want == 0)
				want = 0xffff;
			if (got != want)
				ck_abort_msg("offset %zu length %zu: %#x, "
					     "expected %#x",
					     off, n, got, want);
		}
}
END_TEST

START_TEST(test_all_ones_does_not_overflow)
{
	size_t n = 65536;
	uint8_t *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	memset(p, 0xff, n);
	ck_assert_uint_eq(
		host(devmgr_net_csum_fold(devmgr_net_csum_add(0, p, n))),
		0xffff);
	free(p);
}
END_TEST

START_TEST(test_chained_pieces)
{
	uint8_t buf[1500];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint64_t s = devmgr_net_csum_add(0, buf, 20);
	s = devmgr_net_csum_add(s, buf + 20, 100);
	s = devmgr_net_csum_add(s, buf + 120, 1380);
	ck_assert_uint_eq(
		devmgr_net_csum_fold(s),
		devmgr_net_csum_fold(devmgr_net_csum_add(0, buf, sizeof(buf))));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netutil");
	TCase *tc = tcase_create("csum");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_rfc1071_example);
	tcase_add_test(tc, test_every_length_and_alignment);
	tcase_add_test(tc, test_all_ones_does_not_overflow);
	tcase_add_test(tc, test_chained_pieces);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
