/* Allocation-failure injection: a counting allocator installed with
 * devmgr_set_allocator() (which also carries jansson's allocations) fails
 * the k-th allocation, for k = 1, 2, ... until a run never reaches k.
 * Every run must end in an error or a success, never a crash, and leave
 * no allocation and no file descriptor behind.  The plugin folder is one
 * of the test's own (one_plugin_folder). */
#include "testlib.h"

#include <devmgr/app.h>
#include <devmgr/sig/console.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the counting allocator ---- */
static long n_allocs, fail_at, live;
static bool hit;

static bool should_fail(void)
{
	if (++n_allocs == fail_at) {
		hit = true;
		return true;
	}
	return false;
}

static void *t_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	void *p = malloc(n);
	if (p)
		live++;
	return p;
}

static void *t_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	void *q = realloc(p, n);
	if (q && !p)
		live++;
	return q;
}

static void t_free(void *p)
{
	if (p)
		live--;
	free(p);
}

static const struct devmgr_allocator counting = { t_malloc, t_realloc, t_free };

/* ---- a stacked blk provider and a trivial app ---- */
static const struct devmgr_param ts_params[] = {
	{ "label", DEVMGR_PARAM_STRING, 0, "\"stack\"", "a label", 0, 0 },
	{ "size", DEVMGR_PARAM_SIZE, 0, "\"1M\"", "a size", 0, 0 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 },
};

static int ts_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	(void)err;
	return devmgr_device_dep_count(dev) > 0 ? 0 : -EINVAL;
}

static const struct devmgr_provider t_stack = {
	.size = sizeof(struct devmgr_provider),
	.name = "t-stack",
	.help = "stacked blk",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &testlib_blk_ops,
	.params = ts_params,
	.on_sig = "blk",
	.on_min = 1,
	.on_max = 4,
	.priv_size = 24,
	.create = ts_create,
};

struct trivial_devs {
	struct devmgr_console *log;
	struct devmgr_blk *disk;
	devmgr_blk_set extra;
};

