/* error.c: struct devmgr_error, errno names, and did-you-mean. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void devmgr_error_clear(struct devmgr_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int devmgr__verror(struct devmgr_error *err, int code, const char *fmt,
		   va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
	}
	return code;
}

int devmgr_error_set(struct devmgr_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	devmgr__verror(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int devmgr__error_at(struct devmgr_error *err, int code, const char *source,
		     const char *pointer, const char *fmt, ...)
{
	if (!err)
		return code;
	devmgr_error_clear(err);
	snprintf(err->source, sizeof(err->source), "%s", source ? source : "");
	snprintf(err->pointer, sizeof(err->pointer), "%s",
		 pointer ? pointer : "");
	va_list ap;
	va_start(ap, fmt);
	devmgr__verror(err, code, fmt, ap);
	va_end(ap);
	return code;
}

const char *devmgr_error_format(const struct devmgr_error *err, char *buf,
				size_t size)
{
	if (!size)
		return buf;
	if (!err) {
		buf[0] = '\0';
		return buf;
	}
	const char *text = err->text[0] ? err->text : strerror(-err->code);
	if (err->source[0] && err->line > 0)
		snprintf(buf, size, "%s:%d:%d: %s", err->source, err->line,
			 err->column, text);
	else if (err->source[0] && err->pointer[0])
		snprintf(buf, size, "%s: %s: %s", err->source, err->pointer,
			 text);
	else if (err->pointer[0])
		snprintf(buf, size, "%s: %s", err->pointer, text);
	else if (err->source[0])
		snprintf(buf, size, "%s: %s", err->source, text);
	else
		snprintf(buf, size, "%s", text);
	return buf;
}

/* One table, as libuv's UV_ERRNO_MAP: the errnos a device may return.
 * clang-format would split the X( calls across lines. */
/* clang-format off */
#define ERRNO_MAP(X)                                                          \
	X(EPERM) X(ENOENT) X(EIO) X(ENXIO) X(E2BIG) X(EBADF) X(EAGAIN)        \
	X(ENOMEM) X(EACCES) X(EFAULT) X(EBUSY) X(EEXIST) X(ENODEV)            \
	X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(EFBIG)           \
	X(ENOSPC) X(ESPIPE) X(EROFS) X(EPIPE) X(ERANGE) X(ENAMETOOLONG)       \
	X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(ENOEXEC) X(EOPNOTSUPP)              \
	X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH)             \
	X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN)       \
	X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTUNREACH) X(EALREADY)              \
	X(EINPROGRESS) X(EMSGSIZE) X(ECANCELED) X(EPROTO)         \
	X(ENOTSOCK) X(EDESTADDRREQ) X(EPROTONOSUPPORT) X(EAFNOSUPPORT)
/* clang-format on */

const char *devmgr_err_name(int code)
{
	switch (-code) {
#define X(e)                                                                  \
	case e:                                                              \
		return #e;
		ERRNO_MAP(X)
#undef X
	case 0:
		return "OK";
	default:
		return "EUNKNOWN";
	}
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *devmgr__did_you_mean(const char *word, const char *const *cands,
				 size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	size_t limit = strlen(word) / 3 + 1;
	if (limit > 3)
		limit = 3;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i]);
		if (d <= limit && d < best_d) {
			best = cands[i];
			best_d = d;
		}
	}
	return best;
}
