/* Unit tests of the xenstore mapping (core/src/xs_map.c): strict integers,
 * Linux's names for Xen disks, the state protocol's verdicts, placeholders
 * and their errors.  Built over the core's sources, since the mapping is
 * internal to libdevmgr. */
#include "xs_map.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(strict_integers)
{
	unsigned long v;
	ck_assert_int_eq(devmgr__xs_uint("0", 8, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(devmgr__xs_uint("8", 8, &v), 0);
	ck_assert_uint_eq(v, 8);
	ck_assert_int_eq(devmgr__xs_uint("4294967295", 0xffffffffu, &v), 0);
	static const char *const bad[] = { "",	  "9",	"04",	     "+4",
					   "-1",  " 4", "4 ",	     "4x",
					   "0x4", "99", "4294967296" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(devmgr__xs_uint(bad[i], i == 10 ? 0xffffffffu : 8,
					      &v) < 0,
			      "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(vdev_names)
{
	static const struct {
		unsigned long vdev;
		const char *name;
	} cases[] = {
		{ 51712, "xvda" },	/* 202:0 */
		{ 51713, "xvda1" },	/* 202:1 */
		{ 51729, "xvdb1" },	/* 202:17 */
		{ 51952, "xvdp" },	/* 202:240 */
		{ 768, "xvda" },	/* hda */
		{ 832, "xvdb" },	/* hdb: 3:64 */
		{ 5632, "xvdc" },	/* hdc: 22:0 */
		{ 5697, "xvdd1" },	/* hdd1: 22:65 */
		{ 2048, "xvda" },	/* sda: 8:0 */
		{ 2064, "xvdb" },	/* sdb: 8:16 */
		{ 2079, "xvdb15" },	/* sdb15 */
		{ 16640, "xvdq" },	/* 65:0 -> 16 */
		{ 32768, "xvddy" },	/* 128:0 -> 128 */
		{ 268435456, "xvda" },	/* extended 0 */
		{ 268442368, "xvdab" }, /* extended disk 27 */
		{ 268442369, "xvdab1" },
		{ (1ul << 28) | (702ul << 8), "xvdaaa" },
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(
			devmgr__xs_vdev_name(cases[i].vdev, buf, sizeof(buf)),
			0);
		ck_assert_str_eq(buf, cases[i].name);
	}
	/* 91 is the tenth IDE major: disks 18 and 19. */
	ck_assert_int_eq(devmgr__xs_vdev_name(91ul << 8, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xvds");
	/* Majors Linux refuses, and numbers above the extended range. */
	static const unsigned long bad[] = { 1ul << 8, 9ul << 8, 200ul << 8,
					     1ul << 29, 0x10000 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_lt(devmgr__xs_vdev_name(bad[i], buf, sizeof(buf)),
				 0);
}
END_TEST

static struct devmgr_ctx *ctx;
static json_t *root;

static void setup(void)
{
	struct devmgr_error err;
	ctx = devmgr_ctx_new();
	root = json_loads(
		"{\"vbd\":{\"provider\":\"blk-ram\",\"size\":\"{backend.size}"
		"\"},"
		"\"vif\":{\"provider\":\"blk-ram\",\"size\":\"4K\","
		"\"read_only\":\"{frontend.mac!=x}\"},"
		"\"console\":{\"provider\":\"blk-ram\",\"size\":\"{{\"},"
		"\"weird\":{\"provider\":\"blk-ram\",\"size\":\"{nope}\"}}",
		0, NULL);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(
		devmgr_ctx_load_config_string(
			ctx, "{\"devmgr\":1,\"devices\":{}}", NULL, &err),
		0);
}

static void teardown(void)
{
	json_decref(root);
	devmgr_ctx_free(ctx);
}

/* Evaluate a vbd 51712 of domain 7 with the given trees (JSON text). */
static struct xs_result eval(const char *cls, const char *front,
			     const char *back)
{
	static char fpath[128];
	struct xs_result res;
	snprintf(fpath, sizeof(fpath), "/local/domain/7/device/%s/51712", cls);
	json_t *f = json_loads(front, 0, NULL),
	       *b = back ? json_loads(back, 0, NULL) : NULL;
	struct xs_view v = { cls, "51712", fpath, 7, f, b };
	devmgr__xs_evaluate(ctx, root, &v, &res);
	json_decref(f);
	json_decref(b);
	return res;
}

#define FRONT(state)                                                           \
	"{\"backend\":\"/local/domain/0/backend/vbd/7/51712\","                \
	"\"backend-id\":\"0\",\"state\":\"" state "\"}"
#define BACK(state, extra)                                                     \
	"{\"frontend\":\"/local/domain/7/device/vbd/51712\","                  \
	"\"frontend-id\":\"7\",\"mode\":\"w\",\"state\":\"" state "\"" extra   \
	"}"

START_TEST(states)
{
	struct xs_result r =
		eval("vbd", FRONT("4"), BACK("4", ",\"size\":\"64K\""));
	ck_assert_int_eq(r.verdict, XS_UP);
	/* as a JSON file would hold it; the provider's checks convert it */
	ck_assert_str_eq(json_string_value(json_object_get(r.spec, "size")),
			 "64K");
	ck_assert_str_eq(json_string_value(json_object_get(r.spec, "provider")),
			 "blk-ram");
	/* vbd's class default: read_only from the backend's mode */
	ck_assert(json_is_false(json_object_get(r.spec, "read_only")));
	json_decref(r.spec);
	r = eval("vbd", FRONT("4"),
		 "{\"frontend\":\"/local/domain/7/device/vbd/51712\","
		 "\"frontend-id\":\"7\",\"mode\":\"r\",\"state\":\"4\","
		 "\"size\":\"1\"}");
	ck_assert_int_eq(r.verdict, XS_UP);
	ck_assert(json_is_true(json_object_get(r.spec, "read_only")));
	json_decref(r.spec);
	r = eval("vbd", FRONT("3"), BACK("4", ",\"size\":\"64K\""));
	ck_assert_int_eq(r.verdict, XS_WAITING);
	r = eval("vbd", FRONT("4"), BACK("5", ""));
	ck_assert_int_eq(r.verdict, XS_CLOSED);
	r = eval("vbd", FRONT("6"), BACK("4", ""));
	ck_assert_int_eq(r.verdict, XS_CLOSED);
	r = eval("vbd", FRONT("4"), NULL);
	ck_assert_int_eq(r.verdict, XS_INCOMPLETE);
	ck_assert_str_eq(
		r.text,
		"backend /local/domain/0/backend/vbd/7/51712 is missing");
	r = eval("vbd", "{\"state\":\"1\"}", NULL);
	ck_assert_int_eq(r.verdict, XS_INCOMPLETE);
	ck_assert_str_eq(r.text,
			 "/local/domain/7/device/vbd/51712 has no backend-id");
	r = eval("vbd", FRONT("4"), "{\"state\":\"4\",\"frontend-id\":\"7\"}");
	ck_assert_int_eq(r.verdict, XS_INCOMPLETE);
	ck_assert_str_eq(
		r.text,
		"backend /local/domain/0/backend/vbd/7/51712 has no frontend");
}
END_TEST

START_TEST(placeholders)
{
	struct xs_result r = eval("vbd", FRONT("4"), BACK("4", ""));
	ck_assert_int_eq(r.verdict, XS_BAD);
	ck_assert_str_eq(
		r.text,
		"backend /local/domain/0/backend/vbd/7/51712 has no size");
	ck_assert_str_eq(r.where, "/local/domain/0/backend/vbd/7/51712");
	r = eval("vbd", FRONT("4"), BACK("4", ",\"size\":\"big\""));
	ck_assert_int_eq(r.verdict, XS_BAD);
	ck_assert_ptr_nonnull(strstr(r.text, "size"));
	r = eval("vbd", FRONT("4"), BACK("4", ",\"size\":null"));
	ck_assert_int_eq(r.verdict, XS_BAD);
	ck_assert_str_eq(r.text,
			 "/local/domain/0/backend/vbd/7/51712/size: value is "
			 "not printable text of at most 1024 bytes");
	r = eval("weird", "{}", NULL); /* frontend checks come first */
	ck_assert_int_eq(r.verdict, XS_INCOMPLETE);
}
END_TEST

/* The hostile values of the frontend: each a BAD verdict naming the key. */
START_TEST(hostile_frontend)
{
	static const struct {
		const char *front, *text;
	} cases[] = {
		{ "{\"backend\":\"/local/domain/0/backend/vbd/7/../7/"
		  "51712\",\"backend-id\":\"0\",\"state\":\"4\"}",
		  "/local/domain/7/device/vbd/51712/backend: "
		  "\"/local/domain/0/backend/vbd/7/../7/51712\" is not "
		  "/local/domain/0/backend/vbd/7/51712" },
		{ "{\"backend\":\"/local/domain/0/backend/vbd/7/"
		  "51712\",\"backend-id\":\"1\",\"state\":\"4\"}",
		  "/local/domain/7/device/vbd/51712/backend: "
		  "\"/local/domain/0/backend/vbd/7/51712\" is not "
		  "/local/domain/1/backend/vbd/7/51712" },
		{ "{\"backend\":\"/local/domain/0/backend/vbd/7/"
		  "51712\",\"backend-id\":\"0\",\"state\":\"9\"}",
		  "/local/domain/7/device/vbd/51712/state: \"9\" is not an "
		  "integer "
		  "from 0 to 8" },
		{ "{\"backend\":\"/local/domain/0/backend/vbd/7/"
		  "51712\",\"backend-id\":\"32752\",\"state\":\"4\"}",
		  "/local/domain/7/device/vbd/51712/backend-id: \"32752\" is "
		  "not an "
		  "integer from 0 to 32751" },
		{ "{\"backend\":null,\"backend-id\":\"0\",\"state\":\"4\"}",
		  "/local/domain/7/device/vbd/51712/backend: \"(not text)\" is "
		  "not "
		  "/local/domain/0/backend/vbd/7/51712" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xs_result r = eval("vbd", cases[i].front, BACK("4", ""));
		ck_assert_int_eq(r.verdict, XS_BAD);
		ck_assert_str_eq(r.text, cases[i].text);
		ck_assert_str_eq(r.where, "/local/domain/7/device/vbd/51712");
	}
}
END_TEST

int main(void)
{
	/* blk-ram is linked in; the build's plugin would be a duplicate. */
	setenv("DEVMGR_PLUGIN_PATH", "/nonexistent", 1);
	Suite *s = suite_create("xs_map");
	TCase *t = tcase_create("pure");
	tcase_add_test(t, strict_integers);
	tcase_add_test(t, vdev_names);
	suite_add_tcase(s, t);
	t = tcase_create("evaluate");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, states);
	tcase_add_test(t, placeholders);
	tcase_add_test(t, hostile_frontend);
	suite_add_tcase(s, t);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
