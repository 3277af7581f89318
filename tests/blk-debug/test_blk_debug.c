/* Unit tests of plugins/blk-debug over blk-ram, both linked into this
 * program: the contract check and its logged messages, the fault
 * schedule (k-th call, sector range, seeded random failures, delay), the
 * trace file, and the parameter errors. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* IOV_MAX */
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct devmgr_ctx *ctx;
static struct devmgr_blk *ram, *dbg;
static char logbuf[8192];
static char tmpdir[64];

static void make_dirs(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_blk_debug.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		exit(EXIT_FAILURE);
	}
}

static void remove_dirs(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* Every logged line is kept, so that a test can ask what was said. */
static void keep_log(void *arg, enum devmgr_log_level level, const char *msg)
{
	size_t len = strlen(logbuf);

	(void)arg;
	(void)level;
	snprintf(logbuf + len, sizeof(logbuf) - len, "%s\n", msg);
}

static void new_ctx(void)
{
	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
	devmgr_ctx_set_log(ctx, keep_log, NULL, DEVMGR_LOG_DEBUG);
	logbuf[0] = '\0';
	ram = dbg = NULL;
}

static void setup(void)
{
	new_ctx();
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
}

/* ram0 (blk-ram, 64 KiB unless ram_params say otherwise) and dbg0
 * (blk-debug on it, with dbg_params). */
static int try_stack(const char *ram_params, const char *dbg_params,
		     struct devmgr_error *err)
{
	char json[2048];
	int rc;

	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {"
		 "\"ram0\": {\"provider\": \"blk-ram\", %s},"
		 "\"dbg0\": {\"provider\": \"blk-debug\", \"on\": "
		 "\"ram0\"%s%s}}}",
		 ram_params ? ram_params : "\"size\": \"64K\"",
		 *dbg_params ? ", " : "", dbg_params);
	rc = devmgr_ctx_load_config_string(ctx, json, "<test>", err);
	if (rc == 0)
		rc = devmgr_ctx_create_devices(ctx, false, err);
	return rc;
}

static void stack(const char *dbg_params)
{
	struct devmgr_error err;
	int rc = try_stack(NULL, dbg_params, &err);

	ck_assert_msg(rc == 0, "blk-debug {%s}: %s", dbg_params, err.text);
	ram = devmgr_device_handle(devmgr_ctx_find_device(ctx, "ram0"));
	dbg = devmgr_device_handle(devmgr_ctx_find_device(ctx, "dbg0"));
	ck_assert_ptr_nonnull(dbg);
}

static void stack_fails(const char *dbg_params, const char *expect)
{
	struct devmgr_error err;
	char line[1400];
	int rc = try_stack(NULL, dbg_params, &err);

	devmgr_error_format(&err, line, sizeof(line));
	ck_assert_msg(rc < 0, "blk-debug {%s} was accepted", dbg_params);
	ck_assert_msg(strstr(line, expect) != NULL,
		      "blk-debug {%s}: error \"%s\" does not say \"%s\"",
		      dbg_params, line, expect);
}

static void assert_logged(const char *expect)
{
	ck_assert_msg(strstr(logbuf, expect) != NULL,
		      "the log does not say \"%s\"; it says:\n%s", expect,
		      logbuf);
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed + (i >> 9));
}

