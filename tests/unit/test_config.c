/* Unit tests of configuration loading (core/src/config.c, run.c, error.c)
 * through devmgr_ctx_load_config_string(): where each error points and
 * what it says, devmgr_error_format() and devmgr_err_name().  blk-ram and
 * the console providers are linked into this program. */
#include "testlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void reset(void)
{
	testlib_ctx_reset(&ctx);
}

/* text must be refused with code, pointer ptr and a message holding msg. */
static void refused(const char *text, int code, const char *ptr,
		    const char *msg)
{
	struct devmgr_error err;
	reset();
	int r = devmgr_ctx_load_config_string(ctx, text, "cfg.json", &err);
	testlib_assert_refused(r, &err, code, "cfg.json", ptr, msg, text);
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 0);
}

static void syntax(const char *text, int line)
{
	struct devmgr_error err;
	reset();
	int r = devmgr_ctx_load_config_string(ctx, text, "cfg.json", &err);
	ck_assert_msg(r == -EINVAL, "%s: got %d", text, r);
	ck_assert_str_eq(err.pointer, "");
	ck_assert_str_eq(err.source, "cfg.json");
	ck_assert_msg(err.text[0] != '\0', "no message");
	if (line) {
		ck_assert_int_eq(err.line, line);
		ck_assert_int_ge(err.column, 1);
	}
}

START_TEST(valid)
{
	struct devmgr_error err;
	const char *text =
		"{\"devmgr\": 1, \"devices\": {"
		" \"disk0\": {\"provider\": \"blk-ram\", \"size\": \"64K\"},"
		" \"log\": {\"provider\": \"console-stdio\"}}}";
	ck_assert_int_eq(devmgr_ctx_load_config_string(ctx, text, NULL, &err),
			 0);
	ck_assert_int_eq(err.code, 0);
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 2);
	struct devmgr_device *d = devmgr_ctx_find_device(ctx, "disk0");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(devmgr_device_provider_name(d), "blk-ram");
	ck_assert_str_eq(devmgr_device_sig_name(d), "blk");
	ck_assert_ptr_null(devmgr_device_source(d));
	ck_assert_int_eq(devmgr_device_state(d), DEVMGR_DEVICE_CONFIGURED);
	ck_assert_ptr_null(devmgr_ctx_find_device(ctx, "disk1"));
	ck_assert_ptr_nonnull(devmgr_ctx_find_provider(ctx, "console-file"));
	ck_assert_ptr_null(devmgr_ctx_find_provider(ctx, "nope"));
	/* one configuration per context */
	ck_assert_int_eq(devmgr_ctx_load_config_string(ctx, text, NULL, &err),
			 -EBUSY);
	ck_assert_str_eq(err.text, "a configuration is loaded already");
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 2);
	/* an empty device set is valid */
	reset();
	ck_assert_int_eq(
		devmgr_ctx_load_config_string(
			ctx, "{\"devmgr\": 1, \"devices\": {}}", NULL, &err),
		0);
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 0);
	ck_assert_int_eq(devmgr_ctx_create_devices(ctx, false, &err), 0);
	/* a NULL err is allowed */
	reset();
	ck_assert_int_eq(devmgr_ctx_load_config_string(ctx, "[", NULL, NULL),
			 -EINVAL);
}
END_TEST

START_TEST(syntax_errors)
{
	syntax("", 0);
	syntax("{", 1);
	syntax("{\"devmgr\": 1,\n  \"devices\": {,}}", 2);
	syntax("{\"devmgr\": 1,\n\n \"devices\": {}, }", 3);
	syntax("\"disk\"", 1);
	syntax("{\"devmgr\": 1, \"devices\": {}}}", 1);
	syntax("{\"devmgr\": 1, \"devices\": {\"a\": \"b}}", 1);
	/* duplicate keys are refused by the parser */
	syntax("{\"devmgr\": 1,\n \"devmgr\": 1, \"devices\": {}}", 2);

	struct devmgr_error err;
	char line[1400];
	reset();
	devmgr_ctx_load_config_string(
		ctx, "{\"devmgr\": 1,\n  \"devices\": {,}}", "cfg.json", &err);
	char want[64];
	snprintf(want, sizeof(want), "cfg.json:2:%d: ", err.column);
	ck_assert_ptr_eq(
		strstr(devmgr_error_format(&err, line, sizeof(line)), want),
		line);
}
END_TEST

