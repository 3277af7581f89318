/* Unit tests of plugins/console, linked into this program: devmgr_ctx_new()
 * finds the providers through the devmgr_plugins linker section. */
#include "testlib.h"

#include <devmgr/sig/console.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct devmgr_ctx *ctx;
static char tmpdir[64];
static char logpath[128];

/* Folders for test files, made and removed by an unchecked fixture. */
static void make_dirs(void)
{
	testlib_make_dir(tmpdir, sizeof(tmpdir), "/tmp", "test_console");
	snprintf(logpath, sizeof(logpath), "%s/log.txt", tmpdir);
}

static void remove_dirs(void)
{
	testlib_remove_dir(tmpdir);
}

static void setup(void)
{
	unlink(logpath);
	ctx = testlib_ctx_new();
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
}

static void reset(void)
{
	testlib_ctx_reset(&ctx);
}

/* Create device con0: provider and its other JSON members. */
static int try_console(const char *provider, const char *params,
		       struct devmgr_error *err)
{
	return testlib_create_device(ctx, "con0", provider, params, "<test>",
				     err);
}

static struct devmgr_console *console(const char *provider, const char *params)
{
	struct devmgr_error err;
	int rc = try_console(provider, params, &err);

	ck_assert_msg(rc == 0, "%s {%s}: %s", provider, params, err.text);
	return devmgr_device_handle(devmgr_ctx_find_device(ctx, "con0"));
}

static struct devmgr_console *file_console(const char *path, bool append)
{
	char params[512];

	snprintf(params, sizeof(params), "\"path\": \"%s\", \"append\": %s",
		 path, append ? "true" : "false");
	return console("console-file", params);
}

/* The file's contents, NUL-terminated, in a buffer the caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void put(struct devmgr_console *c, const char *s)
{
	ck_assert_int_eq(devmgr_console_write(c, s, strlen(s)), 0);
}

START_TEST(test_linked_providers)
{
	testlib_assert_linked(ctx, "console-stdio");
	testlib_assert_linked(ctx, "console-file");
}
END_TEST

/* Point standard output at fd, returning the old one.  Tests restore it
 * before asserting, so that a failure is still reported on the terminal. */
static int redirect_stdout(int fd)
{
	int saved = dup(STDOUT_FILENO);

	ck_assert_int_ge(saved, 0);
	fflush(stdout);
	ck_assert_int_ge(dup2(fd, STDOUT_FILENO), 0);
	return saved;
}

static void restore_stdout(int saved)
{
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	close(saved);
}

START_TEST(test_stdio)
{
	struct devmgr_console *c = console("console-stdio", "");
	struct devmgr_console_info info;
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int saved, rc[4];
	char *text;

	ck_assert_int_eq(devmgr_console_info(c, &info), 0);
	ck_assert_str_eq(info.name, "stdout");
	ck_assert_int_ge(fd, 0);
	saved = redirect_stdout(fd);
	rc[0] = devmgr_console_write(c, "one\n", 4);
	rc[1] = devmgr_console_write(c, "two\n", 4);
	rc[2] = devmgr_console_write(c, "", 0);
	rc[3] = devmgr_console_flush(c);
	restore_stdout(saved);
	close(fd);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(rc[i], 0);
	text = slurp(logpath, NULL);
	ck_assert_str_eq(text, "one\ntwo\n");
	free(text);
}
END_TEST

START_TEST(test_stdio_unknown_param)
{
	struct devmgr_error err;

	ck_assert_int_lt(try_console("console-stdio", "\"path\": \"x\"", &err),
			 0);
}
END_TEST

struct drain {
	int fd;
	size_t got;
	bool ok;
	const uint8_t *want;
};

/* Starts late, so that the writer fills the pipe and meets EAGAIN. */
static void *drain_pipe(void *arg)
{
	struct drain *d = arg;
	uint8_t buf[4096];
	ssize_t n;

	usleep(100 * 1000);
	d->ok = true;
	while ((n = read(d->fd, buf, sizeof(buf))) > 0) {
		if (memcmp(buf, d->want + d->got, (size_t)n) != 0)
			d->ok = false;
		d->got += (size_t)n;
	}
	return NULL;
}

START_TEST(test_stdio_nonblocking_pipe)
{
	struct devmgr_console *c = console("console-stdio", "");
	static uint8_t data[1 << 20];
	struct drain d = { .want = data };
	int saved, rc, p[2];
	pthread_t t;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + (i >> 12));
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	d.fd = p[0];
	ck_assert_int_eq(pthread_create(&t, NULL, drain_pipe, &d), 0);
	saved = redirect_stdout(p[1]);
	close(p[1]);
	rc = devmgr_console_write(c, (const char *)data, sizeof(data));
	restore_stdout(saved);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	close(p[0]);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(d.got, sizeof(data));
	ck_assert(d.ok);
}
END_TEST

