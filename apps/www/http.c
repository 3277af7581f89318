/* http.c: the request reader (over http-parser), the request path's
 * decoding and normalisation, and the small formatting helpers of
 * responses.  See http.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* timegm */
#endif
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- the reader ------------------------------------------------------ */

enum field_kind {
	FIELD_OTHER = 0,
	FIELD_HOST,
	FIELD_IMS, /* If-Modified-Since */
};

/* Bytes a header line costs beyond its name and value: ": " and CRLF. */
#define HEADER_LINE_OVERHEAD 4
/* " HTTP/1.1" and CRLF after the target. */
#define REQUEST_LINE_TAIL 11

static struct http_reader *reader_of(http_parser *p)
{
	return p->data;
}

/* Every callback that refuses the request sets the status it deserves
 * and returns non-zero, which stops http-parser with a CB_ error. */
static int refuse(struct http_reader *r, int status)
{
	if (r->req.status == 0)
		r->req.status = status;
	return 1;
}

static int on_message_begin(http_parser *p)
{
	reader_of(p)->started = true;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);
	size_t line = strlen(http_method_str(p->method)) + 1 + r->url_len +
		      len + REQUEST_LINE_TAIL;

	if (line > r->lim.max_request_line) {
		/* keep what fits, for the log line of the refusal */
		size_t room = r->lim.max_request_line - r->url_len;
		memcpy(r->url + r->url_len, at, len < room ? len : room);
		r->url_len += len < room ? len : room;
		r->url[r->url_len] = '\0';
		return refuse(r, 414);
	}
	memcpy(r->url + r->url_len, at, len);
	r->url_len += len;
	r->url[r->url_len] = '\0';
	return 0;
}

static int count_header(struct http_reader *r, size_t len)
{
	r->header_bytes += len;
	if (r->header_bytes > r->lim.max_header_size)
		return refuse(r, 431);
	return 0;
}

static unsigned kind_of(const char *name, size_t len)
{
	if (len == 4 && memcmp(name, "host", 4) == 0)
		return FIELD_HOST;
	if (len == 17 && memcmp(name, "if-modified-since", 17) == 0)
		return FIELD_IMS;
	return FIELD_OTHER;
}

/* A header is complete when the next name starts or the head ends. */
static void end_header(struct http_reader *r)
{
	if (!r->in_value)
		return;
	if (r->field_kind == FIELD_HOST)
		r->req.has_host = true;
	if (r->field_kind == FIELD_IMS && r->value_len < sizeof(r->value))
		r->req.if_modified_since =
			http_parse_date(r->value, r->value_len);
	r->in_value = false;
	r->field_len = 0;
	r->value_len = 0;
}

/* RFC 9110 token characters: a header name with anything else (a space
 * before the colon, say) is refused, as proxies in front of us may read
 * it differently. */
static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);

	if (r->in_value || r->field_len == 0) {
		end_header(r);
		if (count_header(r, HEADER_LINE_OVERHEAD))
			return 1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_tchar((unsigned char)at[i]))
			return refuse(r, 400);
		/* a longer name is none that we read: keep counting only */
		if (r->field_len < sizeof(r->field))
			r->field[r->field_len] = (char)tolower((unsigned char)at[i]);
		r->field_len++;
	}
	return count_header(r, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);

	if (!r->in_value) {
		r->in_value = true;
		r->field_kind = r->field_len <= sizeof(r->field)
					? kind_of(r->field, r->field_len)
					: FIELD_OTHER;
	}
	if (r->field_kind != FIELD_OTHER) {
		/* a value too long to be a date stays too long: it is then
		 * ignored, as an unreadable date must be */
		size_t room = sizeof(r->value) - r->value_len;
		size_t n = len < room ? len : room;
		memcpy(r->value + r->value_len, at, n);
		r->value_len += len > room ? room + 1 : n;
		if (r->value_len > sizeof(r->value))
			r->value_len = sizeof(r->value);
	}
	return count_header(r, len);
}

static int on_headers_complete(http_parser *p)
{
	struct http_reader *r = reader_of(p);

	end_header(r);
	if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX &&
	    p->content_length > r->lim.max_body)
		return refuse(r, 413);
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);

	r->body_bytes += len;
	if (r->body_bytes > r->lim.max_body)
		return refuse(r, 413);
	return 0;
}

/* Pausing here leaves the bytes of the next pipelined request untouched
 * in the caller's buffer: requests are answered one at a time, in order. */
