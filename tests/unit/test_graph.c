/* Unit tests of the device graph (core/src/graph.c) through the public
 * API: creation in dependency order, cycles, failures and keep_going.
 * The test providers below are linked into this program. */
#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>
#include <devmgr/sig/console.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- test providers: t-blk (blk, "fail"), t-stack (blk on 1..4 blk),
 * t-con (console).  create/destroy append "+id" / "-id" / "!id" to tlog. */
static char tlog[8192];

static void tlog_add(const char *what, const char *id)
{
	size_t n = strlen(tlog);
	snprintf(tlog + n, sizeof(tlog) - n, "%s%s%s", n ? " " : "", what, id);
}

static int tb_info(struct devmgr_blk *b, struct devmgr_blk_info *o)
{
	(void)b;
	memset(o, 0, sizeof(*o));
	o->sector_size = 512;
	o->transfer_size = 512;
	o->sectors = 8;
	return 0;
}

static int tb_rw(struct devmgr_blk *b, uint64_t s, const struct iovec *iov,
		 int n)
{
	(void)b, (void)s, (void)iov, (void)n;
	return 0;
}

static int tb_flush(struct devmgr_blk *b)
{
	(void)b;
	return 0;
}

static const struct devmgr_blk_ops tb_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = tb_info,
	.readv = tb_rw,
	.writev = tb_rw,
	.flush = tb_flush,
};

static int tc_info(struct devmgr_console *c, struct devmgr_console_info *o)
{
	(void)c;
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "t-con");
	return 0;
}

static int tc_write(struct devmgr_console *c, const char *buf, size_t len)
{
	(void)c, (void)buf, (void)len;
	return 0;
}

static const struct devmgr_console_ops tc_ops = {
	.minor = DEVMGR_CONSOLE_MINOR,
	.info = tc_info,
	.write = tc_write,
};

static const struct devmgr_param t_params[] = {
	{ "fail", DEVMGR_PARAM_BOOL, 0, "false", "make create fail", 0, 0 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 },
};

static int t_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	if (devmgr_param_bool(dev, "fail")) {
		tlog_add("!", devmgr_device_id(dev));
		return devmgr_error_set(err, -EIO, "asked to fail");
	}
	tlog_add("+", devmgr_device_id(dev));
	return 0;
}

static void t_destroy(struct devmgr_device *dev)
{
	tlog_add("-", devmgr_device_id(dev));
}

static const struct devmgr_provider t_blk = {
	.size = sizeof(struct devmgr_provider),
	.name = "t-blk",
	.help = "test blk",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &tb_ops,
	.params = t_params,
	.priv_size = 16,
	.create = t_create,
	.destroy = t_destroy,
};

static const struct devmgr_provider t_stack = {
	.size = sizeof(struct devmgr_provider),
	.name = "t-stack",
	.help = "test blk stacked on blk",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &tb_ops,
	.params = t_params,
	.on_sig = "blk",
	.on_min = 1,
	.on_max = 4,
	.priv_size = 16,
	.create = t_create,
	.destroy = t_destroy,
};

static const struct devmgr_provider t_con = {
	.size = sizeof(struct devmgr_provider),
	.name = "t-con",
	.help = "test console",
	.sig = "console",
	.sig_major = DEVMGR_CONSOLE_MAJOR,
	.sig_minor = DEVMGR_CONSOLE_MINOR,
	.ops = &tc_ops,
	.params = t_params,
	.priv_size = 0,
	.create = t_create,
	.destroy = t_destroy,
};
/* ---- end of test providers */

static const struct devmgr_provider *const t_provs[] = { &t_blk, &t_stack,
							  &t_con, NULL };
DEVMGR_PLUGIN("t-graph", "1", t_provs, NULL);

static struct devmgr_ctx *ctx;

static void setup(void)
{
	tlog[0] = '\0';
	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
	ctx = NULL;
}

/* Load {"devmgr":1,"devices":{devs}}. */
static int load(const char *devs, struct devmgr_error *err)
{
	char json[8192];
	snprintf(json, sizeof(json), "{\"devmgr\": 1, \"devices\": {%s}}", devs);
	return devmgr_ctx_load_config_string(ctx, json, "<test>", err);
}

static void load_ok(const char *devs)
{
	struct devmgr_error err;
	int r = load(devs, &err);
	ck_assert_msg(r == 0, "load {%s}: %s", devs, err.text);
}

