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
	FIELD_AE,  /* Accept-Encoding */
	FIELD_EXPECT,
	/* the fields kept in the request as received */
	FIELD_RANGE,
	FIELD_IF_RANGE,
	FIELD_INM, /* If-None-Match */
	FIELD_REFERER,
	FIELD_UA,
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

static const struct {
	const char *name;
	unsigned kind;
} fields[] = {
	{ "host", FIELD_HOST },		 { "if-modified-since", FIELD_IMS },
	{ "accept-encoding", FIELD_AE }, { "expect", FIELD_EXPECT },
	{ "range", FIELD_RANGE },	 { "if-range", FIELD_IF_RANGE },
	{ "if-none-match", FIELD_INM },	 { "referer", FIELD_REFERER },
	{ "user-agent", FIELD_UA },
};

static unsigned kind_of(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == len &&
		    memcmp(name, fields[i].name, len) == 0)
			return fields[i].kind;
	return FIELD_OTHER;
}

/* Where a kept field's value goes. */
struct kept {
	char *s;
	size_t cap;
	uint16_t *len;
	bool *present, *cut;
};
#define KEPT(v)                                                                \
	(struct kept)                                                          \
	{                                                                      \
		(v).s, sizeof((v).s), &(v).len, &(v).present, &(v).cut         \
	}

static bool kept_of(struct http_request *req, unsigned kind, struct kept *k)
{
	switch (kind) {
	case FIELD_RANGE:
		*k = KEPT(req->range);
		return true;
	case FIELD_IF_RANGE:
		*k = KEPT(req->if_range);
		return true;
	case FIELD_INM:
		*k = KEPT(req->if_none_match);
		return true;
	case FIELD_REFERER:
		*k = KEPT(req->referer);
		return true;
	case FIELD_UA:
		*k = KEPT(req->user_agent);
		return true;
	default:
		return false;
	}
}

/* A second If-None-Match continues the list; a second Range or If-Range
 * makes the field one to ignore (cut); the log keeps the first Referer
 * and User-Agent. */
static void kept_begin(struct http_request *req, unsigned kind)
{
	struct kept k;

	if (!kept_of(req, kind, &k))
		return;
	if (!*k.present) {
		*k.present = true;
	} else if (kind == FIELD_INM && !*k.cut && *k.len + 1u < k.cap) {
		k.s[(*k.len)++] = ',';
		k.s[*k.len] = '\0';
	} else {
		*k.cut = true;
	}
}

static void kept_add(struct http_request *req, unsigned kind, const char *at,
		     size_t len)
{
	struct kept k;
	size_t room, n;

	if (!kept_of(req, kind, &k) || *k.cut)
		return;
	room = k.cap - 1 - *k.len;
	n = len < room ? len : room;
	memcpy(k.s + *k.len, at, n);
	*k.len = (uint16_t)(*k.len + n);
	k.s[*k.len] = '\0';
	if (n < len)
		*k.cut = true;
}

static bool value_is(const struct http_reader *r, const char *s)
{
	size_t n = strlen(s);

	return r->value_len == n && strncasecmp(r->value, s, n) == 0;
}

/* A header is complete when the next name starts or the head ends. */
static void end_header(struct http_reader *r)
{
	if (!r->in_value)
		return;
	switch (r->field_kind) {
	case FIELD_HOST:
		r->req.host_count++;
		break;
	case FIELD_IMS:
		if (r->value_len < sizeof(r->value))
			r->req.if_modified_since =
				http_parse_date(r->value, r->value_len);
		break;
	case FIELD_AE:
		if (http_accepts_gzip(r->value, r->value_len))
			r->req.accept_gzip = true;
		break;
	case FIELD_EXPECT:
		/* the only expectation HTTP defines */
		if (value_is(r, "100-continue"))
			r->expect_continue = true;
		else
			refuse(r, 417);
		break;
	}
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
			r->field[r->field_len] =
				(char)tolower((unsigned char)at[i]);
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
		kept_begin(&r->req, r->field_kind);
	}
	if (r->field_kind >= FIELD_RANGE) {
		kept_add(&r->req, r->field_kind, at, len);
	} else if (r->field_kind != FIELD_OTHER) {
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
	r->head_done = true;
	if (r->req.status)
		return 1;
	if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX &&
	    p->content_length > r->lim.max_body)
		return refuse(r, 413);
	/* RFC 9110 10.1.1: an HTTP/1.0 client's expectation is ignored */
	if (r->expect_continue && p->http_major == 1 && p->http_minor >= 1 &&
	    ((p->flags & F_CHUNKED) ||
	     (p->content_length != ULLONG_MAX && p->content_length > 0)))
		r->continue_due = true;
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_reader *r = reader_of(p);

	(void)at; /* the body is counted, not kept */
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
	r->head_done = false;
	r->expect_continue = false;
	r->continue_due = false;
	r->method_len = 0;
	r->method_done = false;
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
	return r->started || r->method_len > 0;
}