static int on_message_complete(http_parser *p)
{
	struct http_reader *r = reader_of(p);

	r->req.method = p->method;
	r->req.major = p->http_major;
	r->req.minor = p->http_minor;
	r->req.keep_alive = http_should_keep_alive(p) != 0;
	r->complete = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

static void reset_request(struct http_reader *r)
{
	memset(&r->req, 0, sizeof(r->req));
	r->req.if_modified_since = -1;
	r->req.target = r->url;
	r->url_len = 0;
	r->url[0] = '\0';
	r->header_bytes = 0;
	r->body_bytes = 0;
	r->field_len = 0;
	r->value_len = 0;
	r->in_value = false;
	r->complete = false;
	r->started = false;
}

void http_reader_init(struct http_reader *r, const struct http_limits *lim,
		      char *url)
{
	memset(r, 0, sizeof(*r));
	r->lim = *lim;
	r->url = url;
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
	reset_request(r);
}

void http_reader_next(struct http_reader *r)
{
	http_parser_pause(&r->parser, 0);
	reset_request(r);
}

bool http_reader_started(const struct http_reader *r)
{
	return r->started;
}

/* http-parser's own header limit (80 KiB) is far above ours, so it is
 * only reached when ours is set higher. */
static int parse_error_status(enum http_errno e)
{
	return e == HPE_HEADER_OVERFLOW ? 431 : 400;
}

enum http_feed http_reader_feed(struct http_reader *r, const char *buf,
				size_t len, size_t *used)
{
	size_t n = http_parser_execute(&r->parser, &settings, buf, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);

	*used = n;
	if (r->complete && r->req.status == 0) {
		r->req.target_len = r->url_len;
		r->req.upgrade = r->parser.upgrade != 0;
		if (r->req.upgrade)
			r->req.keep_alive = false;
		return HTTP_FEED_REQUEST;
	}
	if (e == HPE_OK && n == len)
		return HTTP_FEED_MORE;
	if (r->req.status == 0)
		r->req.status = parse_error_status(e);
	r->req.method = r->parser.method;
	r->req.major = r->parser.http_major;
	r->req.minor = r->parser.http_minor;
	r->req.target_len = r->url_len;
	r->req.keep_alive = false;
	return HTTP_FEED_ERROR;
}

/* ---- paths ----------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The path part of the target: origin form, or the path of an absolute
 * form (a proxy-style request). */
static int target_path(const char *target, size_t len, const char **path,
		       size_t *plen)
{
	struct http_parser_url u;
	size_t i;

	if (len > 0 && target[0] == '/') {
		for (i = 0; i < len && target[i] != '?' && target[i] != '#';
		     i++)
			;
		*path = target;
		*plen = i;
		return 0;
	}
	http_parser_url_init(&u);
	if (len < 8 || (strncasecmp(target, "http://", 7) != 0 &&
			strncasecmp(target, "https://", 8) != 0) ||
	    http_parser_parse_url(target, len, 0, &u) != 0)
		return -EINVAL;
	if (!(u.field_set & (1 << UF_PATH))) {
		*path = "/";
		*plen = 1;
		return 0;
	}
	*path = target + u.field_data[UF_PATH].off;
	*plen = u.field_data[UF_PATH].len;
	return 0;
}

/* Decode one segment raw[0..len) into seg; refuse what could change the
 * meaning of the path once decoded. */
static int decode_segment(const char *raw, size_t len, char *seg,
			  size_t *seg_len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)raw[i];
		if (c == '%') {
			if (len - i < 3)
				return -EINVAL;
			int hi = hexval((unsigned char)raw[i + 1]);
			int lo = hexval((unsigned char)raw[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
			return -EINVAL;
		seg[n++] = (char)c;
	}
	*seg_len = n;
	return 0;
}

int http_path_normalise(const char *target, size_t len, char *out,
			size_t size)
{
	const char *path;
	size_t plen, o = 1;
	bool dir = false;
	int rc = target_path(target, len, &path, &plen);

	if (rc < 0)
		return rc;
	if (size < 2)
		return -ENAMETOOLONG;
	out[0] = '/';
	for (size_t i = 0; i < plen;) {
		size_t j = i, seg_len;
		while (j < plen && path[j] != '/')
			j++;
		/* a decoded segment is never longer than its raw form */
		if (o + (j - i) + 1 >= size)
			return -ENAMETOOLONG;
		rc = decode_segment(path + i, j - i, out + o, &seg_len);
		if (rc < 0)
			return rc;
		dir = true;
		if (seg_len == 0 || (seg_len == 1 && out[o] == '.')) {
			/* "//" and "/./" add nothing */
		} else if (seg_len == 2 && out[o] == '.' && out[o + 1] == '.') {
			if (o == 1)
				return -EACCES;
			o--; /* the '/' after the last segment */
			while (out[o - 1] != '/')
				o--;
		} else {
			o += seg_len;
			out[o++] = '/';
			dir = false;
		}
		i = j + 1;
		if (j == plen)
			break;
		if (i == plen)
			dir = true; /* a trailing '/' */
	}
	/* out ends with '/' after every kept segment; keep it only when the
	 * target named a folder */
	if (o > 1 && !dir)
		o--;
	out[o] = '\0';
	return 0;
}

int http_path_encode(const char *path, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		bool keep = isalnum(*p) || strchr("/-._~!$&'()*+,;=:@", *p);
		if (o + (keep ? 1 : 3) >= size)
			return -ENAMETOOLONG;
		if (keep) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (o >= size)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return (int)o;
}

/* ---- responses ------------------------------------------------------- */

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static const struct {
	const char *ext;
	const char *type;
} media_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "wasm", "application/wasm" },
	{ "pdf", "application/pdf" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "wav", "audio/wav" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },
	{ "tar", "application/x-tar" },
};

