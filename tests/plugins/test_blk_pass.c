/* test-blk-pass (and test-marker): a blk provider stacked on exactly one blk
 * device, passing every op through to it.  Built only for the test suite (make
 * check); the configuration cases under tests/config/ that need a stacked blk
 * provider name it in their "requires" file. */
#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* DEVMGR_TEST_LOAD_MS: sleep this long when the plugin is loaded, after
 * creating the file DEVMGR_TEST_LOAD_MARK (if set), so that a test knows
 * the program is loading plugins, before devmgr_run() (signals.sh). */
__attribute__((constructor)) static void slow_load(void)
{
	const char *ms = getenv("DEVMGR_TEST_LOAD_MS");
	const char *mark = getenv("DEVMGR_TEST_LOAD_MARK");
	struct timespec ts;
	long n;

	if (!ms)
		return;
	if (mark) {
		int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	n = strtol(ms, NULL, 10);
	ts.tv_sec = n / 1000;
	ts.tv_nsec = n % 1000 * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Built as test-marker (tests/plugins/lazy): every load of the file
 * appends "PID PPID" to the file DEVMGR_TEST_MARKER names, so that a
 * test sees which processes dlopen()ed it (the scanner's parent is
 * devmgr). */
#ifdef LOAD_MARKER
#define PASS_NAME "test-marker"
__attribute__((constructor)) static void mark_load(void)
{
	const char *path = getenv("DEVMGR_TEST_MARKER");
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	dprintf(fd, "%ld %ld\n", (long)getpid(), (long)getppid());
	close(fd);
}
#else
#define PASS_NAME "test-blk-pass"
#endif

static struct devmgr_blk *lower(struct devmgr_blk *b)
{
	return devmgr_device_handle(devmgr_device_dep(b->dev, 0));
}

static int pass_info(struct devmgr_blk *b, struct devmgr_blk_info *out)
{
	return devmgr_blk_info(lower(b), out);
}

static int pass_readv(struct devmgr_blk *b, uint64_t sector,
		      const struct iovec *iov, int iovcnt)
{
	return devmgr_blk_readv(lower(b), sector, iov, iovcnt);
}

static int pass_writev(struct devmgr_blk *b, uint64_t sector,
		       const struct iovec *iov, int iovcnt)
{
	return devmgr_blk_writev(lower(b), sector, iov, iovcnt);
}

static int pass_flush(struct devmgr_blk *b)
{
	return devmgr_blk_flush(lower(b));
}

static int pass_discard(struct devmgr_blk *b, uint64_t sector, uint64_t count)
{
	return devmgr_blk_discard(lower(b), sector, count);
}

static const struct devmgr_blk_ops pass_ops = {
	.minor = 0, /* built as minor 0 (no map): an old provider still loads */
	.info = pass_info,
	.readv = pass_readv,
	.writev = pass_writev,
	.flush = pass_flush,
	.discard = pass_discard,
};

static const struct devmgr_param pass_params[] = {
	{ "create_ms", DEVMGR_PARAM_INT, 0, "0",
	  "sleep this long in create (a slow start-up, for the signal tests)",
	  0, 60000 },
	{ NULL },
};

static int pass_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	int64_t ms = devmgr_param_int(dev, "create_ms");
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	/* Signals are blocked here (devmgr_run): the sleep is not cut. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (devmgr_device_dep_count(dev) != 1 ||
	    !devmgr_device_handle(devmgr_device_dep(dev, 0)))
		return devmgr_error_set(err, -EINVAL,
					"needs exactly one created blk device");
	return 0;
}

static const struct devmgr_provider pass_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = PASS_NAME,
	.help = "test: passes every blk op through to the device below",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = 0,
	.ops = &pass_ops,
	.params = pass_params,
	.on_sig = "blk",
	.on_min = 1,
	.on_max = 1,
	.create = pass_create,
};

static const struct devmgr_provider *const providers[] = {
	&pass_provider,
	NULL,
};

DEVMGR_PLUGIN(PASS_NAME, "0.1.0", providers, NULL);
