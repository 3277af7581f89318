/* Unit tests of plugins/fs-fat/fat_name.c: UTF-8 <-> UTF-16 (bad input
 * too), case folding, names that may be created, 8.3 names and aliases,
 * LFN checksums, FAT times as UTC. */
#include "../../plugins/fs-fat/fat.h"

#include <check.h>
#include <errno.h>
#include <string.h>

static int u16(const char *s, uint16_t *out)
{
	return fat_utf8_to_utf16(s, strlen(s), out, FAT_LFN_MAX);
}

START_TEST(test_utf8_good)
{
	uint16_t u[FAT_LFN_MAX];
	char back[64];

	ck_assert_int_eq(u16("a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", u), 5);
	ck_assert_uint_eq(u[0], 'a');
	ck_assert_uint_eq(u[1], 0xE9);
	ck_assert_uint_eq(u[2], 0x65E5);
	ck_assert_uint_eq(u[3], 0xD83D); /* U+1F600 as a surrogate pair */
	ck_assert_uint_eq(u[4], 0xDE00);
	ck_assert_int_eq(fat_utf16_to_utf8(u, 5, back, sizeof(back)), 10);
	ck_assert_str_eq(back, "a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_utf8_bad)
{
	uint16_t u[FAT_LFN_MAX];
	static const char *const bad[] = {
		"\xc0\xaf",	    /* overlong '/' */
		"\xe0\x80\xaf",	    /* overlong */
		"\xed\xa0\x80",	    /* a surrogate in UTF-8 */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\xc3",		    /* cut short */
		"\x80",		    /* a lone continuation byte */
		"\xff",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(u16(bad[i], u) == -EINVAL, "case %zu accepted",
			      i);
}
END_TEST

START_TEST(test_utf16_bad)
{
	char out[16];
	const uint16_t lone_hi[] = { 'a', 0xD800 }, lone_lo[] = { 0xDC00 },
		       nul[] = { 'a', 0, 'b' }, big[] = { 0x65E5, 0x65E5 };

	ck_assert_int_eq(fat_utf16_to_utf8(lone_hi, 2, out, sizeof(out)),
			 -EINVAL);
	ck_assert_int_eq(fat_utf16_to_utf8(lone_lo, 1, out, sizeof(out)),
			 -EINVAL);
	ck_assert_int_eq(fat_utf16_to_utf8(nul, 3, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(fat_utf16_to_utf8(big, 2, out, 6), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_fold)
{
	ck_assert_uint_eq(fat_fold('a'), 'A');
	ck_assert_uint_eq(fat_fold('Z'), 'Z');
	ck_assert_uint_eq(fat_fold(0xE9), 0xC9);   /* e acute */
	ck_assert_uint_eq(fat_fold(0xF7), 0xF7);   /* division sign */
	ck_assert_uint_eq(fat_fold(0xFF), 0x178);  /* y diaeresis */
	ck_assert_uint_eq(fat_fold(0x101), 0x100); /* Latin Extended-A */
	ck_assert_uint_eq(fat_fold(0x3B1), 0x391); /* alpha */
	ck_assert_uint_eq(fat_fold(0x3C2), 0x3A3); /* final sigma */
	ck_assert_uint_eq(fat_fold(0x430), 0x410); /* Cyrillic a */
	ck_assert_uint_eq(fat_fold(0x451), 0x401); /* yo */
	ck_assert_uint_eq(fat_fold(0x65E5), 0x65E5);
}
END_TEST

static int check(const char *s)
{
	uint16_t u[FAT_LFN_MAX + 1];
	size_t n;

	return fat_name_check(s, strlen(s), u, &n);
}

START_TEST(test_name_check)
{
	char long_name[300];

	ck_assert_int_eq(check("ok name.txt"), 0);
	ck_assert_int_eq(check("\xc3\xa9t\xc3\xa9"), 0);
	ck_assert_int_eq(check(""), -EINVAL);
	ck_assert_int_eq(check("a*b"), -EINVAL);
	ck_assert_int_eq(check("a:b"), -EINVAL);
	ck_assert_int_eq(check("a\\b"), -EINVAL);
	ck_assert_int_eq(check("a\x01"), -EINVAL);
	ck_assert_int_eq(check("trailing."), -EINVAL);
	ck_assert_int_eq(check("trailing "), -EINVAL);
	ck_assert_int_eq(check("bad\xc3"), -EINVAL);
	memset(long_name, 'x', 255);
	long_name[255] = '\0';
	ck_assert_int_eq(check(long_name), 0);
	long_name[255] = 'x';
	long_name[256] = '\0';
	ck_assert_int_eq(check(long_name), -ENAMETOOLONG);
}
END_TEST

static bool fits(const char *s, char sn_out[12], uint8_t *nt)
{
	uint16_t u[FAT_LFN_MAX];
	int n = u16(s, u);
	uint8_t sn[11];
	bool r = fat_fits_83(u, (size_t)n, sn, nt);

	memcpy(sn_out, sn, 11);
	sn_out[11] = '\0';
	return r;
}

START_TEST(test_fits_83)
{
	char sn[12];
	uint8_t nt;

	ck_assert(fits("README.TXT", sn, &nt));
	ck_assert_str_eq(sn, "README  TXT");
	ck_assert_uint_eq(nt, 0);
	ck_assert(fits("readme.txt", sn, &nt));
	ck_assert_str_eq(sn, "README  TXT");
	ck_assert_uint_eq(nt, 0x18);
	ck_assert(fits("README.txt", sn, &nt));
	ck_assert_uint_eq(nt, 0x10);
	ck_assert(fits("A", sn, &nt));
	ck_assert_str_eq(sn, "A          ");
	ck_assert(!fits("Readme.txt", sn, &nt)); /* mixed case */
	ck_assert(!fits("toolongname.txt", sn, &nt));
	ck_assert(!fits("a.text", sn, &nt));
	ck_assert(!fits("a.b.c", sn, &nt));
	ck_assert(!fits(".bashrc", sn, &nt));
	ck_assert(!fits("with space", sn, &nt));
	ck_assert(!fits("caf\xc3\xa9", sn, &nt));
	ck_assert(!fits("a+b", sn, &nt));
}
END_TEST

static void alias(const char *s, unsigned n, const char *want, bool lossy)
{
	uint16_t u[FAT_LFN_MAX];
	int len = u16(s, u), bl;
	uint8_t sn[11];
	bool l;
	char got[12];

	fat_alias_base(u, (size_t)len, sn, &l, &bl);
	if (n)
		fat_alias_tail(sn, bl, "", n);
	memcpy(got, sn, 11);
	got[11] = '\0';
	ck_assert_msg(strcmp(got, want) == 0, "%s ~%u: got \"%s\", want \"%s\"",
		      s, n, got, want);
	ck_assert_msg(l == lossy, "%s: lossy %d", s, l);
}

START_TEST(test_alias)
{
	alias("Long File Name.txt", 1, "LONGFI~1TXT", true);
	alias("Long File Name.txt", 12, "LONGF~12TXT", true);
	alias("Readme.Txt", 0, "README  TXT", false);
	alias("caf\xc3\xa9.txt", 1, "CAF_~1  TXT", true);
	alias(".bashrc", 1, "BASHRC~1   ", true);
	alias("archive.tar.gz", 1, "ARCHIV~1GZ ", true);
	alias("a+b=c.html", 2, "A_B_C~2 HTM", true);
	alias("\xe6\x97\xa5\xe6\x9c\xac.txt", 1, "__~1    TXT", true);
}
END_TEST

START_TEST(test_checksum)
{
	/* as Microsoft's specification computes it, by hand for "A" */
	uint8_t sn[11];

	memcpy(sn, "A          ", 11);
	uint8_t sum = 0;
	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sn[i]);
	ck_assert_uint_eq(fat_lfn_sum(sn), sum);
	memcpy(sn, "LONGFI~1TXT", 11);
	ck_assert_uint_ne(fat_lfn_sum(sn), sum);
}
END_TEST

START_TEST(test_times)
{
	uint16_t d, t;

	/* 2024-02-29 13:45:58 UTC */
	fat_unix_to_time(1709214358, &d, &t);
	ck_assert_uint_eq(d, (44 << 9) | (2 << 5) | 29);
	ck_assert_uint_eq(t, (13 << 11) | (45 << 5) | 29);
	ck_assert_int_eq(fat_time_to_unix(d, t), 1709214358);
	/* before 1980 and after 2107 are clamped */
	fat_unix_to_time(0, &d, &t);
	ck_assert_int_eq(fat_time_to_unix(d, t), 315532800);
	fat_unix_to_time(5000000000LL, &d, &t);
	ck_assert_int_eq(fat_time_to_unix(d, t), 4354819198LL);
	/* impossible dates read as 0 */
	ck_assert_int_eq(fat_time_to_unix(0, 0), 0);
	ck_assert_int_eq(fat_time_to_unix((1 << 5) | 0, 0), 0);	 /* day 0 */
	ck_assert_int_eq(fat_time_to_unix((13 << 5) | 1, 0), 0); /* month 13 */
	ck_assert_int_eq(fat_time_to_unix((1 << 5) | 1, 24 << 11), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fat_name");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_utf8_good);
	tcase_add_test(tc, test_utf8_bad);
	tcase_add_test(tc, test_utf16_bad);
	tcase_add_test(tc, test_fold);
	tcase_add_test(tc, test_name_check);
	tcase_add_test(tc, test_fits_83);
	tcase_add_test(tc, test_alias);
	tcase_add_test(tc, test_checksum);
	tcase_add_test(tc, test_times);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