START_TEST(root_errors)
{
	refused("[]", -EINVAL, "/", "expected an object, got an array");
	refused("{\"devices\": {}}", -EINVAL, "/",
		"missing required key \"devmgr\"");
	refused("{\"devmgr\": 2, \"devices\": {}}", -EINVAL, "/devmgr",
		"unsupported format version 2 (this devmgr reads 1)");
	refused("{\"devmgr\": \"1\", \"devices\": {}}", -EINVAL, "/devmgr",
		"expected the format version 1, got a string");
	refused("{\"devmgr\": 1.0, \"devices\": {}}", -EINVAL, "/devmgr",
		"got a number");
	refused("{\"devmgr\": 1}", -EINVAL, "/",
		"missing required key \"devices\"");
	refused("{\"devmgr\": 1, \"devices\": []}", -EINVAL, "/devices",
		"expected an object, got an array");
	refused("{\"devmgr\": 1, \"devices\": {}, \"devics\": {}}", -EINVAL,
		"/devics",
		"unknown key \"devics\" (did you mean \"devices\"?)");
	refused("{\"devmgr\": 1, \"devices\": {}, \"zzzzzz\": 1}", -EINVAL,
		"/zzzzzz", "unknown key \"zzzzzz\"");
	refused("{\"devmgr\": 1, \"devices\": {}, \"a/b~c\": 1}", -EINVAL,
		"/a~1b~0c", "unknown key");
	refused("{\"devmgr\": 1, \"devices\": {}, \"plugin_path\": \"x\"}",
		-EINVAL, "/plugin_path", "expected an array, got a string");
	refused("{\"devmgr\": 1, \"devices\": {}, \"plugin_path\": [\"\"]}",
		-EINVAL, "/plugin_path/0", "expected a non-empty folder name");
	refused("{\"devmgr\": 1, \"devices\": {}, \"xenstore\": "
		"{\"domain_path\": 3}}",
		-EINVAL, "/xenstore/domain_path",
		"expected a string, got an integer");
	refused("{\"devmgr\": 1, \"devices\": {}, \"xenstore\": "
		"{\"domain_path\": \"local\"}}",
		-EINVAL, "/xenstore/domain_path", "expected an absolute");
	refused("{\"devmgr\": 1, \"devices\": {}, \"xenstore\": {\"mpa\": {}}}",
		-EINVAL, "/xenstore/mpa", "(did you mean \"map\"?)");
}
END_TEST

START_TEST(device_errors)
{
#define DEVS(x) "{\"devmgr\": 1, \"devices\": {" x "}}"
	refused(DEVS("\"0disk\": {\"provider\": \"blk-ram\"}"), -EINVAL,
		"/devices/0disk", "invalid device id \"0disk\"");
	refused(DEVS("\"my disk\": {\"provider\": \"blk-ram\"}"), -EINVAL,
		"/devices/my disk", "invalid device id");
	refused(DEVS("\"a/b\": {\"provider\": \"blk-ram\"}"), -EINVAL,
		"/devices/a~1b", "invalid device id");
	refused(DEVS("\"a\": \"blk-ram\""), -EINVAL, "/devices/a",
		"expected an object, got a string");
	refused(DEVS("\"a\": {\"size\": 512}"), -EINVAL, "/devices/a",
		"missing \"provider\"");
	refused(DEVS("\"a\": {\"provider\": 7}"), -EINVAL,
		"/devices/a/provider", "expected a string, got an integer");
	refused(DEVS("\"a\": {\"provider\": \"blk-rma\", \"size\": 512}"),
		-ENOENT, "/devices/a/provider",
		"unknown provider \"blk-rma\" (did you mean \"blk-ram\"?)");
	refused(DEVS("\"a\": {\"provider\": \"qqqqqq\"}"), -ENOENT,
		"/devices/a/provider", "unknown provider \"qqqqqq\"");
	refused(DEVS("\"a\": {\"provider\": \"console-stdio\", \"on\": \"b\"}"),
		-EINVAL, "/devices/a/on",
		"provider console-stdio takes no \"on\"");
	refused(DEVS("\"a\": {\"provider\": \"blk-ram\", \"sise\": 512}"),
		-EINVAL, "/devices/a/sise",
		"unknown parameter \"sise\" for provider blk-ram (did you mean "
		"\"size\"?)");
	refused(DEVS("\"a\": {\"provider\": \"console-file\"}"), -EINVAL,
		"/devices/a",
		"missing required parameter \"path\" for provider "
		"console-file");
	refused(DEVS("\"a\": {\"provider\": \"blk-ram\", \"size\": \"64Q\"}"),
		-EINVAL, "/devices/a/size", "invalid size \"64Q\"");
	char id[80];
	memset(id, 'x', 65);
	id[65] = '\0';
	char text[256];
	snprintf(text, sizeof(text),
		 DEVS("\"%s\": {\"provider\": \"blk-ram\"}"), id);
	char ptr[128];
	snprintf(ptr, sizeof(ptr), "/devices/%s", id);
	refused(text, -EINVAL, ptr, "invalid device id");
	id[64] = '\0'; /* 64 characters are fine */
	snprintf(text, sizeof(text),
		 DEVS("\"%s\": {\"provider\": \"blk-ram\", \"size\": 512}"),
		 id);
	reset();
	struct devmgr_error err;
	ck_assert_int_eq(devmgr_ctx_load_config_string(ctx, text, NULL, &err),
			 0);
#undef DEVS
}
END_TEST

