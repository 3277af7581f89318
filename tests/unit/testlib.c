/* testlib.c: what the unit test programs share; see testlib.h. */
#include "testlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int testlib_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int testlib_run_linked(Suite *s)
{
	unsetenv("DEVMGR_PLUGIN_PATH");
	return testlib_run(s);
}

struct devmgr_ctx *testlib_ctx_new(void)
{
	struct devmgr_ctx *ctx = devmgr_ctx_new();

	ck_assert_ptr_nonnull(ctx);
	return ctx;
}

void testlib_ctx_reset(struct devmgr_ctx **ctx)
{
	devmgr_ctx_free(*ctx);
	*ctx = testlib_ctx_new();
}

int testlib_load(struct devmgr_ctx *ctx, const char *devs, const char *app,
		 const char *source, struct devmgr_error *err)
{
	char json[8192];
	int n;

	n = snprintf(json, sizeof(json),
		     "{\"devmgr\": 1, \"devices\": {%s}%s%s}", devs,
		     app ? ", \"app\": " : "", app ? app : "");
	ck_assert_int_lt(n, sizeof(json));
	return devmgr_ctx_load_config_string(ctx, json, source, err);
}

int testlib_create_device(struct devmgr_ctx *ctx, const char *id,
			  const char *provider, const char *params,
			  const char *source, struct devmgr_error *err)
{
	char json[4096];
	int n, rc;

	n = snprintf(json, sizeof(json),
		     "{\"devmgr\": 1, \"devices\": {\"%s\": "
		     "{\"provider\": \"%s\"%s%s}}}",
		     id, provider, *params ? ", " : "", params);
	ck_assert_int_lt(n, sizeof(json));
	rc = devmgr_ctx_load_config_string(ctx, json, source, err);
	if (rc == 0)
		rc = devmgr_ctx_create_devices(ctx, false, err);
	return rc;
}

void testlib_assert_refused(int r, const struct devmgr_error *err, int code,
			    const char *source, const char *ptr,
			    const char *msg, const char *what)
{
	ck_assert_msg(r == code, "%s: got %d (%s), expected %d", what, r,
		      err->text, code);
	ck_assert_int_eq(err->code, code);
	ck_assert_str_eq(err->source, source);
	ck_assert_msg(strcmp(err->pointer, ptr) == 0, "%s: pointer %s, not %s",
		      what, err->pointer, ptr);
	ck_assert_msg(strstr(err->text, msg) != NULL, "%s: \"%s\" lacks \"%s\"",
		      what, err->text, msg);
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

const struct devmgr_blk_ops testlib_blk_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = tb_info,
	.readv = tb_rw,
	.writev = tb_rw,
	.flush = tb_flush,
};

void testlib_assert_linked(struct devmgr_ctx *ctx, const char *name)
{
	size_t i, n = devmgr_ctx_provider_count(ctx);

	for (i = 0; i < n; i++) {
		if (strcmp(devmgr_ctx_provider(ctx, i)->name, name) == 0)
			break;
	}
	ck_assert_msg(i < n, "provider %s is not registered", name);
	ck_assert_str_eq(devmgr_ctx_provider_origin(ctx, i), "");
}

void testlib_make_dir(char *dir, size_t size, const char *parent,
		      const char *name)
{
	snprintf(dir, size, "%s/%s.XXXXXX", parent, name);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		exit(EXIT_FAILURE);
	}
}

void testlib_remove_dir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

void testlib_fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

void testlib_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}