static void load_fails(const char *devs, int code, const char *ptr,
		       const char *text)
{
	struct devmgr_error err;
	int r = load(devs, &err);
	ck_assert_msg(r == code, "load {%s}: %d (%s), expected %d", devs, r,
		      err.text, code);
	ck_assert_int_eq(err.code, code);
	ck_assert_str_eq(err.source, "<test>");
	ck_assert_str_eq(err.pointer, ptr);
	ck_assert_msg(strstr(err.text, text) != NULL, "\"%s\" lacks \"%s\"",
		      err.text, text);
}

static enum devmgr_device_state state(const char *id)
{
	struct devmgr_device *d = devmgr_ctx_find_device(ctx, id);
	ck_assert_ptr_nonnull(d);
	return devmgr_device_state(d);
}

START_TEST(dependency_order)
{
	struct devmgr_error err;
	load_ok("\"top\": {\"provider\": \"t-stack\", \"on\": [\"mid\", \"b\"]},"
		"\"mid\": {\"provider\": \"t-stack\", \"on\": \"a\"},"
		"\"a\": {\"provider\": \"t-blk\"},"
		"\"b\": {\"provider\": \"t-blk\"}");
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 4);
	/* devices in file order */
	ck_assert_str_eq(devmgr_device_id(devmgr_ctx_device(ctx, 0)), "top");
	ck_assert_str_eq(devmgr_device_id(devmgr_ctx_device(ctx, 3)), "b");
	ck_assert_ptr_null(devmgr_ctx_device(ctx, 4));
	struct devmgr_device *top = devmgr_ctx_find_device(ctx, "top");
	ck_assert_uint_eq(devmgr_device_dep_count(top), 2);
	ck_assert_str_eq(devmgr_device_id(devmgr_device_dep(top, 0)), "mid");
	ck_assert_str_eq(devmgr_device_id(devmgr_device_dep(top, 1)), "b");
	ck_assert_ptr_null(devmgr_device_dep(top, 2));
	ck_assert_str_eq(devmgr_device_provider_name(top), "t-stack");
	ck_assert_str_eq(devmgr_device_sig_name(top), "blk");
	ck_assert_int_eq(state("top"), DEVMGR_DEVICE_CONFIGURED);
	ck_assert_ptr_null(devmgr_device_handle(top));

	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	/* independent devices in file order, each after its dependencies */
	ck_assert_str_eq(tlog, "+a +b +mid +top");
	ck_assert_int_eq(state("top"), DEVMGR_DEVICE_CREATED);
	struct devmgr_blk *h = devmgr_device_handle(top);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_eq(h->dev, top);
	char buf[256];
	ck_assert_int_gt(devmgr_device_info_json(top, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"sector_size\":512"));
	ck_assert_int_eq(devmgr_device_info_json(top, buf, 4), -ENOBUFS);

	tlog[0] = '\0';
	devmgr_ctx_destroy_devices(ctx);
	ck_assert_str_eq(tlog, "-top -mid -b -a");
	ck_assert_int_eq(state("a"), DEVMGR_DEVICE_DESTROYED);
	ck_assert_int_eq(devmgr_device_info_json(top, buf, sizeof(buf)),
			 -ENODEV);

	/* destroyed devices can be created again */
	tlog[0] = '\0';
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	ck_assert_str_eq(tlog, "+a +b +mid +top");
}
END_TEST

START_TEST(free_destroys_in_reverse)
{
	struct devmgr_error err;
	load_ok("\"x\": {\"provider\": \"t-stack\", \"on\": \"y\"},"
		"\"y\": {\"provider\": \"t-blk\"},"
		"\"z\": {\"provider\": \"t-con\"}");
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	/* devices without dependencies first, in file order */
	ck_assert_str_eq(tlog, "+y +z +x");
	tlog[0] = '\0';
	devmgr_ctx_free(ctx);
	ctx = NULL;
	ck_assert_str_eq(tlog, "-x -z -y");
}
END_TEST

START_TEST(long_chain)
{
	/* a 3000-deep stack: ordering is iterative */
	size_t n = 3000, cap = n * 64;
	char *devs = malloc(cap), *json = malloc(cap + 64);
	size_t len = 0;
	len += (size_t)snprintf(devs + len, cap - len,
				"\"d0\": {\"provider\": \"t-blk\"}");
	for (size_t i = 1; i < n; i++)
		len += (size_t)snprintf(devs + len, cap - len,
					", \"d%zu\": {\"provider\": \"t-stack\", "
					"\"on\": \"d%zu\"}",
					i, i - 1);
	snprintf(json, cap + 64, "{\"devmgr\": 1, \"devices\": {%s}}", devs);
	struct devmgr_error err;
	ck_assert_int_eq(devmgr_ctx_load_config_string(ctx, json, "<t>", &err),
			 0);
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	ck_assert_ptr_eq(strstr(tlog, "+d0 +d1 +d2 "), tlog);
	devmgr_ctx_destroy_devices(ctx);
	free(devs);
	free(json);
}
END_TEST