START_TEST(app_errors)
{
#define APP(x)                                                                 \
	"{\"devmgr\": 1, \"devices\": {\"d\": {\"provider\": \"blk-ram\", "    \
	"\"size\": 512}}, \"app\": " x "}"
	refused(APP("[]"), -EINVAL, "/app", "expected an object, got an array");
	refused(APP("{}"), -EINVAL, "/app", "missing \"name\"");
	refused(APP("{\"name\": 1}"), -EINVAL, "/app/name",
		"expected a string, got an integer");
	refused(APP("{\"name\": \"x\", \"bnid\": {}}"), -EINVAL, "/app/bnid",
		"unknown key \"bnid\" (did you mean \"bind\"?)");
	refused(APP("{\"name\": \"x\", \"bind\": []}"), -EINVAL, "/app/bind",
		"expected an object, got an array");
	refused(APP("{\"name\": \"x\", \"args\": 3}"), -EINVAL, "/app/args",
		"expected an object, got an integer");
	refused(APP("{\"name\": \"x\", \"bind\": {\"disk\": \"nope\"}}"),
		-ENOENT, "/app/bind/disk", "unknown device \"nope\"");
	refused(APP("{\"name\": \"x\", \"bind\": {\"disk\": 3}}"), -EINVAL,
		"/app/bind/disk", "expected a device id");
	refused(APP("{\"name\": \"no-such-app\"}"), -ENOENT, "/app/name",
		"unknown app \"no-such-app\"");
#undef APP
}
END_TEST

START_TEST(load_file)
{
	struct devmgr_error err;
	int r = devmgr_ctx_load_config(ctx, "/nonexistent/devmgr.json", &err);
	ck_assert_int_lt(r, 0);
	ck_assert_str_eq(err.source, "/nonexistent/devmgr.json");
	ck_assert_msg(err.text[0], "no message");

	char dir[] = "/tmp/test_config.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/c.json", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"devmgr\": 1,\n \"devices\": {\n  \"a\": {\"provider\": "
	      "3}}}\n",
	      f);
	fclose(f);
	reset();
	ck_assert_int_eq(devmgr_ctx_load_config(ctx, path, &err), -EINVAL);
	ck_assert_str_eq(err.source, path);
	ck_assert_str_eq(err.pointer, "/devices/a/provider");
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(error_format)
{
	struct devmgr_error e;
	char buf[1400];
	devmgr_error_clear(&e);
	ck_assert_int_eq(devmgr_error_set(&e, -EINVAL, "bad %d", 7), -EINVAL);
	ck_assert_str_eq(devmgr_error_format(&e, buf, sizeof(buf)), "bad 7");
	snprintf(e.pointer, sizeof(e.pointer), "/devices/a");
	ck_assert_str_eq(devmgr_error_format(&e, buf, sizeof(buf)),
			 "/devices/a: bad 7");
	snprintf(e.source, sizeof(e.source), "f.json");
	ck_assert_str_eq(devmgr_error_format(&e, buf, sizeof(buf)),
			 "f.json: /devices/a: bad 7");
	e.line = 3;
	e.column = 9;
	ck_assert_str_eq(devmgr_error_format(&e, buf, sizeof(buf)),
			 "f.json:3:9: bad 7");
	e.line = 0;
	e.pointer[0] = '\0';
	ck_assert_str_eq(devmgr_error_format(&e, buf, sizeof(buf)),
			 "f.json: bad 7");
	/* no text: the errno's description */
	devmgr_error_clear(&e);
	e.code = -ENOENT;
	ck_assert_str_eq(devmgr_error_format(&e, buf, sizeof(buf)),
			 strerror(ENOENT));
	/* truncation always leaves a terminated string */
	ck_assert_int_eq(devmgr_error_set(&e, -EIO, "abcdefgh"), -EIO);
	memset(buf, 'z', sizeof(buf));
	ck_assert_str_eq(devmgr_error_format(&e, buf, 5), "abcd");
	buf[0] = 'q';
	ck_assert_ptr_eq(devmgr_error_format(&e, buf, 0), buf);
	ck_assert_int_eq(buf[0], 'q');
	ck_assert_str_eq(devmgr_error_format(NULL, buf, sizeof(buf)), "");
	/* NULL err is accepted everywhere */
	devmgr_error_clear(NULL);
	ck_assert_int_eq(devmgr_error_set(NULL, -EPERM, "x"), -EPERM);
	/* long messages are cut, not overflowed */
	char big[2000];
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	devmgr_error_set(&e, -EIO, "%s", big);
	ck_assert_uint_eq(strlen(e.text), sizeof(e.text) - 1);
}
END_TEST