const char *http_media_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');

	if (dot && dot[1] != '\0')
		for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]);
		     i++)
			if (strcasecmp(dot + 1, media_types[i].ext) == 0)
				return media_types[i].type;
	return "application/octet-stream";
}

static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed",
				  "Thu", "Fri", "Sat" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static char *put_num(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

/* Not strftime: %a and %b follow the locale, HTTP dates do not.  Years
 * outside 1970..9999 are written as 1970. */
void http_format_date(int64_t t, char out[HTTP_DATE_LEN])
{
	time_t tt = t < 0 || t > 253402300799LL ? 0 : (time_t)t;
	struct tm tm;
	char *p = out;

	gmtime_r(&tt, &tm);
	memcpy(p, wdays[tm.tm_wday], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put_num(p, (unsigned)tm.tm_mday, 2);
	*p++ = ' ';
	memcpy(p, months[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	p = put_num(p, (unsigned)tm.tm_year + 1900, 4);
	*p++ = ' ';
	p = put_num(p, (unsigned)tm.tm_hour, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_min, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_sec, 2);
	memcpy(p, " GMT", 5);
}

/* Digits at *p, exactly n of them; -1 otherwise. */
static int digits(const char **p, const char *end, int n)
{
	int v = 0;

	if (end - *p < n)
		return -1;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

static int month(const char **p, const char *end)
{
	for (int m = 0; m < 12; m++)
		if (lit(p, end, months[m]))
			return m;
	return -1;
}

/* "08:49:37" */
static bool clock_time(const char **p, const char *end, struct tm *tm)
{
	tm->tm_hour = digits(p, end, 2);
	if (tm->tm_hour < 0 || !lit(p, end, ":"))
		return false;
	tm->tm_min = digits(p, end, 2);
	if (tm->tm_min < 0 || !lit(p, end, ":"))
		return false;
	tm->tm_sec = digits(p, end, 2);
	return tm->tm_sec >= 0 && tm->tm_hour < 24 && tm->tm_min < 60 &&
	       tm->tm_sec < 61;
}

/* After "Sun, ": "06 Nov 1994 08:49:37 GMT" or "06-Nov-94 08:49:37 GMT" */
static bool after_comma(const char **p, const char *end, struct tm *tm)
{
	bool rfc850;

	tm->tm_mday = digits(p, end, 2);
	if (tm->tm_mday < 0)
		return false;
	rfc850 = lit(p, end, "-");
	if (!rfc850 && !lit(p, end, " "))
		return false;
	if ((tm->tm_mon = month(p, end)) < 0 ||
	    !lit(p, end, rfc850 ? "-" : " "))
		return false;
	if (rfc850) {
		int yy = digits(p, end, 2);
		if (yy < 0)
			return false;
		/* RFC 9110: a two-digit year more than 50 years ahead is in
		 * the past century; kept simple as 1970..2069 */
		tm->tm_year = yy < 70 ? yy + 100 : yy;
	} else {
		int y = digits(p, end, 4);
		if (y < 1970)
			return false;
		tm->tm_year = y - 1900;
	}
	return lit(p, end, " ") && clock_time(p, end, tm) &&
	       lit(p, end, " GMT");
}

/* After "Sun ": "Nov  6 08:49:37 1994" */
static bool asctime_rest(const char **p, const char *end, struct tm *tm)
{
	int y;

	if ((tm->tm_mon = month(p, end)) < 0 || !lit(p, end, " "))
		return false;
	if (lit(p, end, " "))
		tm->tm_mday = digits(p, end, 1);
	else
		tm->tm_mday = digits(p, end, 2);
	if (tm->tm_mday < 0 || !lit(p, end, " ") || !clock_time(p, end, tm) ||
	    !lit(p, end, " "))
		return false;
	y = digits(p, end, 4);
	if (y < 1970)
		return false;
	tm->tm_year = y - 1900;
	return true;
}

int64_t http_parse_date(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	struct tm tm;
	bool ok;

	memset(&tm, 0, sizeof(tm));
	while (p < end && isalpha((unsigned char)*p))
		p++;
	if (p - s < 3)
		return -1;
	if (lit(&p, end, ", "))
		ok = after_comma(&p, end, &tm);
	else
		ok = lit(&p, end, " ") && asctime_rest(&p, end, &tm);
	if (!ok || p != end || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	return (int64_t)timegm(&tm);
}
