/* Unit tests of apps (core/src/app.c, ctx.c): binding devices to slots by
 * app.bind and by type, the binding errors, start/stop, and devmgr_run().
 * The test providers (testprov.c) are linked into this program. */
#include "testlib.h"
#include "testprov.h"

#include <devmgr/app.h>
#include <devmgr/sig/console.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- test apps ---- */
static struct {
	int starts, stops, start_result, exit_status;
	struct devmgr_console *log;
	struct devmgr_blk *disk;
	size_t ndisks;
	struct devmgr_blk *disks[8];
	int64_t count;
	char label[64];
	bool state_zero, do_exit;
} seen;

struct two_devs {
	struct devmgr_console *log;
	struct devmgr_blk *disk;
};

static int two_start(struct devmgr_ctx *ctx, void *record)
{
	struct two_devs *r = record;
	seen.starts++;
	seen.log = r->log;
	seen.disk = r->disk;
	if (seen.do_exit)
		devmgr_ctx_exit(ctx, seen.exit_status);
	return seen.start_result;
}

static void any_stop(struct devmgr_ctx *ctx, void *record)
{
	(void)ctx, (void)record;
	seen.stops++;
}

static const struct devmgr_slot two_slots[] = {
	DEVMGR_SLOT(struct two_devs, log, console, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT(struct two_devs, disk, blk, DEVMGR_SLOT_REQUIRED),
	{ NULL, NULL, 0, 0, 0 },
};

static const struct devmgr_app app_two = {
	.size = sizeof(struct devmgr_app),
	.name = "two",
	.help = "a console and a disk",
	.record_size = sizeof(struct two_devs),
	.slots = two_slots,
	.start = two_start,
	.stop = any_stop,
};

struct many_devs {
	devmgr_blk_set disks;
	struct devmgr_console *log;
};

static int many_start(struct devmgr_ctx *ctx, void *record)
{
	struct many_devs *r = record;
	(void)ctx;
	seen.starts++;
	seen.ndisks = r->disks.count;
	for (size_t i = 0; i < r->disks.count && i < 8; i++)
		seen.disks[i] = r->disks.items[i];
	seen.log = r->log;
	return 0;
}

static const struct devmgr_slot many_slots[] = {
	DEVMGR_SLOT_SET(struct many_devs, disks, blk, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT(struct many_devs, log, console, 0),
	{ NULL, NULL, 0, 0, 0 },
};

static const struct devmgr_app app_many = {
	.size = sizeof(struct devmgr_app),
	.name = "many",
	.record_size = sizeof(struct many_devs),
	.slots = many_slots,
	.start = many_start,
	.stop = any_stop,
};

static const struct devmgr_param argy_args[] = {
	{ "count", DEVMGR_PARAM_INT, 0, "3", "how many", 1, 10 },
	{ "label", DEVMGR_PARAM_STRING, DEVMGR_PARAM_REQUIRED, NULL, "a label",
	  0, 0 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 },
};

static int argy_start(struct devmgr_ctx *ctx, void *record)
{
	(void)record;
	seen.starts++;
	seen.count = devmgr_arg_int(ctx, "count");
	snprintf(seen.label, sizeof(seen.label), "%s",
		 devmgr_arg_str(ctx, "label"));
	unsigned char *st = devmgr_app_state(ctx);
	seen.state_zero = st != NULL;
	for (size_t i = 0; st && i < 32; i++)
		if (st[i])
			seen.state_zero = false;
	if (st)
		st[0] = 1;
	return 0;
}

static const struct devmgr_app app_argy = {
	.size = sizeof(struct devmgr_app),
	.name = "argy",
	.record_size = 8,
	.args = argy_args,
	.state_size = 32,
	.start = argy_start,
};

static const struct devmgr_app *const t_apps[] = { &app_two, &app_many,
						   &app_argy, NULL };
DEVMGR_PLUGIN("t-app", "1", NULL, t_apps);

static struct devmgr_ctx *ctx;

static void setup(void)
{
	tlog[0] = '\0';
	memset(&seen, 0, sizeof(seen));
	ctx = testlib_ctx_new();
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
	ctx = NULL;
}

static int load(const char *devs, const char *app, struct devmgr_error *err)
{
	return testlib_load(ctx, devs, app, "<a>", err);
}

/* Load and create; returns start_app's result. */
static int start(const char *devs, const char *app, const char *name,
		 struct devmgr_error *err)
{
	int r = load(devs, app, err);
	ck_assert_msg(r == 0, "load: %s", err->text);
	r = devmgr_ctx_create_devices(ctx, false, err);
	ck_assert_msg(r == 0, "create: %s", err->text);
	return devmgr_ctx_start_app(ctx, name, err);
}

static void *handle(const char *id)
{
	return devmgr_device_handle(devmgr_ctx_find_device(ctx, id));
}

static enum devmgr_device_state state(const char *id)
{
	return devmgr_device_state(devmgr_ctx_find_device(ctx, id));
}

#define CON "\"c\": {\"provider\": \"t-con\"}"

START_TEST(bind_by_type)
{
	struct devmgr_error err;
	ck_assert_ptr_nonnull(devmgr_ctx_find_app(ctx, "two"));
	ck_assert_uint_eq(devmgr_ctx_app_count(ctx), 3);
	int r = start(CON ", \"d\": {\"provider\": \"t-blk\"}",
		      "{\"name\": \"two\"}", NULL, &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_int_eq(seen.starts, 1);
	ck_assert_ptr_eq(seen.log, handle("c"));
	ck_assert_ptr_eq(seen.disk, handle("d"));
	ck_assert_int_eq(state("c"), DEVMGR_DEVICE_BOUND);
	ck_assert_int_eq(state("d"), DEVMGR_DEVICE_BOUND);
	/* one app at a time */
	ck_assert_int_eq(devmgr_ctx_start_app(ctx, "two", &err), -EBUSY);
	ck_assert_int_eq(seen.starts, 1);
	devmgr_ctx_stop_app(ctx);
	ck_assert_int_eq(seen.stops, 1);
	ck_assert_int_eq(state("c"), DEVMGR_DEVICE_CREATED);
	devmgr_ctx_stop_app(ctx);
	ck_assert_int_eq(seen.stops, 1);
	/* and again */
	ck_assert_int_eq(devmgr_ctx_start_app(ctx, "two", &err), 0);
	ck_assert_int_eq(seen.starts, 2);
	devmgr_ctx_free(ctx); /* stops the app, then destroys */
	ctx = NULL;
	ck_assert_int_eq(seen.stops, 2);
	ck_assert_str_eq(tlog, "+c +d -d -c");
}
END_TEST

START_TEST(bind_skips_stacked)
{
	struct devmgr_error err;
	int r = start(CON
		      ", \"low\": {\"provider\": \"t-blk\"},"
		      "\"top\": {\"provider\": \"t-stack\", \"on\": \"low\"}",
		      NULL, "two", &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_ptr_eq(seen.disk, handle("top"));
	ck_assert_int_eq(state("low"), DEVMGR_DEVICE_CREATED);
}
END_TEST

START_TEST(bind_by_name)
{
	struct devmgr_error err;
	int r = start(CON ", \"d1\": {\"provider\": \"t-blk\"},"
			  "\"d2\": {\"provider\": \"t-blk\"}",
		      "{\"name\": \"two\", \"bind\": {\"disk\": \"d2\"}}", NULL,
		      &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_ptr_eq(seen.disk, handle("d2"));
	ck_assert_int_eq(state("d1"), DEVMGR_DEVICE_CREATED);
	ck_assert_int_eq(state("d2"), DEVMGR_DEVICE_BOUND);
}
END_TEST

static void load_refused(const char *devs, const char *app, int code,
			 const char *ptr, const char *msg)
{
	struct devmgr_error err;
	testlib_ctx_reset(&ctx);
	int r = load(devs, app, &err);
	testlib_assert_refused(r, &err, code, "<a>", ptr, msg, app);
	ck_assert_uint_eq(devmgr_ctx_device_count(ctx), 0);
}

START_TEST(bind_errors_at_load)
{
	const char *two = CON ", \"d1\": {\"provider\": \"t-blk\"},"
			      "\"d2\": {\"provider\": \"t-blk\"}";
	load_refused(two, "{\"name\": \"two\"}", -EINVAL, "/app",
		     "slot disk of app two: more than one blk device fits "
		     "(\"d1\", \"d2\", ...); choose in app.bind");
	load_refused(CON, "{\"name\": \"two\"}", -ENODEV, "/app",
		     "required slot disk (blk) of app two has no device");
	load_refused(two, "{\"name\": \"two\", \"bind\": {\"dsk\": \"d1\"}}",
		     -EINVAL, "/app/bind/dsk",
		     "app two has no slot \"dsk\" (did you mean \"disk\"?)");
	load_refused(
		two, "{\"name\": \"two\", \"bind\": {\"disk\": \"c\"}}",
		-EINVAL, "/app/bind/disk",
		"device \"c\" is a console, slot disk of app two needs a blk");
	load_refused(
		two,
		"{\"name\": \"two\", \"bind\": {\"disk\": [\"d1\", \"d2\"]}}",
		-EINVAL, "/app/bind/disk",
		"slot disk of app two takes one device, got 2");
	load_refused(two, "{\"name\": \"two\", \"bind\": {\"disk\": \"d9\"}}",
		     -ENOENT, "/app/bind/disk", "unknown device \"d9\"");
	load_refused(two, "{\"name\": \"argy\"}", -EINVAL, "/app/args",
		     "missing required parameter \"label\" for app argy");
	load_refused(two,
		     "{\"name\": \"argy\", \"args\": {\"label\": \"x\", "
		     "\"count\": 11}}",
		     -ERANGE, "/app/args/count",
		     "11 is out of range (1 to 10)");
	load_refused(two, "{\"name\": \"argy\", \"args\": {\"lable\": \"x\"}}",
		     -EINVAL, "/app/args/lable",
		     "unknown parameter \"lable\" for app argy (did you mean "
		     "\"label\"?)");
}
END_TEST

START_TEST(bind_errors_at_start)
{
	/* the configuration names no app; start_app("two") checks then */
	struct devmgr_error err;
	int r = start(CON ", \"d1\": {\"provider\": \"t-blk\"},"
			  "\"d2\": {\"provider\": \"t-blk\"}",
		      NULL, "two", &err);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_str_eq(err.pointer, "/app");
	ck_assert_ptr_nonnull(
		strstr(err.text, "more than one blk device fits"));
	ck_assert_int_eq(seen.starts, 0);
	ck_assert_int_eq(state("d1"), DEVMGR_DEVICE_CREATED);
	ck_assert_int_eq(devmgr_ctx_start_app(ctx, NULL, &err), -EINVAL);
	ck_assert_str_eq(err.text, "no app named (app.name)");
	ck_assert_int_eq(devmgr_ctx_start_app(ctx, "nope", &err), -ENOENT);
	ck_assert_str_eq(err.text, "unknown app \"nope\"");
	ck_assert_str_eq(err.pointer, "/app/name");
	/* many: a set of two */
	ck_assert_int_eq(devmgr_ctx_start_app(ctx, "many", &err), -EINVAL);
	testlib_ctx_reset(&ctx);
	r = start(CON, NULL, "two", &err);
	ck_assert_int_eq(r, -ENODEV);
	ck_assert_str_eq(err.text,
			 "required slot disk (blk) of app two has no device");
}
END_TEST

START_TEST(many_slot)
{
	struct devmgr_error err;
	int r = start("\"a\": {\"provider\": \"t-blk\"},"
		      "\"b\": {\"provider\": \"t-blk\"},"
		      "\"c\": {\"provider\": \"t-blk\"}",
		      "{\"name\": \"many\", \"bind\": {\"disks\": [\"c\", "
		      "\"a\", \"b\"]}}",
		      NULL, &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_uint_eq(seen.ndisks, 3);
	ck_assert_ptr_eq(seen.disks[0], handle("c"));
	ck_assert_ptr_eq(seen.disks[1], handle("a"));
	ck_assert_ptr_eq(seen.disks[2], handle("b"));
	ck_assert_ptr_null(seen.log); /* optional and absent */
	devmgr_ctx_stop_app(ctx);
	ck_assert_int_eq(seen.stops, 1);
	/* one device by type fills a set of one */
	testlib_ctx_reset(&ctx);
	memset(&seen, 0, sizeof(seen));
	r = start(CON ", \"a\": {\"provider\": \"t-blk\"}",
		  "{\"name\": \"many\"}", NULL, &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_uint_eq(seen.ndisks, 1);
	ck_assert_ptr_eq(seen.disks[0], handle("a"));
	ck_assert_ptr_eq(seen.log, handle("c"));
	/* a single id for a set */
	testlib_ctx_reset(&ctx);
	memset(&seen, 0, sizeof(seen));
	r = start("\"a\": {\"provider\": \"t-blk\"}, \"b\": {\"provider\": "
		  "\"t-blk\"}",
		  "{\"name\": \"many\", \"bind\": {\"disks\": \"b\"}}", NULL,
		  &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_uint_eq(seen.ndisks, 1);
	ck_assert_ptr_eq(seen.disks[0], handle("b"));
}
END_TEST

START_TEST(args_and_state)
{
	struct devmgr_error err;
	int r = start("", "{\"name\": \"argy\", \"args\": {\"label\": \"hi\"}}",
		      NULL, &err);
	ck_assert_msg(r == 0, "%s", err.text);
	ck_assert_int_eq(seen.count, 3);
	ck_assert_str_eq(seen.label, "hi");
	ck_assert(seen.state_zero);
	/* state is zeroed for each start */
	devmgr_ctx_stop_app(ctx);
	ck_assert_int_eq(devmgr_ctx_start_app(ctx, NULL, &err), 0);
	ck_assert(seen.state_zero);
}
END_TEST

START_TEST(start_fails)
{
	struct devmgr_error err;
	seen.start_result = -EIO;
	int r = start(CON ", \"d\": {\"provider\": \"t-blk\"}",
		      "{\"name\": \"two\"}", NULL, &err);
	ck_assert_int_eq(r, -EIO);
	ck_assert_ptr_nonnull(strstr(err.text, "app two failed to start"));
	ck_assert_int_eq(seen.starts, 1);
	ck_assert_int_eq(state("d"), DEVMGR_DEVICE_CREATED);
	devmgr_ctx_stop_app(ctx);
	ck_assert_int_eq(seen.stops, 0); /* stop only after a good start */
	seen.start_result = 0;
	ck_assert_int_eq(devmgr_ctx_start_app(ctx, NULL, &err), 0);
}
END_TEST

START_TEST(run_exit_status)
{
	struct devmgr_error err;
	seen.do_exit = true;
	seen.exit_status = 42;
	ck_assert_int_eq(load(CON ", \"d\": {\"provider\": \"t-blk\"}",
			      "{\"name\": \"two\"}", &err),
			 0);
	ck_assert_int_eq(devmgr_run(ctx, NULL, &err), 42);
	ck_assert_int_eq(seen.starts, 1);
	ck_assert_int_eq(seen.stops, 1);
	ck_assert_str_eq(tlog, "+c +d -d -c");
	ck_assert_int_eq(state("d"), DEVMGR_DEVICE_DESTROYED);
}
END_TEST

START_TEST(run_failures)
{
	struct devmgr_error err;
	ck_assert_int_eq(load(CON ", \"d\": {\"provider\": \"t-blk\", "
				  "\"fail\": true}",
			      "{\"name\": \"two\"}", &err),
			 0);
	ck_assert_int_eq(devmgr_run(ctx, NULL, &err), -EIO);
	ck_assert_str_eq(err.pointer, "/devices/d");
	ck_assert_int_eq(seen.starts, 0);
	ck_assert_str_eq(tlog, "+c !d -c");

	testlib_ctx_reset(&ctx);
	tlog[0] = '\0';
	seen.start_result = -EPERM;
	ck_assert_int_eq(load(CON ", \"d\": {\"provider\": \"t-blk\"}",
			      "{\"name\": \"two\"}", &err),
			 0);
	ck_assert_int_eq(devmgr_run(ctx, NULL, &err), -EPERM);
	ck_assert_int_eq(seen.stops, 0);
	ck_assert_str_eq(tlog, "+c +d -d -c");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("app");
	TCase *tc = tcase_create("app");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bind_by_type);
	tcase_add_test(tc, bind_skips_stacked);
	tcase_add_test(tc, bind_by_name);
	tcase_add_test(tc, bind_errors_at_load);
	tcase_add_test(tc, bind_errors_at_start);
	tcase_add_test(tc, many_slot);
	tcase_add_test(tc, args_and_state);
	tcase_add_test(tc, start_fails);
	tcase_add_test(tc, run_exit_status);
	tcase_add_test(tc, run_failures);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(suite());
}
