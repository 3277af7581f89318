/* Unit tests of the device graph (core/src/graph.c) through the public
 * API: creation in dependency order, cycles, failures and keep_going.
 * The test providers (testprov.c) are linked into this program. */
#include "testlib.h"
#include "testprov.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct devmgr_ctx *ctx;

static void setup(void)
{
	tlog[0] = '\0';
	ctx = testlib_ctx_new();
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
	ctx = NULL;
}

/* Load {"devmgr":1,"devices":{devs}}. */
static int load(const char *devs, struct devmgr_error *err)
{
	return testlib_load(ctx, devs, NULL, "<test>", err);
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
	testlib_assert_refused(r, &err, code, "<test>", ptr, text, devs);
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
	load_ok("\"top\": {\"provider\": \"t-stack\", \"on\": [\"mid\", "
		"\"b\"]},"
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
		len += (size_t)snprintf(
			devs + len, cap - len,
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
	load_fails(
		"\"ok\": {\"provider\": \"t-blk\"},"
		"\"t\": {\"provider\": \"t-stack\", \"on\": [\"ok\", \"x\"]},"
		"\"x\": {\"provider\": \"t-stack\", \"on\": \"y\"},"
		"\"y\": {\"provider\": \"t-stack\", \"on\": \"z\"},"
		"\"z\": {\"provider\": \"t-stack\", \"on\": \"x\"}",
		-ELOOP, "/devices/x/on", "dependency cycle: x -> y -> z -> x");
}
END_TEST

/* {"devmgr":1,"devices":{devs}} with a xenstore section, or without. */
static int load_xs(const char *devs, bool xs, struct devmgr_error *err)
{
	char json[4096];
	snprintf(json, sizeof(json), "{\"devmgr\": 1, \"devices\": {%s}%s}",
		 devs, xs ? ", \"xenstore\": {}" : "");
	return devmgr_ctx_load_config_string(ctx, json, "<test>", err);
}

START_TEST(waiting_for_xenstore)
{
	struct devmgr_error err;
	/* a and what sits on it wait; ok does not. */
	const char *devs = "\"ok\": {\"provider\": \"t-blk\"},"
			   "\"a\": {\"provider\": \"t-stack\", \"on\": "
			   "[\"ok\", \"vbd-51712\"]},"
			   "\"b\": {\"provider\": \"t-stack\", \"on\": \"a\"}";
	int r = load_xs(devs, true, &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 1);
	ck_assert_ptr_null(devmgr_ctx_find_device(ctx, "a"));
	ck_assert_ptr_null(devmgr_ctx_find_device(ctx, "b"));
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	ck_assert_int_eq(state("ok"), DEVMGR_DEVICE_CREATED);
}
END_TEST

START_TEST(waiting_refused)
{
	struct devmgr_error err;
	/* Without a xenstore section: unknown, as always. */
	int r = load_xs(
		"\"a\": {\"provider\": \"t-stack\", \"on\": \"vbd-51712\"}",
		false, &err);
	testlib_assert_refused(r, &err, -ENOENT, "<test>", "/devices/a/on",
			       "unknown device \"vbd-51712\"", "no xenstore");
	/* Not a xenstore id: a class it does not read, a devid not a number. */
	r = load_xs("\"a\": {\"provider\": \"t-stack\", \"on\": \"disk-1\"}",
		    true, &err);
	ck_assert_int_eq(r, -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.text, "not a xenstore device id"));
	r = load_xs("\"a\": {\"provider\": \"t-stack\", \"on\": \"vbd-xvda\"}",
		    true, &err);
	ck_assert_int_eq(r, -ENOENT);
	/* A cycle among waiting devices. */
	r = load_xs("\"a\": {\"provider\": \"t-stack\", \"on\": [\"vbd-1\", "
		    "\"b\"]},"
		    "\"b\": {\"provider\": \"t-stack\", \"on\": \"a\"}",
		    true, &err);
	testlib_assert_refused(
		r, &err, -ELOOP, "<test>", "/devices/a/on",
		"dependency cycle through device \"a\", which waits "
		"for xenstore device \"vbd-1\"",
		"waiting cycle");
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
		   "provider t-stack needs 1 to 4 \"on\" devices of signature "
		   "blk");
	load_fails("\"b\": {\"provider\": \"t-blk\"},"
		   "\"a\": {\"provider\": \"t-stack\", \"on\": []}",
		   -EINVAL, "/devices/a/on",
		   "expected a device id or a non-empty list of them, got an "
		   "array");
	load_fails("\"b\": {\"provider\": \"t-blk\"},"
		   "\"a\": {\"provider\": \"t-stack\", \"on\": [\"b\", 3]}",
		   -EINVAL, "/devices/a/on",
		   "expected a device id, got an integer");
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
	ck_assert_ptr_null(
		devmgr_device_error(devmgr_ctx_find_device(ctx, "a")));
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
	tcase_add_test(tc, waiting_for_xenstore);
	tcase_add_test(tc, waiting_refused);
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
	return testlib_run(suite());
}