START_TEST(cycle_two)
{
	load_fails("\"a\": {\"provider\": \"t-stack\", \"on\": \"b\"},"
		   "\"b\": {\"provider\": \"t-stack\", \"on\": \"a\"}",
		   -ELOOP, "/devices/a/on", "dependency cycle: a -> b -> a");
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 0);
}
END_TEST

START_TEST(cycle_three_behind_a_tail)
{
	/* t hangs below the cycle x -> y -> z -> x */
	load_fails("\"ok\": {\"provider\": \"t-blk\"},"
		   "\"t\": {\"provider\": \"t-stack\", \"on\": [\"ok\", \"x\"]},"
		   "\"x\": {\"provider\": \"t-stack\", \"on\": \"y\"},"
		   "\"y\": {\"provider\": \"t-stack\", \"on\": \"z\"},"
		   "\"z\": {\"provider\": \"t-stack\", \"on\": \"x\"}",
		   -ELOOP, "/devices/x/on", "dependency cycle: x -> y -> z -> x");
}
END_TEST

START_TEST(cycle_self)
{
	load_fails("\"a\": {\"provider\": \"t-stack\", \"on\": \"a\"}", -ELOOP,
		   "/devices/a/on", "dependency cycle: a -> a");
}
END_TEST

START_TEST(on_errors)
{
	load_fails("\"a\": {\"provider\": \"t-stack\", \"on\": \"nope\"}",
		   -ENOENT, "/devices/a/on", "unknown device \"nope\"");
	load_fails("\"c\": {\"provider\": \"t-con\"},"
		   "\"a\": {\"provider\": \"t-stack\", \"on\": \"c\"}",
		   -EINVAL, "/devices/a/on",
		   "device \"c\" is a console, provider t-stack needs a blk");
	load_fails("\"b\": {\"provider\": \"t-blk\"},"
		   "\"a\": {\"provider\": \"t-stack\", \"on\": [\"b\", \"b\"]}",
		   -EINVAL, "/devices/a/on", "device \"b\" listed twice");
	load_fails("\"b\": {\"provider\": \"t-blk\"},"
		   "\"a\": {\"provider\": \"t-blk\", \"on\": \"b\"}",
		   -EINVAL, "/devices/a/on", "provider t-blk takes no \"on\"");
	load_fails("\"a\": {\"provider\": \"t-stack\"}", -EINVAL, "/devices/a",
		   "provider t-stack needs 1 to 4 \"on\" devices of signature blk");
	load_fails("\"b\": {\"provider\": \"t-blk\"},"
		   "\"a\": {\"provider\": \"t-stack\", \"on\": []}",
		   -EINVAL, "/devices/a/on",
		   "expected a device id or a non-empty list of them, got an array");
	load_fails("\"b\": {\"provider\": \"t-blk\"},"
		   "\"a\": {\"provider\": \"t-stack\", \"on\": [\"b\", 3]}",
		   -EINVAL, "/devices/a/on", "expected a device id, got an integer");
	load_fails("\"b\": {\"provider\": \"t-blk\"},"
		   "\"a\": {\"provider\": \"t-stack\", \"on\": "
		   "[\"b\", \"b\", \"b\", \"b\", \"b\"]}",
		   -EINVAL, "/devices/a/on", "needs 1 to 4");
}
END_TEST