START_TEST(test_passes_through)
{
	static uint8_t out[8192], in[8192];
	struct devmgr_blk_info info, below;

	stack("");
	ck_assert_int_eq(devmgr_blk_info(dbg, &info), 0);
	ck_assert_int_eq(devmgr_blk_info(ram, &below), 0);
	ck_assert_uint_eq(info.sector_size, below.sector_size);
	ck_assert_uint_eq(info.sectors, below.sectors);
	ck_assert_uint_eq(info.transfer_size, below.transfer_size);
	ck_assert(!info.read_only);
	fill(out, sizeof(out), 1);
	ck_assert_int_eq(devmgr_blk_write(dbg, 10, out, sizeof(out)), 0);
	ck_assert_int_eq(devmgr_blk_read(ram, 10, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	memset(in, 0, sizeof(in));
	ck_assert_int_eq(devmgr_blk_read(dbg, 10, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	ck_assert_int_eq(devmgr_blk_flush(dbg), 0);
	ck_assert_int_eq(devmgr_blk_discard(dbg, 10, 1), 0);
	ck_assert_int_eq(devmgr_blk_read(ram, 10, in, 512), 0);
	memset(out, 0, 512);
	ck_assert_mem_eq(in, out, 512);
	ck_assert_str_eq(logbuf, "");
}
END_TEST

START_TEST(test_contract_length)
{
	static uint8_t buf[2048];
	struct iovec odd[] = { { buf, 500 }, { buf + 500, 13 } };

	stack("");
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 511), -EINVAL);
	assert_logged("blk-debug dbg0: read at sector 0 refused: length 511 "
		      "is not a non-zero multiple of the sector size 512");
	ck_assert_int_eq(devmgr_blk_write(dbg, 3, buf, 0), -EINVAL);
	assert_logged("write at sector 3 refused: length 0 is not a non-zero "
		      "multiple of the sector size 512");
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, odd, 2), -EINVAL);
	assert_logged("length 513 is not");
}
END_TEST

START_TEST(test_contract_bounds)
{
	static uint8_t buf[1024];

	stack("");
	ck_assert_int_eq(devmgr_blk_read(dbg, 127, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_read(dbg, 127, buf, 1024), -ERANGE);
	assert_logged("read at sector 127 refused: sectors 127..+2 lie "
		      "outside the device (128 sectors)");
	ck_assert_int_eq(devmgr_blk_write(dbg, 128, buf, 512), -ERANGE);
	ck_assert_int_eq(devmgr_blk_write(dbg, UINT64_MAX, buf, 512), -ERANGE);
	ck_assert_int_eq(devmgr_blk_discard(dbg, 127, 2), -ERANGE);
	assert_logged("discard at sector 127 refused: sectors 127..+2");
	ck_assert_int_eq(devmgr_blk_discard(dbg, 1, 0), -EINVAL);
	assert_logged("discard at sector 1 refused: count is 0");
}
END_TEST

START_TEST(test_contract_iovec)
{
	static uint8_t buf[1024];
	struct iovec null_base[] = { { buf, 512 }, { NULL, 512 } };
	struct iovec wrap[] = {
		{ buf, SIZE_MAX },
		{ buf, 2 },
	};
	struct iovec *many = calloc(1025, sizeof(*many));

	stack("\"max_iovcnt\": 4");
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, null_base, 2), -EINVAL);
	assert_logged("read at sector 0 refused: iov[1] has 512 bytes at NULL");
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, NULL, 1), -EINVAL);
	assert_logged("iov is NULL");
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, null_base, 0), -EINVAL);
	assert_logged("iovcnt 0 is outside 1..4");
	ck_assert_int_eq(devmgr_blk_writev(dbg, 0, wrap, 2), -EINVAL);
	assert_logged("iov lengths overflow at iov[1]");
	ck_assert_ptr_nonnull(many);
	for (int i = 0; i < 5; i++) {
		many[i].iov_base = buf;
		many[i].iov_len = 512;
	}
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, many, 4), 0);
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, many, 5), -EINVAL);
	assert_logged("iovcnt 5 is outside 1..4");
	free(many);
}
END_TEST

START_TEST(test_contract_strict_iov)
{
	static uint8_t buf[1024];
	struct iovec split[] = { { buf, 100 }, { buf + 100, 412 } };

	stack("");
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, split, 2), 0);
	teardown();
	new_ctx();
	stack("\"strict_iov\": true");
	ck_assert_int_eq(devmgr_blk_readv(dbg, 0, split, 2), -EINVAL);
	assert_logged("iov[0] length 100 is not a multiple of the sector "
		      "size 512 (strict_iov)");
}
END_TEST

START_TEST(test_contract_read_only)
{
	static uint8_t buf[512];
	struct devmgr_blk_info info;

	stack("\"read_only\": true");
	ck_assert_int_eq(devmgr_blk_info(dbg, &info), 0);
	ck_assert(info.read_only);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_write(dbg, 0, buf, 512), -EROFS);
	assert_logged("blk-debug dbg0: write at sector 0 refused: the device "
		      "is read-only");
	ck_assert_int_eq(devmgr_blk_discard(dbg, 0, 1), -EROFS);
	ck_assert_int_eq(devmgr_blk_flush(dbg), 0);
}
END_TEST