static const struct devmgr_slot trivial_slots[] = {
	DEVMGR_SLOT(struct trivial_devs, log, console, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT(struct trivial_devs, disk, blk, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT_SET(struct trivial_devs, extra, blk, 0),
	{ NULL, NULL, 0, 0, 0 },
};

static const struct devmgr_param trivial_args[] = {
	{ "n", DEVMGR_PARAM_INT, 0, "1", "a number", 0, 0 },
	{ "name", DEVMGR_PARAM_STRING, 0, "\"x\"", "a name", 0, 0 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 },
};

static int starts, stops;

static int trivial_start(struct devmgr_ctx *ctx, void *record)
{
	struct trivial_devs *r = record;
	(void)ctx;
	ck_assert_ptr_nonnull(r->log);
	ck_assert_ptr_nonnull(r->disk);
	ck_assert_uint_eq(r->extra.count, 2);
	starts++;
	return 0;
}

static void trivial_stop(struct devmgr_ctx *ctx, void *record)
{
	(void)ctx, (void)record;
	stops++;
}

static const struct devmgr_app trivial = {
	.size = sizeof(struct devmgr_app),
	.name = "trivial",
	.record_size = sizeof(struct trivial_devs),
	.slots = trivial_slots,
	.args = trivial_args,
	.state_size = 16,
	.start = trivial_start,
	.stop = trivial_stop,
};

static const struct devmgr_provider *const t_provs[] = { &t_stack, NULL };
static const struct devmgr_app *const t_apps[] = { &trivial, NULL };
DEVMGR_PLUGIN("t-alloc", "1", t_provs, t_apps);

static const char good_config[] =
	"{\"devmgr\": 1, \"devices\": {"
	" \"r1\": {\"provider\": \"blk-ram\", \"size\": \"64K\"},"
	" \"r2\": {\"provider\": \"blk-ram\", \"size\": 8192, \"sector_size\": "
	"4096},"
	" \"top\": {\"provider\": \"t-stack\", \"on\": [\"r1\", \"r2\"], "
	"\"size\": \"2M\"},"
	" \"top2\": {\"provider\": \"t-stack\", \"on\": \"top\", \"label\": "
	"\"t2\"},"
	" \"spare\": {\"provider\": \"blk-ram\", \"size\": 512},"
	" \"log\": {\"provider\": \"console-stdio\"}},"
	" \"app\": {\"name\": \"trivial\", \"bind\": {\"disk\": \"top2\","
	"  \"extra\": [\"spare\", \"r1\"]}, \"args\": {\"n\": 5}},"
	" \"xenstore\": {\"domain_path\": \"/local/domain/1\", \"map\": "
	"{\"vbd\": {\"provider\": \"blk-ram\"}}}}";

static void noop(void *arg)
{
	++*(int *)arg;
}

static void on_fd(void *arg, int fd, unsigned ev)
{
	(void)arg, (void)fd, (void)ev;
}

static void quiet(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg, (void)level, (void)msg;
}

/* One whole life; returns 0 or the first error. */
static int good_run(void)
{
	struct devmgr_error err;
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	if (!ctx)
		return -ENOMEM;
	devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_DEBUG);
	int r = devmgr_ctx_load_config_string(ctx, good_config, "<alloc>",
					      &err);
	if (r == 0)
		r = devmgr_ctx_create_devices(ctx, false, &err);
	if (r == 0)
		r = devmgr_ctx_start_app(ctx, NULL, &err);
	if (r == 0) {
		int n = 0;
		int p[2];
		ck_assert_int_eq(pipe(p), 0);
		struct devmgr_watch *w =
			devmgr_watch_fd(ctx, p[0], DEVMGR_EV_READ, on_fd, NULL);
		if (devmgr_ctx_post(ctx, noop, &n) == 0) {
			devmgr_ctx_dispatch(ctx, 0);
			ck_assert_int_eq(n, 1);
		}
		devmgr_watch_cancel(w);
		close(p[0]);
		close(p[1]);
		char buf[256];
		devmgr_device_info_json(devmgr_ctx_find_device(ctx, "r1"), buf,
					sizeof(buf));
		devmgr_ctx_stop_app(ctx);
		devmgr_ctx_destroy_devices(ctx);
	}
	devmgr_ctx_free(ctx);
	return r;
}

/* Configurations refused for several reasons: each error path too. */
static int bad_run(void)
{
	static const char *const bad[] = {
		"{\"devmgr\": 1, \"devices\": {\"a\": {\"provider\": "
		"\"blk-rma\"}}}",
		"{\"devmgr\": 1, \"devices\": {\"a\": {\"provider\": "
		"\"t-stack\", \"on\": \"b\"},"
		" \"b\": {\"provider\": \"t-stack\", \"on\": \"a\"}}}",
		"{\"devmgr\": 1, \"devics\": {}}",
		"{\"devmgr\": 1, \"devices\": {\"a\": {\"provider\": "
		"\"blk-ram\", \"sise\": 1}}}",
		"{\"devmgr\": 1, \"devices\": {\"a\": {\"provider\": "
		"\"blk-ram\", \"size\": 512},"
		" \"b\": {\"provider\": \"blk-ram\", \"size\": 512},"
		" \"l\": {\"provider\": \"console-stdio\"}}, \"app\": "
		"{\"name\": \"trivial\"}}",
		"{\"devmgr\": 1, \"devices\": {\"a\": {\"provider\": "
		"\"blk-ram\", \"size\": 7},"
		" \"s\": {\"provider\": \"t-stack\", \"on\": \"a\"}}}",
		"{\"devmgr\": 1, \"devices\": {,}}",
	};
	int result = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct devmgr_error err;
		struct devmgr_ctx *ctx = devmgr_ctx_new();
		if (!ctx)
			return -ENOMEM;
		devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_DEBUG);
		int r = devmgr_ctx_load_config_string(ctx, bad[i], "<bad>",
						      &err);
		if (r == 0) /* keep_going with a failing device */
			r = devmgr_ctx_create_devices(ctx, true, &err);
		ck_assert_msg(r != 0 || hit, "bad config %zu accepted", i);
		if (r < 0 && !result)
			result = r;
		devmgr_ctx_free(ctx);
	}
	return result;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void inject(int (*run)(void), const char *what, int want)
{
	/* fd 0 must be open, so that a stray close(0) shows */
	int nul = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(nul, 0);
	if (nul != 0) {
		if (fcntl(0, F_GETFD) < 0)
			ck_assert_int_eq(dup2(nul, 0), 0);
		close(nul);
	}
	int fds = count_fds();
	devmgr_set_allocator(&counting);
	long k;
	for (k = 1;; k++) {
		n_allocs = 0;
		live = 0;
		hit = false;
		fail_at = k;
		int r = run();
		ck_assert_msg(
			live == 0,
			"%s: failing allocation %ld leaks %ld allocations "
			"(result %d)",
			what, k, live, r);
		ck_assert_msg(count_fds() == fds,
			      "%s: failing allocation %ld: %d fds open, not %d",
			      what, k, count_fds(), fds);
		ck_assert_msg(fcntl(0, F_GETFD) >= 0,
			      "%s: failing allocation %ld closed fd 0", what,
			      k);
		if (!hit) {
			ck_assert_msg(r == want, "%s: unhindered run gave %d",
				      what, r);
			break;
		}
		ck_assert_msg(r < 0 || r == 0, "%s: odd result %d", what, r);
	}
	devmgr_set_allocator(NULL);
	ck_assert_int_gt(k, 20); /* the runs did allocate */
}

