/* console: text consoles on standard output (console-stdio) and in a file
 * (console-file).  Both use write(2) directly, so nothing sits in a stdio
 * buffer when the program dies and lines from several devices sharing one
 * fd never interleave mid-buffer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dup3 */
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/console.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct console {
	int fd;
	char name[64];
	char path[PATH_MAX]; /* console-file's, for reopen */
};

static int console_info(struct devmgr_console *c,
			struct devmgr_console_info *out)
{
	const struct console *con = c->priv;

	snprintf(out->name, sizeof(out->name), "%s", con->name);
	return 0;
}

/* A descriptor shared with other programs (a terminal, a pipe) may have been
 * made non-blocking by one of them; the contract is to write everything, so
 * wait for room instead of reporting EAGAIN. */
static int wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int console_write(struct devmgr_console *c, const char *buf, size_t len)
{
	const struct console *con = c->priv;

	while (len > 0) {
		ssize_t n = write(con->fd, buf, len);
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			rc = wait_writable(con->fd);
			if (rc < 0)
				return rc;
			continue;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int console_file_flush(struct devmgr_console *c)
{
	const struct console *con = c->priv;

	return fsync(con->fd) < 0 ? -errno : 0;
}

/* ---- console-stdio ---------------------------------------------------- */

static const struct devmgr_console_ops stdio_ops = {
	.minor = DEVMGR_CONSOLE_MINOR,
	.info = console_info,
	.write = console_write,
};

static const struct devmgr_param stdio_params[] = {
	{ NULL },
};

static int stdio_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct console *con = devmgr_device_priv(dev);

	(void)err;
	con->fd = STDOUT_FILENO;
	snprintf(con->name, sizeof(con->name), "stdout");
	return 0;
}

static const struct devmgr_provider stdio_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "console-stdio",
	.help = "console on the program's standard output",
	.sig = "console",
	.sig_major = DEVMGR_CONSOLE_MAJOR,
	.sig_minor = DEVMGR_CONSOLE_MINOR,
	.ops = &stdio_ops,
	.params = stdio_params,
	.priv_size = sizeof(struct console),
	.create = stdio_create,
};

/* ---- console-file ----------------------------------------------------- */

/* The new file takes the old one's descriptor (dup2), so that no write
 * can find the console without one.  A reopened file is appended to: a
 * rotation tool may already have put something there. */
static int console_file_reopen(struct devmgr_console *c)
{
	struct console *con = c->priv;
	int fd = open(con->path, O_CLOEXEC | O_CREAT | O_WRONLY | O_APPEND,
		      0644);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (dup3(fd, con->fd, O_CLOEXEC) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static const struct devmgr_console_ops file_ops = {
	.minor = DEVMGR_CONSOLE_MINOR,
	.info = console_info,
	.write = console_write,
	.flush = console_file_flush,
	.reopen = console_file_reopen,
};

static const struct devmgr_param file_params[] = {
	{ "path", DEVMGR_PARAM_PATH, DEVMGR_PARAM_REQUIRED, NULL,
	  "file to write to (created with mode 0644 if missing)", 0, 0 },
	{ "append", DEVMGR_PARAM_BOOL, 0, "false",
	  "append to the file instead of truncating it", 0, 0 },
	{ NULL },
};

static int file_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct console *con = devmgr_device_priv(dev);
	const char *path = devmgr_param_str(dev, "path");
	int flags = O_CLOEXEC | O_CREAT | O_WRONLY;

	flags |= devmgr_param_bool(dev, "append") ? O_APPEND : O_TRUNC;
	con->fd = open(path, flags, 0644);
	if (con->fd < 0) {
		int e = errno;

		return devmgr_error_set(err, -e, "open %s: %s", path,
					strerror(e));
	}
	snprintf(con->name, sizeof(con->name), "%s", path);
	if (snprintf(con->path, sizeof(con->path), "%s", path) >=
	    (int)sizeof(con->path)) {
		close(con->fd);
		return devmgr_error_set(err, -ENAMETOOLONG, "%s: path too long",
					path);
	}
	return 0;
}

static void file_destroy(struct devmgr_device *dev)
{
	struct console *con = devmgr_device_priv(dev);

	close(con->fd);
}

static const struct devmgr_provider file_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "console-file",
	.help = "console written to a file",
	.sig = "console",
	.sig_major = DEVMGR_CONSOLE_MAJOR,
	.sig_minor = DEVMGR_CONSOLE_MINOR,
	.ops = &file_ops,
	.params = file_params,
	.priv_size = sizeof(struct console),
	.create = file_create,
	.destroy = file_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&stdio_provider,
	&file_provider,
	NULL,
};

DEVMGR_PLUGIN("console", "0.1.0", providers, NULL);
