/* error.c: struct devmgr_error, errno names, and did-you-mean. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void devmgr_error_clear(struct devmgr_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0: overlong
 * forms, surrogates and code points past U+10FFFF are not valid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

size_t devmgr__escape(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;
	if (!size)
		return 0;
	while (*s) {
		size_t len = utf8_len(s);
		bool plain = len > 1 || (len == 1 && *s >= 0x20 && *s != 0x7f);
		size_t need = plain ? len : 4;
		if (n + need >= size)
			break; /* never half an escape or half a character */
		if (plain) {
			memcpy(dst + n, s, len);
		} else {
			dst[n] = '\\';
			dst[n + 1] = 'x';
			dst[n + 2] = hex[*s >> 4];
			dst[n + 3] = hex[*s & 15];
		}
		n += need;
		s += plain ? len : 1;
	}
	dst[n] = '\0';
	return n;
}

/* Escape buf in place (it holds size bytes). */
static void escape_in_place(char *buf, size_t size)
{
	char raw[1024];
	size_t len = strlen(buf);
	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	memcpy(raw, buf, len);
	raw[len] = '\0';
	devmgr__escape(buf, size, raw);
}

int devmgr__verror(struct devmgr_error *err, int code, const char *fmt,
		   va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		escape_in_place(err->text, sizeof(err->text));
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
	devmgr__escape(err->source, sizeof(err->source), source ? source : "");
	devmgr__escape(err->pointer, sizeof(err->pointer),
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
	/* The fields may have been filled by hand, not by devmgr__error_at:
	 * escape again, so that one error is always one line. */
	char text[sizeof(err->text) * 4], source[sizeof(err->source) * 4],
		pointer[sizeof(err->pointer) * 4];
	devmgr__escape(text, sizeof(text),
		       err->text[0] ? err->text : strerror(-err->code));
	devmgr__escape(source, sizeof(source), err->source);
	devmgr__escape(pointer, sizeof(pointer), err->pointer);
	if (source[0] && err->line > 0)
		snprintf(buf, size, "%s:%d:%d: %s", source, err->line,
			 err->column, text);
	else if (source[0] && pointer[0])
		snprintf(buf, size, "%s: %s: %s", source, pointer, text);
	else if (pointer[0])
		snprintf(buf, size, "%s: %s", pointer, text);
	else if (source[0])
		snprintf(buf, size, "%s: %s", source, text);
	else
		snprintf(buf, size, "%s", text);
	return buf;
}

/* One table, as libuv's UV_ERRNO_MAP: the errnos a device may return.
 * clang-format would split the X( calls across lines. */
/* clang-format off */
#define ERRNO_MAP(X)                                                          \
	X(EPERM) X(ENOENT) X(EIO) X(ENXIO) X(E2BIG) X(EBADF) X(EAGAIN)        \
	X(ENOMEM) X(EACCES) X(EFAULT) X(EBUSY) X(EEXIST) X(ENODEV) X(ETXTBSY) \
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
#define X(e)                                                                   \
	case e:                                                                \
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

const char *devmgr__file_kind(unsigned mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "an unknown kind of file";
}

/* A JSON pointer for "/<prefix>/<key>", escaping '~' and '/'; a key
 * too long for buf is cut and ends with "...". */
void devmgr__pointer(char *buf, size_t size, const char *prefix,
		     const char *key)
{
	size_t n = (size_t)snprintf(buf, size, "%s/", prefix);
	if (n + 4 >= size)
		return;
	size_t need = 0;
	for (const char *k = key; *k; k++)
		need += *k == '~' || *k == '/' ? 2 : 1;
	size_t room = n + need < size ? need : size - n - 4;
	for (size_t used = 0; *key; key++) {
		bool esc = *key == '~' || *key == '/';
		if (used + 1 + esc > room)
			break;
		if (esc) {
			buf[n++] = '~';
			buf[n++] = *key == '~' ? '0' : '1';
		} else {
			buf[n++] = *key;
		}
		used += 1 + esc;
	}
	if (*key) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}