START_TEST(good_life)
{
	starts = stops = 0;
	inject(good_run, "good", 0);
	ck_assert_int_gt(starts, 0);
	ck_assert_int_eq(starts, stops);
}
END_TEST

START_TEST(bad_configs)
{
	inject(bad_run, "bad", -ENOENT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("alloc");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_life);
	tcase_add_test(tc, bad_configs);
	suite_add_tcase(s, tc);
	return s;
}

/* The plugin scan and its cache are error paths of their own (blk-rma is
 * looked for in the plugin folder), but every allocation of reading a
 * cache of all the build tree's plugins would be one more run, many of
 * them forking a scanner that loads them all.  A folder of the test's
 * own with one plugin (blk-file, which nothing here links in) and a cache
 * of its own cover the same paths in a fraction of the runs. */
static void one_plugin_folder(char *dir, size_t size)
{
	const char *path = getenv("DEVMGR_PLUGIN_PATH");
	dir[0] = '\0';
	if (!path || !path[0])
		return;
	char from[4096], to[4096], cache[4096];
	snprintf(from, sizeof(from), "%.*s/blk-file.so",
		 (int)strcspn(path, ":"), path);
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return; /* a build without the module: no folder to scan */
	testlib_make_dir(dir, size, "/tmp", "test_alloc");
	snprintf(to, sizeof(to), "%s/blk-file.so", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	char buf[65536];
	ssize_t got;
	FILE *out = fopen(to, "wxe");
	while (out && (got = read(in, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)got, out) != (size_t)got)
			break;
	close(in);
	if (!out || fclose(out) != 0) {
		perror(to);
		exit(EXIT_FAILURE);
	}
	setenv("DEVMGR_PLUGIN_PATH", dir, 1);
	setenv("XDG_CACHE_HOME", cache, 1);
}

int main(void)
{
	char dir[4096];
	one_plugin_folder(dir, sizeof(dir));
	int r = testlib_run(suite());
	if (dir[0])
		testlib_remove_dir(dir);
	return r;
}
