/* Unit tests of typed parameters (core/src/param.c): types, defaults,
 * sizes, bounds and PATH resolution, seen by a test provider's create(). */
#include "testlib.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the last create() saw. */
static struct {
	char name[256], file[PATH_MAX + 64];
	bool have_name, have_file, enabled, count_present;
	int64_t count, size;
} seen;

static const struct devmgr_param tp_params[] = {
	{ "name", DEVMGR_PARAM_STRING, 0, "\"dflt\"", "a string", 0, 0 },
	{ "enabled", DEVMGR_PARAM_BOOL, 0, "true", "a bool", 0, 0 },
	{ "count", DEVMGR_PARAM_INT, 0, "7", "an int", -5, 100 },
	{ "size", DEVMGR_PARAM_SIZE, 0, "4096", "a size", 512,
	  (int64_t)1 << 40 },
	{ "file", DEVMGR_PARAM_PATH, 0, NULL, "a path", 0, 0 },
	{ "big", DEVMGR_PARAM_INT, 0, NULL, "unbounded", 0, 0 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 },
};

static const struct devmgr_param treq_params[] = {
	{ "key", DEVMGR_PARAM_STRING, DEVMGR_PARAM_REQUIRED, NULL, "needed", 0,
	  0 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 },
};

static int tp_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	(void)err;
	memset(&seen, 0, sizeof(seen));
	const char *s = devmgr_param_str(dev, "name");
	seen.have_name = s != NULL;
	if (s)
		snprintf(seen.name, sizeof(seen.name), "%s", s);
	s = devmgr_param_str(dev, "file");
	seen.have_file = s != NULL;
	if (s)
		snprintf(seen.file, sizeof(seen.file), "%s", s);
	seen.enabled = devmgr_param_bool(dev, "enabled");
	seen.count = devmgr_param_int(dev, "count");
	seen.count_present = devmgr_param_present(dev, "count");
	seen.size = devmgr_param_int(dev, "size");
	return 0;
}

#define PROV(n, params_)                                                       \
	{                                                                      \
		.size = sizeof(struct devmgr_provider), .name = n,             \
		.help = "test", .sig = "blk", .sig_major = DEVMGR_BLK_MAJOR,   \
		.sig_minor = DEVMGR_BLK_MINOR, .ops = &testlib_blk_ops,        \
		.params = params_, .create = tp_create,                        \
	}
static const struct devmgr_provider t_param = PROV("t-param", tp_params);
static const struct devmgr_provider t_req = PROV("t-req", treq_params);
static const struct devmgr_provider t_none = PROV("t-none", NULL);
static const struct devmgr_provider *const t_provs[] = { &t_param, &t_req,
							 &t_none, NULL };
DEVMGR_PLUGIN("t-params", "1", t_provs, NULL);

static struct devmgr_ctx *ctx;

static void setup(void)
{
	ctx = testlib_ctx_new();
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
	ctx = NULL;
}

static int try_dev(const char *prov, const char *params,
		   struct devmgr_error *err)
{
	testlib_ctx_reset(&ctx);
	return testlib_create_device(ctx, "d", prov, params, "<p>", err);
}

static void ok(const char *params)
{
	struct devmgr_error err;
	int r = try_dev("t-param", params, &err);
	ck_assert_msg(r == 0, "{%s}: %s", params, err.text);
}

static void bad(const char *prov, const char *params, int code, const char *ptr,
		const char *msg)
{
	struct devmgr_error err;
	int r = try_dev(prov, params, &err);
	testlib_assert_refused(r, &err, code, "<p>", ptr, msg, params);
}

START_TEST(defaults)
{
	ok("");
	ck_assert(seen.have_name);
	ck_assert_str_eq(seen.name, "dflt");
	ck_assert(seen.enabled);
	ck_assert_int_eq(seen.count, 7);
	ck_assert(!seen.count_present);
	ck_assert_int_eq(seen.size, 4096);
	ck_assert(!seen.have_file); /* no default: NULL */
	struct devmgr_error err;
	ck_assert_int_eq(try_dev("t-none", "", &err), 0);
}
END_TEST

START_TEST(given_values)
{
	ok("\"name\": \"x y\", \"enabled\": false, \"count\": -5, \"size\": "
	   "1000");
	ck_assert_str_eq(seen.name, "x y");
	ck_assert(!seen.enabled);
	ck_assert_int_eq(seen.count, -5);
	ck_assert(seen.count_present);
	ck_assert_int_eq(seen.size, 1000);
	ok("\"count\": 100");
	ck_assert_int_eq(seen.count, 100);
	ok("\"big\": 9223372036854775807");
	ok("\"big\": -9223372036854775808");
	ok("\"name\": \"\"");
	ck_assert_str_eq(seen.name, "");
}
END_TEST