START_TEST(test_file_writes)
{
	struct devmgr_console *c;
	struct devmgr_console_info info;
	struct stat st;
	char *text;

	umask(022);
	c = file_console(logpath, false);
	ck_assert_int_eq(devmgr_console_info(c, &info), 0);
	ck_assert_str_eq(info.name, logpath);
	put(c, "abc");
	put(c, "def\n");
	ck_assert_int_eq(devmgr_console_flush(c), 0);
	text = slurp(logpath, NULL);
	ck_assert_str_eq(text, "abcdef\n");
	free(text);
	ck_assert_int_eq(stat(logpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
}
END_TEST

START_TEST(test_file_truncates)
{
	struct devmgr_console *c;
	char *text;

	write_text(logpath, "old contents\n");
	c = file_console(logpath, false);
	text = slurp(logpath, NULL);
	ck_assert_str_eq(text, "");
	free(text);
	put(c, "new\n");
	text = slurp(logpath, NULL);
	ck_assert_str_eq(text, "new\n");
	free(text);
}
END_TEST

START_TEST(test_file_append)
{
	struct devmgr_console *c;
	char *text;

	write_text(logpath, "old\n");
	c = file_console(logpath, true);
	put(c, "new\n");
	text = slurp(logpath, NULL);
	ck_assert_str_eq(text, "old\nnew\n");
	free(text);
	/* Appends go to the end even when someone else wrote meanwhile. */
	write_text(logpath, "other writer\n");
	put(c, "last\n");
	text = slurp(logpath, NULL);
	ck_assert_str_eq(text, "other writer\nlast\n");
	free(text);

	reset();
	c = file_console(logpath, true);
	put(c, "again\n");
	text = slurp(logpath, NULL);
	ck_assert_str_eq(text, "other writer\nlast\nagain\n");
	free(text);
}
END_TEST

START_TEST(test_file_large_write)
{
	struct devmgr_console *c = file_console(logpath, false);
	size_t len = 4 << 20, got;
	char *data = malloc(len), *text;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	ck_assert_int_eq(devmgr_console_write(c, data, len), 0);
	text = slurp(logpath, &got);
	ck_assert_uint_eq(got, len);
	ck_assert_mem_eq(text, data, len);
	free(text);
	free(data);
}
END_TEST

START_TEST(test_file_long_name)
{
	char path[256];
	struct devmgr_console_info info;
	struct devmgr_console *c;

	snprintf(path, sizeof(path),
		 "%s/a-log-file-with-a-rather-long-name-that-does-not-fit-"
		 "in-the-info-struct.txt",
		 tmpdir);
	c = file_console(path, false);
	ck_assert_int_eq(devmgr_console_info(c, &info), 0);
	ck_assert_uint_eq(strlen(info.name), sizeof(info.name) - 1);
	ck_assert_int_eq(strncmp(info.name, path, sizeof(info.name) - 1), 0);
}
END_TEST

/* The log file must not leak into programs that the app executes. */
START_TEST(test_file_cloexec)
{
	char link[PATH_MAX], fdpath[300];
	struct dirent *e;
	DIR *dir;
	int found = 0;

	file_console(logpath, false);
	dir = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir)) != NULL) {
		ssize_t n;

		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%s", e->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, logpath) != 0)
			continue;
		found++;
		ck_assert(fcntl(atoi(e->d_name), F_GETFD) & FD_CLOEXEC);
	}
	closedir(dir);
	ck_assert_int_eq(found, 1);
}
END_TEST

START_TEST(test_file_write_error)
{
	struct devmgr_console *c = file_console("/dev/full", false);

	ck_assert_int_eq(devmgr_console_write(c, "x", 1), -ENOSPC);
}
END_TEST

START_TEST(test_file_errors)
{
	struct devmgr_error err;
	char path[128], params[256], expect[256];

	snprintf(path, sizeof(path), "%s/no/such/dir/log.txt", tmpdir);
	snprintf(params, sizeof(params), "\"path\": \"%s\"", path);
	snprintf(expect, sizeof(expect), "open %s: No such file or directory",
		 path);
	ck_assert_int_eq(try_console("console-file", params, &err), -ENOENT);
	ck_assert_msg(strstr(err.text, expect) != NULL,
		      "error \"%s\" does not say \"%s\"", err.text, expect);

	reset();
	ck_assert_int_lt(try_console("console-file", "", &err), 0);
	ck_assert_msg(strstr(err.text, "\"path\"") != NULL,
		      "error \"%s\" does not name \"path\"", err.text);
}
END_TEST

static Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("console");

	tcase_add_unchecked_fixture(tc, make_dirs, remove_dirs);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_linked_providers);
	tcase_add_test(tc, test_stdio);
	tcase_add_test(tc, test_stdio_unknown_param);
	tcase_add_test(tc, test_stdio_nonblocking_pipe);
	tcase_add_test(tc, test_file_writes);
	tcase_add_test(tc, test_file_truncates);
	tcase_add_test(tc, test_file_append);
	tcase_add_test(tc, test_file_large_write);
	tcase_add_test(tc, test_file_long_name);
	tcase_add_test(tc, test_file_cloexec);
	tcase_add_test(tc, test_file_write_error);
	tcase_add_test(tc, test_file_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run_linked(console_suite());
}