START_TEST(failure_destroys_in_reverse)
{
	struct devmgr_error err;
	load_ok("\"a\": {\"provider\": \"t-blk\"},"
		"\"b\": {\"provider\": \"t-con\"},"
		"\"c\": {\"provider\": \"t-blk\", \"fail\": true},"
		"\"d\": {\"provider\": \"t-blk\"},"
		"\"e\": {\"provider\": \"t-stack\", \"on\": \"a\"}");
	int r = devmgr_ctx_create_devices(ctx, false, &err);
	ck_assert_int_eq(r, -EIO);
	ck_assert_int_eq(err.code, -EIO);
	ck_assert_str_eq(err.pointer, "/devices/c");
	ck_assert_str_eq(err.source, "<test>");
	ck_assert_str_eq(err.text, "asked to fail");
	ck_assert_str_eq(tlog, "+a +b !c -b -a");
	ck_assert_int_eq(state("a"), DEVMGR_DEVICE_DESTROYED);
	ck_assert_int_eq(state("b"), DEVMGR_DEVICE_DESTROYED);
	ck_assert_int_eq(state("c"), DEVMGR_DEVICE_FAILED);
	ck_assert_int_eq(state("d"), DEVMGR_DEVICE_CONFIGURED);
	ck_assert_int_eq(state("e"), DEVMGR_DEVICE_CONFIGURED);
	const struct devmgr_error *de =
		devmgr_device_error(devmgr_ctx_find_device(ctx, "c"));
	ck_assert_ptr_nonnull(de);
	ck_assert_str_eq(de->pointer, "/devices/c");
	ck_assert_ptr_null(devmgr_device_error(devmgr_ctx_find_device(ctx, "a")));
	char line[1400];
	ck_assert_str_eq(devmgr_error_format(&err, line, sizeof(line)),
			 "<test>: /devices/c: asked to fail");
	/* nothing more is destroyed afterwards */
	tlog[0] = '\0';
	devmgr_ctx_destroy_devices(ctx);
	ck_assert_str_eq(tlog, "");
}
END_TEST

START_TEST(first_failure)
{
	struct devmgr_error err;
	load_ok("\"a\": {\"provider\": \"t-blk\", \"fail\": true},"
		"\"b\": {\"provider\": \"t-blk\"}");
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), -EIO);
	ck_assert_str_eq(tlog, "!a");
	ck_assert_str_eq(err.pointer, "/devices/a");
}
END_TEST

START_TEST(keep_going)
{
	struct devmgr_error err;
	load_ok("\"a\": {\"provider\": \"t-blk\"},"
		"\"b\": {\"provider\": \"t-blk\", \"fail\": true},"
		"\"c\": {\"provider\": \"t-stack\", \"on\": \"b\"},"
		"\"d\": {\"provider\": \"t-blk\"},"
		"\"e\": {\"provider\": \"t-con\", \"fail\": true}");
	int r = devmgr_ctx_create_devices(ctx, true, &err);
	ck_assert_int_eq(r, 3); /* b, c (its dependency failed) and e */
	ck_assert_str_eq(err.pointer, "/devices/b"); /* the first failure */
	ck_assert_str_eq(err.text, "asked to fail");
	ck_assert_str_eq(tlog, "+a !b +d !e");
	ck_assert_int_eq(state("a"), DEVMGR_DEVICE_CREATED);
	ck_assert_int_eq(state("b"), DEVMGR_DEVICE_FAILED);
	ck_assert_int_eq(state("c"), DEVMGR_DEVICE_FAILED);
	ck_assert_int_eq(state("d"), DEVMGR_DEVICE_CREATED);
	const struct devmgr_error *ce =
		devmgr_device_error(devmgr_ctx_find_device(ctx, "c"));
	ck_assert_ptr_nonnull(ce);
	ck_assert_int_eq(ce->code, -ENODEV);
	ck_assert_str_eq(ce->pointer, "/devices/c");
	ck_assert_str_eq(ce->text,
			 "depends on device \"b\", which was not created");
	tlog[0] = '\0';
	devmgr_ctx_destroy_devices(ctx);
	ck_assert_str_eq(tlog, "-d -a");
}
END_TEST

START_TEST(no_configuration)
{
	struct devmgr_error err;
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), -EINVAL);
	ck_assert_str_eq(err.text, "no configuration loaded");
	devmgr_ctx_destroy_devices(ctx); /* harmless */
	ck_assert_str_eq(devmgr_device_state_name(DEVMGR_DEVICE_FAILED),
			 "failed");
	ck_assert_str_eq(devmgr_device_state_name((enum devmgr_device_state)99),
			 "?");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dependency_order);
	tcase_add_test(tc, free_destroys_in_reverse);
	tcase_add_test(tc, long_chain);
	tcase_add_test(tc, cycle_two);
	tcase_add_test(tc, cycle_three_behind_a_tail);
	tcase_add_test(tc, cycle_self);
	tcase_add_test(tc, on_errors);
	tcase_add_test(tc, failure_destroys_in_reverse);
	tcase_add_test(tc, first_failure);
	tcase_add_test(tc, keep_going);
	tcase_add_test(tc, no_configuration);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