START_TEST(sizes)
{
	ok("\"size\": \"64K\"");
	ck_assert_int_eq(seen.size, 64 * 1024);
	ok("\"size\": \"16M\"");
	ck_assert_int_eq(seen.size, 16 * 1024 * 1024);
	ok("\"size\": \"1G\"");
	ck_assert_int_eq(seen.size, (int64_t)1 << 30);
	ok("\"size\": \"1024G\"");
	ck_assert_int_eq(seen.size, (int64_t)1 << 40);
	ok("\"size\": \"4096\"");
	ck_assert_int_eq(seen.size, 4096);
	ok("\"size\": 512");
	ck_assert_int_eq(seen.size, 512);
	static const char *const wrong[] = {
		"\"64KB\"",
		"\"64k\"",
		"\"K\"",
		"\"\"",
		"\" 64K\"",
		"\"-1\"",
		"\"1.5M\"",
		"\"99999999999999999999\"",
		"\"9999999999999G\"",
	};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), "\"size\": %s", wrong[i]);
		bad("t-param", p, -EINVAL, "/devices/d/size",
		    "invalid size \"");
	}
	bad("t-param", "\"size\": -1", -EINVAL, "/devices/d/size",
	    "invalid size an integer");
	bad("t-param", "\"size\": 1.5", -EINVAL, "/devices/d/size",
	    "invalid size a number");
	bad("t-param", "\"size\": true", -EINVAL, "/devices/d/size",
	    "invalid size a boolean");
}
END_TEST

START_TEST(bounds)
{
	bad("t-param", "\"count\": 101", -ERANGE, "/devices/d/count",
	    "101 is out of range (-5 to 100)");
	bad("t-param", "\"count\": -6", -ERANGE, "/devices/d/count",
	    "-6 is out of range (-5 to 100)");
	bad("t-param", "\"size\": 511", -ERANGE, "/devices/d/size",
	    "511 is out of range (512 to 1099511627776)");
	bad("t-param", "\"size\": \"2048G\"", -ERANGE, "/devices/d/size",
	    "is out of range");
	bad("t-param", "\"count\": 1e3", -EINVAL, "/devices/d/count",
	    "expected an integer, got a number");
}
END_TEST

START_TEST(types)
{
	bad("t-param", "\"enabled\": \"yes\"", -EINVAL, "/devices/d/enabled",
	    "expected a boolean, got a string");
	bad("t-param", "\"enabled\": 1", -EINVAL, "/devices/d/enabled",
	    "expected a boolean, got an integer");
	bad("t-param", "\"count\": \"3\"", -EINVAL, "/devices/d/count",
	    "expected an integer, got a string");
	bad("t-param", "\"count\": null", -EINVAL, "/devices/d/count",
	    "expected an integer, got null");
	bad("t-param", "\"name\": 5", -EINVAL, "/devices/d/name",
	    "expected a string, got an integer");
	bad("t-param", "\"name\": {}", -EINVAL, "/devices/d/name",
	    "expected a string, got an object");
	bad("t-param", "\"file\": []", -EINVAL, "/devices/d/file",
	    "expected a string, got an array");
	bad("t-param", "\"file\": \"\"", -EINVAL, "/devices/d/file",
	    "a path must be 1 to");
	bad("t-param", "\"cuont\": 3", -EINVAL, "/devices/d/cuont",
	    "unknown parameter \"cuont\" for provider t-param (did you mean "
	    "\"count\"?)");
	bad("t-param", "\"wholly_other\": 3", -EINVAL,
	    "/devices/d/wholly_other",
	    "unknown parameter \"wholly_other\" for provider t-param");
	bad("t-none", "\"x\": 3", -EINVAL, "/devices/d/x",
	    "unknown parameter \"x\" for provider t-none");
	bad("t-req", "", -EINVAL, "/devices/d",
	    "missing required parameter \"key\" for provider t-req");
	struct devmgr_error err;
	ck_assert_int_eq(try_dev("t-req", "\"key\": \"v\"", &err), 0);
}
END_TEST

START_TEST(paths)
{
	/* from a string: no folder, a relative path stays relative */
	ok("\"file\": \"data/img\"");
	ck_assert_str_eq(seen.file, "data/img");
	ok("\"file\": \"/abs/img\"");
	ck_assert_str_eq(seen.file, "/abs/img");

	/* from a file: relative to the file's (real) folder */
	char dir[] = "/tmp/test_param.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char real[PATH_MAX], path[PATH_MAX + 32], want[PATH_MAX + 32];
	ck_assert_ptr_nonnull(realpath(dir, real));
	snprintf(path, sizeof(path), "%s/c.json", dir);
	static const char *const cases[][2] = {
		{ "data/img", "%s/data/img" },
		{ "/abs/img", "/abs/img" },
		{ "../up", "%s/../up" },
	};
	for (size_t i = 0; i < 3; i++) {
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f,
			"{\"devmgr\": 1, \"devices\": {\"d\": {\"provider\": "
			"\"t-param\", \"file\": \"%s\"}}}\n",
			cases[i][0]);
		fclose(f);
		testlib_ctx_reset(&ctx);
		struct devmgr_error err;
		ck_assert_int_eq(devmgr_ctx_load_config(ctx, path, &err), 0);
		ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err),
				 0);
		snprintf(want, sizeof(want), cases[i][1], real);
		ck_assert_str_eq(seen.file, want);
	}
	/* a relative config path works too */
	char cwd[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	testlib_ctx_reset(&ctx);
	struct devmgr_error err;
	ck_assert_int_eq(devmgr_ctx_load_config(ctx, "c.json", &err), 0);
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	snprintf(want, sizeof(want), "%s/../up", real);
	ck_assert_str_eq(seen.file, want);
	ck_assert_int_eq(chdir(cwd), 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("param");
	TCase *tc = tcase_create("param");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, given_values);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, types);
	tcase_add_test(tc, paths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(suite());
}