bool http_reader_in_head(const struct http_reader *r)
{
	return http_reader_started(r) && !r->head_done;
}

bool http_reader_take_continue(struct http_reader *r)
{
	bool due = r->continue_due && !r->complete;

	r->continue_due = false;
	return due;
}

/* http-parser's own header limit (80 KiB) is far above ours, so it is
 * only reached when ours is set higher. */
static int parse_error_status(enum http_errno e)
{
	return e == HPE_HEADER_OVERFLOW ? 431 : 400;
}

static bool known_method(const char *m, size_t len)
{
	for (unsigned i = 0;; i++) {
		const char *s = http_method_str((enum http_method)i);
		if (strcmp(s, "<unknown>") == 0)
			return false;
		if (strlen(s) == len && memcmp(s, m, len) == 0)
			return true;
	}
}

/* Hold the method token until its space: http-parser stops at the first
 * byte of a method it does not know, so only a whole token followed by a
 * space tells an unknown method (501) from bytes that are not HTTP (400).
 * Returns the bytes taken; *unknown is set for a 501. */
static size_t hold_method(struct http_reader *r, const char *buf, size_t len,
			  bool *unknown)
{
	size_t i = 0;

	/* empty lines before a request are skipped (RFC 9112 2.2) */
	while (i < len && r->method_len == 0 &&
	       (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	for (; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == ' ') {
			*unknown = r->method_len > 0 &&
				   !known_method(r->method, r->method_len);
			r->method_done = true;
			return i;
		}
		if (!is_tchar(ch)) {
			r->method_done = true;
			return i;
		}
		if (r->method_len == sizeof(r->method) - 1) {
			/* longer than any method there is */
			*unknown = true;
			r->method_done = true;
			return i;
		}
		r->method[r->method_len++] = (char)ch;
		r->method[r->method_len] = '\0';
	}
	return i;
}

static enum http_feed feed_error(struct http_reader *r, enum http_errno e)
{
	if (r->req.status == 0)
		r->req.status = parse_error_status(e);
	r->req.method = r->parser.method;
	r->req.major = r->parser.http_major;
	r->req.minor = r->parser.http_minor;
	r->req.target_len = r->url_len;
	r->req.keep_alive = false;
	return HTTP_FEED_ERROR;
}

enum http_feed http_reader_feed(struct http_reader *r, const char *buf,
				size_t len, size_t *used)
{
	size_t held = 0, n;
	enum http_errno e;

	if (!r->method_done) {
		bool unknown = false;
		held = hold_method(r, buf, len, &unknown);
		if (!r->method_done) {
			*used = held;
			return HTTP_FEED_MORE;
		}
		const char *m = r->method;
		size_t mlen = r->method_len;
		if (unknown) {
			r->req.unknown_method = r->method;
			r->started = true;
			if (held < len && buf[held] != ' ') {
				/* a token longer than any method: the rest of
				 * it cannot be parsed */
				*used = held;
				r->req.status = 501;
				return feed_error(r, HPE_INVALID_METHOD);
			}
			/* parsed as a GET, so that its framing (a body) is
			 * read and the connection kept; answered 501 */
			m = "GET";
			mlen = 3;
		}
		n = http_parser_execute(&r->parser, &settings, m, mlen);
		e = HTTP_PARSER_ERRNO(&r->parser);
		if (e != HPE_OK || n != mlen) {
			*used = held;
			return feed_error(r, e);
		}
	}
	n = http_parser_execute(&r->parser, &settings, buf + held, len - held);
	e = HTTP_PARSER_ERRNO(&r->parser);
	*used = held + n;
	if (r->complete && r->req.status == 0) {
		r->req.target_len = r->url_len;
		r->req.upgrade = r->parser.upgrade != 0;
		if (r->req.upgrade)
			r->req.keep_alive = false;
		return HTTP_FEED_REQUEST;
	}
	if (e == HPE_OK && held + n == len)
		return HTTP_FEED_MORE;
	return feed_error(r, e);
}

/* ---- validators, ranges, encodings ------------------------------------ */

static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Up to 18 digits (no overflow); false for none or more. */
static bool number(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	while (*p < end && isdigit((unsigned char)**p)) {
		if (++n > 18)
			return false;
		v = v * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	*out = v;
	return n > 0;
}

int http_range_parse(const char *v, size_t len, uint64_t size, uint64_t *first,
		     uint64_t *last)
{
	const char *p = v, *end = v + len;
	uint64_t a = 0, b = 0;
	bool has_a, has_b;

	if (len < 6 || strncasecmp(p, "bytes", 5) != 0)
		return -1;
	p = skip_ows(p + 5, end);
	if (p == end || *p++ != '=')
		return -1;
	p = skip_ows(p, end);
	has_a = number(&p, end, &a);
	if (p == end || *p++ != '-')
		return -1;
	has_b = number(&p, end, &b);
	if (skip_ows(p, end) != end)
		return -1; /* several ranges, or not a range */
	if (has_a && has_b && b < a)
		return -1;
	if (!has_a) {
		/* "-n": the last n bytes */
		if (!has_b)
			return -1;
		if (b == 0 || size == 0)
			return 0;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (a >= size)
		return 0;
	*first = a;
	*last = has_b && b < size ? b : size - 1;
	return 1;
}

void http_format_etag(int64_t mtime, uint64_t size, char out[HTTP_ETAG_LEN])
{
	snprintf(out, HTTP_ETAG_LEN, "\"%llx-%llx\"",
		 (unsigned long long)(mtime < 0 ? 0 : mtime),
		 (unsigned long long)size);
}

/* One entity tag at *p ([W/]"..."), opaque part with its quotes in
 * [*tag, *tag + *tag_len). */
static bool entity_tag(const char **p, const char *end, bool *weak,
		       const char **tag, size_t *tag_len)
{
	const char *q = *p;

	*weak = end - q >= 2 && q[0] == 'W' && q[1] == '/';
	if (*weak)
		q += 2;
	if (q == end || *q != '"')
		return false;
	*tag = q++;
	while (q < end && *q != '"') {
		unsigned char c = (unsigned char)*q;
		if (c != 0x21 && (c < 0x23 || c == 0x7f))
			return false;
		q++;
	}
	if (q == end)
		return false;
	q++;
	*tag_len = (size_t)(q - *tag);
	*p = q;
	return true;
}

bool http_etag_list_match(const char *list, size_t len, const char *etag)
{
	const char *p = list, *end = list + len;
	size_t elen = strlen(etag);

	p = skip_ows(p, end);
	if (p < end && *p == '*')
		return skip_ows(p + 1, end) == end;
	while (p < end) {
		const char *tag;
		size_t tag_len;
		bool weak;

		if (*p == ',') {
			p = skip_ows(p + 1, end);
			continue;
		}
		if (!entity_tag(&p, end, &weak, &tag, &tag_len))
			return false;
		/* weak comparison: W/ is not part of the tag */
		if (tag_len == elen && memcmp(tag, etag, elen) == 0)
			return true;
		p = skip_ows(p, end);
		if (p < end && *p != ',')
			return false;
	}
	return false;
}

bool http_if_range_match(const char *v, size_t len, const char *etag,
			 int64_t mtime)
{
	const char *p = v, *end = v + len;
	const char *tag;
	size_t tag_len;
	bool weak;

	if (len > 0 &&
	    (v[0] == '"' || (len > 1 && v[0] == 'W' && v[1] == '/'))) {
		/* strong comparison: a weak tag never matches */
		return entity_tag(&p, end, &weak, &tag, &tag_len) && !weak &&
		       skip_ows(p, end) == end && tag_len == strlen(etag) &&
		       memcmp(tag, etag, tag_len) == 0;
	}
	return mtime >= 0 && http_parse_date(v, len) == mtime;
}

/* A q-value's weight is 0 ("0", "0.", "0.0", up to "0.000"). */
static bool q_zero(const char *p, const char *end)
{
	if (p == end || *p != '0')
		return false;
	for (p++; p < end && (*p == '.' || *p == '0'); p++)
		;
	return skip_ows(p, end) == end;
}

/* An explicit gzip (or x-gzip) decides; "*" counts only without it. */
bool http_accepts_gzip(const char *v, size_t len)
{
	const char *p = v, *end = v + len;
	int gzip = -1, star = -1;

	while (p < end) {
		const char *item = skip_ows(p, end), *e = item, *name_end, *q;
		size_t n;
		bool yes = true;

		while (e < end && *e != ',')
			e++;
		p = e < end ? e + 1 : e;
		for (name_end = item; name_end < e && *name_end != ';' &&
				      *name_end != ' ' && *name_end != '\t';
		     name_end++)
			;
		n = (size_t)(name_end - item);
		/* parameters: only q matters */
		for (q = name_end; q < e && *q != ';'; q++)
			;
		if (q < e) {
			q = skip_ows(q + 1, e);
			if (e - q >= 2 && (q[0] == 'q' || q[0] == 'Q') &&
			    q[1] == '=' && q_zero(q + 2, e))
				yes = false;
		}
		if ((n == 4 && strncasecmp(item, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(item, "x-gzip", 6) == 0))
			gzip = gzip == 1 || yes;
		else if (n == 1 && *item == '*')
			star = yes;
	}
	return gzip >= 0 ? gzip == 1 : star == 1;
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
	if (len < 8 ||
	    (strncasecmp(target, "http://", 7) != 0 &&
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

int http_path_normalise(const char *target, size_t len, char *out, size_t size)
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
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
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
		for (size_t i = 0;
		     i < sizeof(media_types) / sizeof(media_types[0]); i++)
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