/* Untrusted bytes in a message: control bytes and bytes that are not
 * UTF-8 become \xHH, valid UTF-8 stays, and a cut never splits one. */
START_TEST(error_escape)
{
	struct devmgr_error e;
	char buf[1400];
	devmgr_error_set(&e, -EINVAL, "id \"%s\"", "a\nb\x1b[31m\tc\x7f");
	ck_assert_str_eq(e.text, "id \"a\\x0ab\\x1b[31m\\x09c\\x7f\"");
	devmgr_error_set(&e, -EINVAL, "%s",
			 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe");
	ck_assert_str_eq(e.text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe");
	/* stray continuation, overlong, surrogate, past U+10FFFF, cut */
	devmgr_error_set(
		&e, -EINVAL, "%s",
		"\x80|\xc0\x80|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82");
	ck_assert_str_eq(e.text, "\\x80|\\xc0\\x80|\\xed\\xa0\\x80|"
				 "\\xf4\\x90\\x80\\x80|\\xe2\\x82");
	/* escaping twice changes nothing */
	char once[sizeof(e.text)];
	memcpy(once, e.text, sizeof(once));
	devmgr_error_set(&e, -EINVAL, "%s", once);
	ck_assert_str_eq(e.text, once);
	/* fields filled by hand are escaped when formatted */
	devmgr_error_clear(&e);
	snprintf(e.source, sizeof(e.source), "f\n.json");
	snprintf(e.pointer, sizeof(e.pointer), "/devices/\x1b");
	snprintf(e.text, sizeof(e.text), "bad\r");
	ck_assert_str_eq(devmgr_error_format(&e, buf, sizeof(buf)),
			 "f\\x0a.json: /devices/\\x1b: bad\\x0d");
	/* a cut message ends before an escape, never inside one */
	char ctl[600];
	memset(ctl, '\x01', sizeof(ctl) - 1);
	ctl[sizeof(ctl) - 1] = '\0';
	devmgr_error_set(&e, -EIO, "%s", ctl);
	ck_assert_uint_eq(strlen(e.text) % 4, 0);
	ck_assert_uint_ge(strlen(e.text), sizeof(e.text) - 4);
	ck_assert_int_eq(e.text[strlen(e.text) - 4], '\\');
}
END_TEST

START_TEST(err_name)
{
	ck_assert_str_eq(devmgr_err_name(-ENOENT), "ENOENT");
	ck_assert_str_eq(devmgr_err_name(-EINVAL), "EINVAL");
	ck_assert_str_eq(devmgr_err_name(-ELOOP), "ELOOP");
	ck_assert_str_eq(devmgr_err_name(-ENOMEM), "ENOMEM");
	ck_assert_str_eq(devmgr_err_name(-EROFS), "EROFS");
	ck_assert_str_eq(devmgr_err_name(0), "OK");
	ck_assert_str_eq(devmgr_err_name(-99999), "EUNKNOWN");
	ck_assert_str_eq(devmgr_err_name(12345), "EUNKNOWN");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, root_errors);
	tcase_add_test(tc, device_errors);
	tcase_add_test(tc, app_errors);
	tcase_add_test(tc, load_file);
	tcase_add_test(tc, error_format);
	tcase_add_test(tc, error_escape);
	tcase_add_test(tc, err_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(suite());
}
