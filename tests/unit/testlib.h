/* testlib: what the unit test programs share, so that each test file
 * holds only its own cases.  testlib.c owns:
 *  - running a suite and turning its result into an exit status;
 *  - making and replacing the context a test works on;
 *  - loading a configuration from a string (a devices object and an app,
 *    or one device from its provider and JSON members) and checking how a
 *    refused one was refused;
 *  - a stub blk ops table for test providers;
 *  - for the provider tests: the check that a provider is linked in,
 *    temporary folders, and test file contents.
 * It registers no plugin, so linking it adds no provider or app; the test
 * providers t-blk, t-stack and t-con are in testprov.c. */
#ifndef DEVMGR_TESTLIB_H
#define DEVMGR_TESTLIB_H

#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Run suite s; EXIT_SUCCESS if no test failed, else EXIT_FAILURE. */
int testlib_run(Suite *s);
/* The same without DEVMGR_PLUGIN_PATH, for a program whose providers under
 * test are linked in: the build tree's modules would just be refused as
 * duplicates. */
int testlib_run_linked(Suite *s);

/* A new context; the test fails if there is none. */
struct devmgr_ctx *testlib_ctx_new(void);
/* Free *ctx and put a new context in its place. */
void testlib_ctx_reset(struct devmgr_ctx **ctx);

/* Load {"devmgr": 1, "devices": {devs}, "app": app} (no "app" if app is
 * NULL) into ctx, from a string named source. */
int testlib_load(struct devmgr_ctx *ctx, const char *devs, const char *app,
		 const char *source, struct devmgr_error *err);
/* Load device id of provider with the further JSON members params (may be
 * ""), then create the devices. */
int testlib_create_device(struct devmgr_ctx *ctx, const char *id,
			  const char *provider, const char *params,
			  const char *source, struct devmgr_error *err);
/* r and err must report code, from source at JSON pointer ptr, with a
 * message holding msg.  what names the case in failure messages. */
void testlib_assert_refused(int r, const struct devmgr_error *err, int code,
			    const char *source, const char *ptr,
			    const char *msg, const char *what);

/* blk ops that do nothing: 512-byte sectors, 8 of them. */
extern const struct devmgr_blk_ops testlib_blk_ops;

/* Provider name is registered in ctx from this program's linker section,
 * not loaded from a module. */
void testlib_assert_linked(struct devmgr_ctx *ctx, const char *name);

/* Make a folder parent/name.XXXXXX into dir, or exit.  For an unchecked
 * fixture, which runs in the parent process, so that a test that fails
 * (and exits its child process early) leaves nothing behind. */
void testlib_make_dir(char *dir, size_t size, const char *parent,
		      const char *name);
/* Remove dir and all it holds. */
void testlib_remove_dir(const char *dir);

/* Fill p with a pattern that differs with seed and from sector to sector. */
void testlib_fill(uint8_t *p, size_t len, unsigned seed);
/* Write len bytes of data to a new or truncated file at path. */
void testlib_write_file(const char *path, const void *data, size_t len);

#endif /* DEVMGR_TESTLIB_H */