/* A read-only device below is read-only above, and the check refuses the
 * write itself rather than passing it down. */
START_TEST(test_read_only_below)
{
	struct devmgr_error err;
	struct devmgr_blk_info info;
	static uint8_t buf[512];

	ck_assert_int_eq(
		try_stack("\"size\": \"64K\", \"read_only\": true", "", &err),
		0);
	dbg = devmgr_device_handle(devmgr_ctx_find_device(ctx, "dbg0"));
	ck_assert_int_eq(devmgr_blk_info(dbg, &info), 0);
	ck_assert(info.read_only);
	ck_assert_int_eq(devmgr_blk_write(dbg, 0, buf, 512), -EROFS);
	assert_logged("the device is read-only");
}
END_TEST

/* With the check off, calls go down as they are: the device below then
 * answers for itself. */
START_TEST(test_check_off)
{
	static uint8_t buf[1024];

	stack("\"check\": false");
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 511), -EINVAL);
	ck_assert_int_eq(devmgr_blk_read(dbg, 127, buf, 1024), -ERANGE);
	ck_assert_str_eq(logbuf, "");
}
END_TEST

START_TEST(test_fail_kth_write)
{
	static uint8_t out[512], in[512], zero[512];

	stack("\"fail_write\": 3");
	fill(out, sizeof(out), 2);
	ck_assert_int_eq(devmgr_blk_write(dbg, 1, out, 512), 0);
	ck_assert_int_eq(devmgr_blk_write(dbg, 2, out, 512), 0);
	ck_assert_int_eq(devmgr_blk_write(dbg, 3, out, 512), -EIO);
	ck_assert_int_eq(devmgr_blk_write(dbg, 4, out, 512), 0);
	/* Reads do not count towards the write schedule. */
	ck_assert_int_eq(devmgr_blk_read(dbg, 1, in, 512), 0);
	/* The failed write never reached the device. */
	ck_assert_int_eq(devmgr_blk_read(ram, 3, in, 512), 0);
	ck_assert_mem_eq(in, zero, 512);
	ck_assert_int_eq(devmgr_blk_read(ram, 4, in, 512), 0);
	ck_assert_mem_eq(in, out, 512);
}
END_TEST

/* Refused calls are not counted: the schedule counts calls that the
 * device below would have seen. */
START_TEST(test_refused_not_counted)
{
	static uint8_t buf[512];

	stack("\"fail_read\": 2");
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 100), -EINVAL);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), -EIO);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), 0);
}
END_TEST

START_TEST(test_fail_count)
{
	static uint8_t buf[512];

	stack("\"fail_read\": 2, \"fail_count\": 2");
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), -EIO);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), -EIO);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), 0);
	teardown();
	new_ctx();
	/* 0: a device that died stays dead. */
	stack("\"fail_write\": 1, \"fail_count\": 0, \"error\": \"ENOSPC\"");
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(devmgr_blk_write(dbg, 0, buf, 512), -ENOSPC);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), 0);
}
END_TEST

START_TEST(test_fail_flush)
{
	stack("\"fail_flush\": 2");
	ck_assert_int_eq(devmgr_blk_flush(dbg), 0);
	ck_assert_int_eq(devmgr_blk_flush(dbg), -EIO);
	ck_assert_int_eq(devmgr_blk_flush(dbg), 0);
}
END_TEST

