/* hello: a console provider built outside the devmgr tree, against an
 * installed devmgr.  Every write goes to standard error behind "hello: ".
 *
 * A provider is a static ops table for its signature, a parameter table, a
 * struct devmgr_provider tying them together, and one DEVMGR_PLUGIN() that
 * makes the file a loadable plugin. */
#include <devmgr/plugin.h>
#include <devmgr/sig/console.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static const char prefix[] = "hello: ";

static int hello_info(struct devmgr_console *c, struct devmgr_console_info *out)
{
	(void)c;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "stderr (hello)");
	return 0;
}

/* The prefix and the text go out in one writev, so that another writer on
 * stderr cannot slip in between them. */
static int hello_write(struct devmgr_console *c, const char *buf, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)prefix, .iov_len = sizeof(prefix) - 1 },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	struct iovec *v = iov;
	int cnt = 2;

	(void)c;
	while (cnt > 0) {
		ssize_t n = writev(STDERR_FILENO, v, cnt);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		while (cnt > 0 && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			cnt--;
		}
		if (cnt > 0) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static const struct devmgr_console_ops hello_ops = {
	.minor = DEVMGR_CONSOLE_MINOR,
	.info = hello_info,
	.write = hello_write,
};

static const struct devmgr_param hello_params[] = {
	{ NULL },
};

static int hello_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	(void)dev;
	(void)err;
	return 0;
}

static const struct devmgr_provider hello_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "console-hello",
	.help = "console on stderr, each write prefixed with \"hello: \"",
	.sig = "console",
	.sig_major = DEVMGR_CONSOLE_MAJOR,
	.sig_minor = DEVMGR_CONSOLE_MINOR,
	.ops = &hello_ops,
	.params = hello_params,
	.create = hello_create,
};

static const struct devmgr_provider *const providers[] = {
	&hello_provider,
	NULL,
};

DEVMGR_PLUGIN("hello", "0.1.0", providers, NULL);