START_TEST(test_bad_sectors)
{
	static uint8_t buf[4096];

	stack("\"bad_start\": 20, \"bad_count\": 4");
	ck_assert_int_eq(devmgr_blk_read(dbg, 19, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_read(dbg, 24, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_read(dbg, 20, buf, 512), -EIO);
	ck_assert_int_eq(devmgr_blk_read(dbg, 23, buf, 512), -EIO);
	/* Any overlap fails the whole transfer. */
	ck_assert_int_eq(devmgr_blk_read(dbg, 16, buf, 4096), -EIO);
	ck_assert_int_eq(devmgr_blk_write(dbg, 12, buf, 4096), 0);
	ck_assert_int_eq(devmgr_blk_write(dbg, 13, buf, 4096), -EIO);
	teardown();
	new_ctx();
	stack("\"bad_start\": 20, \"bad_count\": 4, \"bad_ops\": \"w\"");
	ck_assert_int_eq(devmgr_blk_read(dbg, 20, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_write(dbg, 20, buf, 512), -EIO);
	teardown();
	new_ctx();
	stack("\"bad_start\": 20, \"bad_count\": 4, \"bad_ops\": \"r\"");
	ck_assert_int_eq(devmgr_blk_read(dbg, 20, buf, 512), -EIO);
	ck_assert_int_eq(devmgr_blk_write(dbg, 20, buf, 512), 0);
}
END_TEST

/* The pattern of random failures of 2000 reads under one seed. */
static void random_pattern(const char *params, char *pattern, size_t n)
{
	static uint8_t buf[512];

	new_ctx();
	stack(params);
	for (size_t i = 0; i < n; i++)
		pattern[i] = devmgr_blk_read(dbg, 0, buf, 512) == 0 ? '.' : 'x';
	teardown();
}

START_TEST(test_random_seeded)
{
	static char a[2000], b[2000], c[2000];
	size_t fails = 0;

	teardown();
	random_pattern("\"fail_ppm\": 100000, \"seed\": 42", a, sizeof(a));
	random_pattern("\"fail_ppm\": 100000, \"seed\": 42", b, sizeof(b));
	random_pattern("\"fail_ppm\": 100000, \"seed\": 43", c, sizeof(c));
	new_ctx();
	ck_assert(memcmp(a, b, sizeof(a)) == 0);
	ck_assert(memcmp(a, c, sizeof(a)) != 0);
	for (size_t i = 0; i < sizeof(a); i++)
		fails += a[i] == 'x';
	/* 10% of 2000: 200, and far outside 140..260 only by a broken
	 * generator. */
	ck_assert_uint_gt(fails, 140);
	ck_assert_uint_lt(fails, 260);
}
END_TEST

START_TEST(test_delay)
{
	static uint8_t buf[512];
	struct timespec t0, t1;
	long us;

	stack("\"delay_us\": 20000");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_write(dbg, 0, buf, 512), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (t1.tv_sec - t0.tv_sec) * 1000000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000;
	ck_assert_int_ge(us, 40000);
}
END_TEST

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_trace)
{
	static uint8_t buf[2048];
	struct iovec two[] = { { buf, 1024 }, { buf + 1024, 1024 } };
	struct devmgr_blk_info info;
	char path[128], params[256];

	snprintf(path, sizeof(path), "%s/trace.txt", tmpdir);
	snprintf(params, sizeof(params), "\"trace\": \"%s\", \"fail_write\": 2",
		 path);
	stack(params);
	ck_assert_int_eq(devmgr_blk_info(dbg, &info), 0);
	ck_assert_int_eq(devmgr_blk_read(dbg, 5, buf, 512), 0);
	ck_assert_int_eq(devmgr_blk_writev(dbg, 6, two, 2), 0);
	ck_assert_int_eq(devmgr_blk_write(dbg, 9, buf, 512), -EIO);
	ck_assert_int_eq(devmgr_blk_read(dbg, 0, buf, 100), -EINVAL);
	ck_assert_int_eq(devmgr_blk_flush(dbg), 0);
	ck_assert_int_eq(devmgr_blk_discard(dbg, 7, 2), 0);
	ck_assert_int_eq(devmgr_blk_read(dbg, UINT64_MAX, buf, 512), -ERANGE);
	ck_assert_str_eq(slurp(path),
			 "1 info - - - 0\n"
			 "2 read 5 1 1 0\n"
			 "3 write 6 4 2 0\n"
			 "4 write 9 1 1 EIO # injected: write #2\n"
			 "5 read 0 0 1 EINVAL # length 100 is not a non-zero "
			 "multiple of the sector size 512\n"
			 "6 flush - - - 0\n"
			 "7 discard 7 2 - 0\n"
			 "8 read 18446744073709551615 1 1 ERANGE # sectors "
			 "18446744073709551615..+1 lie outside the device "
			 "(128 sectors)\n");
}
END_TEST

START_TEST(test_param_errors)
{
	stack_fails("\"error\": \"EPERM\"",
		    "error \"EPERM\" is not one of EIO, ENOSPC");
	teardown();
	new_ctx();
	stack_fails("\"bad_ops\": \"x\"", "bad_ops \"x\" is not one of");
	teardown();
	new_ctx();
	stack_fails("\"bad_start\": 120, \"bad_count\": 9",
		    "bad sectors 120..+9 lie outside the device (128 sectors)");
	teardown();
	new_ctx();
	stack_fails("\"trace\": \"/nonexistent/dir/trace\"",
		    "trace /nonexistent/dir/trace: No such file or directory");
	teardown();
	new_ctx();
	stack_fails("\"fail_ppm\": 1000001", "/devices/dbg0/fail_ppm");
	teardown();
	new_ctx();
	stack_fails("\"fail_wirte\": 1", "did you mean \"fail_write\"");
}
END_TEST

START_TEST(test_needs_on)
{
	struct devmgr_error err;
	int rc = devmgr_ctx_load_config_string(
		ctx,
		"{\"devmgr\": 1, \"devices\": {"
		"\"dbg0\": {\"provider\": \"blk-debug\"}}}",
		"<test>", &err);

	ck_assert_int_lt(rc, 0);
	ck_assert_msg(strstr(err.text, "on") != NULL, "%s", err.text);
}
END_TEST

/* Stacked twice: each layer checks and counts on its own. */
START_TEST(test_stacked_twice)
{
	struct devmgr_error err;
	static uint8_t buf[512];
	struct devmgr_blk *top;
	int rc = devmgr_ctx_load_config_string(
		ctx,
		"{\"devmgr\": 1, \"devices\": {"
		"\"ram0\": {\"provider\": \"blk-ram\", \"size\": \"64K\"},"
		"\"a\": {\"provider\": \"blk-debug\", \"on\": \"ram0\","
		" \"fail_write\": 2},"
		"\"b\": {\"provider\": \"blk-debug\", \"on\": \"a\","
		" \"read_only\": true}}}",
		"<test>", &err);

	ck_assert_msg(rc == 0, "%s", err.text);
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	top = devmgr_device_handle(devmgr_ctx_find_device(ctx, "b"));
	ck_assert_int_eq(devmgr_blk_write(top, 0, buf, 512), -EROFS);
	assert_logged("blk-debug b: write at sector 0 refused");
	ck_assert_int_eq(devmgr_blk_read(top, 0, buf, 512), 0);
}
END_TEST

static Suite *blk_debug_suite(void)
{
	Suite *s = suite_create("blk-debug");
	TCase *tc = tcase_create("blk-debug");

	tcase_add_unchecked_fixture(tc, make_dirs, remove_dirs);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_passes_through);
	tcase_add_test(tc, test_contract_length);
	tcase_add_test(tc, test_contract_bounds);
	tcase_add_test(tc, test_contract_iovec);
	tcase_add_test(tc, test_contract_strict_iov);
	tcase_add_test(tc, test_contract_read_only);
	tcase_add_test(tc, test_read_only_below);
	tcase_add_test(tc, test_check_off);
	tcase_add_test(tc, test_fail_kth_write);
	tcase_add_test(tc, test_refused_not_counted);
	tcase_add_test(tc, test_fail_count);
	tcase_add_test(tc, test_fail_flush);
	tcase_add_test(tc, test_bad_sectors);
	tcase_add_test(tc, test_random_seeded);
	tcase_add_test(tc, test_delay);
	tcase_add_test(tc, test_trace);
	tcase_add_test(tc, test_param_errors);
	tcase_add_test(tc, test_needs_on);
	tcase_add_test(tc, test_stacked_twice);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	/* Only the linked-in providers are under test. */
	unsetenv("DEVMGR_PLUGIN_PATH");
	sr = srunner_create(blk_debug_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
