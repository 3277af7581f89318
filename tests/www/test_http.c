/* Unit tests of the www app's HTTP core (apps/www/http.c): the request
 * reader and its limits, path decoding and normalisation, dates, media
 * types.  Bad input is checked as carefully as good input: every refusal
 * is checked for the status it must get. */
#include "../../apps/www/http.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct http_limits lim = {
	.max_request_line = 256,
	.max_header_size = 1024,
	.max_body = 100,
};

static char url[257];
static struct http_reader rd;

static void setup(void)
{
	http_reader_init(&rd, &lim, url);
}

/* Feed all of s at once; *used is what was taken. */
static enum http_feed feed(const char *s, size_t *used)
{
	return http_reader_feed(&rd, s, strlen(s), used);
}

static enum http_feed feed_all(const char *s)
{
	size_t used;
	return feed(s, &used);
}

START_TEST(get_simple)
{
	size_t used;
	const char *s = "GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";

	ck_assert_int_eq(feed(s, &used), HTTP_FEED_REQUEST);
	ck_assert_uint_eq(used, strlen(s));
	ck_assert_uint_eq(rd.req.method, HTTP_GET);
	ck_assert_str_eq(rd.req.target, "/index.html?x=1");
	ck_assert_uint_eq(rd.req.target_len, 15);
	ck_assert_uint_eq(rd.req.host_count, 1);
	ck_assert(rd.req.keep_alive);
	ck_assert_int_eq(rd.req.status, 0);
	ck_assert_int_eq(rd.req.if_modified_since, -1);
	ck_assert_uint_eq(rd.req.major, 1);
	ck_assert_uint_eq(rd.req.minor, 1);
}
END_TEST

START_TEST(byte_by_byte)
{
	const char *s = "HEAD /a/b HTTP/1.1\r\nHost: h\r\n"
			"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			"\r\n";
	size_t n = strlen(s), used;

	for (size_t i = 0; i + 1 < n; i++) {
		ck_assert_int_eq(http_reader_feed(&rd, s + i, 1, &used),
				 HTTP_FEED_MORE);
		ck_assert_uint_eq(used, 1);
		ck_assert(http_reader_started(&rd));
	}
	ck_assert_int_eq(http_reader_feed(&rd, s + n - 1, 1, &used),
			 HTTP_FEED_REQUEST);
	ck_assert_uint_eq(rd.req.method, HTTP_HEAD);
	ck_assert_str_eq(rd.req.target, "/a/b");
	ck_assert_int_eq(rd.req.if_modified_since, 784111777);
}
END_TEST

START_TEST(pipelined)
{
	const char *s = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
			"GET /two HTTP/1.1\r\nHost: a\r\n\r\n"
			"GET /thr";
	size_t used, off = 0;

	ck_assert_int_eq(http_reader_feed(&rd, s, strlen(s), &used),
			 HTTP_FEED_REQUEST);
	ck_assert_str_eq(rd.req.target, "/one");
	off += used;
	http_reader_next(&rd);
	ck_assert(!http_reader_started(&rd));
	ck_assert_int_eq(http_reader_feed(&rd, s + off, strlen(s) - off, &used),
			 HTTP_FEED_REQUEST);
	ck_assert_str_eq(rd.req.target, "/two");
	off += used;
	http_reader_next(&rd);
	ck_assert_int_eq(http_reader_feed(&rd, s + off, strlen(s) - off, &used),
			 HTTP_FEED_MORE);
	ck_assert_uint_eq(off + used, strlen(s));
	ck_assert(http_reader_started(&rd));
	ck_assert_int_eq(feed_all("ee HTTP/1.1\r\nHost: a\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert_str_eq(rd.req.target, "/three");
}
END_TEST

START_TEST(keep_alive_rules)
{
	ck_assert_int_eq(feed_all("GET / HTTP/1.0\r\n\r\n"), HTTP_FEED_REQUEST);
	ck_assert(!rd.req.keep_alive);
	ck_assert_uint_eq(rd.req.host_count, 0);
	http_reader_next(&rd);
	ck_assert_int_eq(
		feed_all("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
		HTTP_FEED_REQUEST);
	ck_assert(rd.req.keep_alive);
	http_reader_next(&rd);
	ck_assert_int_eq(feed_all("GET / HTTP/1.1\r\nHost: a\r\nConnection: "
				  "close\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert(!rd.req.keep_alive);
}
END_TEST

/* An empty value does not swallow the next header's name. */
START_TEST(empty_value)
{
	ck_assert_int_eq(feed_all("GET / HTTP/1.1\r\nX:\r\nHost: a\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert_uint_eq(rd.req.host_count, 1);
}
END_TEST

START_TEST(upgrade_ends_stream)
{
	ck_assert_int_eq(feed_all("GET / HTTP/1.1\r\nHost: a\r\n"
				  "Connection: upgrade\r\nUpgrade: x\r\n\r\n"
				  "not http"),
			 HTTP_FEED_REQUEST);
	ck_assert(rd.req.upgrade);
	ck_assert(!rd.req.keep_alive);
}
END_TEST

START_TEST(request_line_limit)
{
	char s[600];
	/* "GET " + target + " HTTP/1.1\r\n": 256 bytes is allowed, 257 not */
	size_t target = 256 - 4 - 11;

	memset(s, 'a', sizeof(s));
	memcpy(s, "GET /", 5);
	strcpy(s + 4 + target, " HTTP/1.1\r\nHost: a\r\n\r\n");
	ck_assert_int_eq(feed_all(s), HTTP_FEED_REQUEST);
	ck_assert_uint_eq(rd.req.target_len, target);
	setup();
	memset(s, 'a', sizeof(s));
	memcpy(s, "GET /", 5);
	strcpy(s + 4 + target + 1, " HTTP/1.1\r\nHost: a\r\n\r\n");
	ck_assert_int_eq(feed_all(s), HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 414);
	ck_assert(!rd.req.keep_alive);
}
END_TEST

/* The limit holds however the bytes are split. */
START_TEST(request_line_limit_split)
{
	char s[600];
	size_t used;
	enum http_feed f = HTTP_FEED_MORE;

	memset(s, 'b', sizeof(s));
	memcpy(s, "GET /", 5);
	strcpy(s + 400, " HTTP/1.1\r\n\r\n");
	for (size_t i = 0; i < strlen(s) && f == HTTP_FEED_MORE; i += 7)
		f = http_reader_feed(&rd, s + i,
				     strlen(s) - i < 7 ? strlen(s) - i : 7,
				     &used);
	ck_assert_int_eq(f, HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 414);
}
END_TEST

START_TEST(header_limit)
{
	char s[4096];
	int n = snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: a\r\nX: ");

	memset(s + n, 'v', 1100);
	strcpy(s + n + 1100, "\r\n\r\n");
	ck_assert_int_eq(feed_all(s), HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 431);
}
END_TEST

/* Many small headers add up, with their ": " and CRLF counted. */
START_TEST(header_limit_many)
{
	char s[8192];
	int n = snprintf(s, sizeof(s), "GET / HTTP/1.1\r\n");

	for (int i = 0; i < 200; i++)
		n += snprintf(s + n, sizeof(s) - (size_t)n, "A: b\r\n");
	strcpy(s + n, "\r\n");
	ck_assert_int_eq(feed_all(s), HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 431);
}
END_TEST

START_TEST(body_limits)
{
	char s[512];

	/* within the limit: read and dropped, the request is complete */
	snprintf(s, sizeof(s),
		 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
		 "100\r\n\r\n%0100d",
		 0);
	ck_assert_int_eq(feed_all(s), HTTP_FEED_REQUEST);
	ck_assert_uint_eq(rd.req.method, HTTP_POST);
	setup();
	ck_assert_int_eq(feed_all("POST / HTTP/1.1\r\nHost: a\r\n"
				  "Content-Length: 101\r\n\r\n"),
			 HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 413);
	setup();
	ck_assert_int_eq(
		feed_all("POST / HTTP/1.1\r\nHost: a\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n"
			 "40\r\n0123456789012345678901234567890123456789"
			 "012345678901234567890123\r\n"
			 "40\r\n0123456789012345678901234567890123456789"
			 "012345678901234567890123\r\n0\r\n\r\n"),
		HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 413);
}
END_TEST

static const char *const malformed[] = {
	"HELLO\r\n\r\n",
	"GET / HTTP/9.9.9\r\n\r\n",
	"GET / FTP/1.1\r\n\r\n",
	"GET /\x01 HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
	("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	 "Content-Length: 2\r\n\r\n"),
	"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
	"GE\r\n\r\n",
	" GET / HTTP/1.1\r\n\r\n",
};

START_TEST(malformed_400)
{
	ck_assert_int_eq(feed_all(malformed[_i]), HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 400);
}
END_TEST

/* A whole token followed by a space that is no method: 501, also when
 * the token arrives a byte at a time. */
static const char *const unknown_methods[] = {
	"BREW / HTTP/1.1\r\n\r\n",
	"get / HTTP/1.1\r\nHost: a\r\n\r\n",
	"FOO /",
	"\r\nPATCHY / HTTP/1.1\r\n\r\n",
	"BREW / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA / HTTP/1.1\r\n\r\n",
};

START_TEST(unknown_method_501)
{
	const char *s = unknown_methods[_i];
	size_t used, total = 0;
	enum http_feed f = HTTP_FEED_MORE;

	for (size_t i = 0; i < strlen(s) && f == HTTP_FEED_MORE; i++) {
		f = http_reader_feed(&rd, s + i, 1, &used);
		total += used;
	}
	ck_assert_ptr_nonnull(rd.req.unknown_method);
	if (strcspn(s, " ") > 32) {
		/* no method is that long: refused as it arrives */
		ck_assert_int_eq(f, HTTP_FEED_ERROR);
		ck_assert_int_eq(rd.req.status, 501);
	} else if (strstr(s, "\r\n\r\n")) {
		/* read through, to be answered 501 on a kept connection */
		ck_assert_int_eq(f, HTTP_FEED_REQUEST);
		ck_assert_int_eq(rd.req.status, 0);
		ck_assert_str_eq(rd.req.target, "/");
		ck_assert_uint_eq(rd.req.minor, 1);
		ck_assert_uint_eq(total, strlen(s));
	} else {
		ck_assert_int_eq(f, HTTP_FEED_MORE);
		ck_assert_uint_eq(total, strlen(s));
	}
}
END_TEST

START_TEST(known_methods_pass)
{
	static const char *const ok[] = { "GET",   "HEAD",    "POST",
					  "PURGE", "OPTIONS", "DELETE" };
	char buf[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		setup();
		snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\nHost: a\r\n\r\n",
			 ok[i]);
		ck_assert_int_eq(feed_all(buf), HTTP_FEED_REQUEST);
		ck_assert_str_eq(http_method_str(rd.req.method), ok[i]);
		ck_assert_ptr_null(rd.req.unknown_method);
	}
	/* an empty line before a request is skipped */
	setup();
	ck_assert_int_eq(feed_all("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert_str_eq(rd.req.target, "/");
}
END_TEST

START_TEST(versions_and_hosts)
{
	ck_assert_int_eq(feed_all("GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert_uint_eq(rd.req.major, 2);
	setup();
	ck_assert_int_eq(
		feed_all("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"),
		HTTP_FEED_REQUEST);
	ck_assert_uint_eq(rd.req.host_count, 2);
	setup();
	ck_assert_int_eq(feed_all("GET / HTTP/1.0\r\n\r\n"), HTTP_FEED_REQUEST);
	ck_assert_uint_eq(rd.req.host_count, 0);
}
END_TEST

START_TEST(expect_continue)
{
	size_t used;
	const char *head =
		"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
		"Content-Length: 5\r\n\r\n";

	ck_assert_int_eq(feed(head, &used), HTTP_FEED_MORE);
	ck_assert(http_reader_take_continue(&rd));
	ck_assert(!http_reader_take_continue(&rd)); /* once */
	ck_assert_int_eq(feed_all("abcde"), HTTP_FEED_REQUEST);
	/* a body already here, no body, or HTTP/1.0: no 100 */
	setup();
	ck_assert_int_eq(feed_all("POST / HTTP/1.1\r\nHost: a\r\nExpect: "
				  "100-continue\r\nContent-Length: 1\r\n\r\nx"),
			 HTTP_FEED_REQUEST);
	ck_assert(!http_reader_take_continue(&rd));
	setup();
	ck_assert_int_eq(feed_all("GET / HTTP/1.1\r\nHost: a\r\nExpect: "
				  "100-continue\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert(!http_reader_take_continue(&rd));
	setup();
	ck_assert_int_eq(feed_all("POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
				  "Content-Length: 5\r\n\r\n"),
			 HTTP_FEED_MORE);
	ck_assert(!http_reader_take_continue(&rd));
	/* any other expectation: 417 */
	setup();
	ck_assert_int_eq(feed_all("GET / HTTP/1.1\r\nHost: a\r\nExpect: "
				  "coffee\r\n\r\n"),
			 HTTP_FEED_ERROR);
	ck_assert_int_eq(rd.req.status, 417);
}
END_TEST

START_TEST(kept_fields)
{
	ck_assert_int_eq(
		feed_all("GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"a\"\r\n"
			 "If-None-Match: W/\"b\"\r\nRange: bytes=1-2\r\n"
			 "Referer: http://x/\r\nUser-Agent: t/1\r\n"
			 "User-Agent: second\r\nAccept-Encoding: br\r\n"
			 "Accept-Encoding: gzip\r\n\r\n"),
		HTTP_FEED_REQUEST);
	ck_assert_str_eq(rd.req.if_none_match.s, "\"a\",W/\"b\"");
	ck_assert(!rd.req.if_none_match.cut);
	ck_assert_str_eq(rd.req.range.s, "bytes=1-2");
	ck_assert_str_eq(rd.req.referer.s, "http://x/");
	ck_assert_str_eq(rd.req.user_agent.s, "t/1");
	ck_assert(rd.req.accept_gzip);
	ck_assert(!rd.req.if_range.present);
	/* two Range fields: ignored; a value too long: cut */
	setup();
	ck_assert_int_eq(
		feed_all("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=1-2\r\n"
			 "Range: bytes=3-4\r\n\r\n"),
		HTTP_FEED_REQUEST);
	ck_assert(rd.req.range.cut);
	setup();
	char buf[600];
	snprintf(buf, sizeof(buf),
		 "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=%0200d-\r\n\r\n",
		 1);
	ck_assert_int_eq(feed_all(buf), HTTP_FEED_REQUEST);
	ck_assert(rd.req.range.cut);
}
END_TEST

static const struct {
	const char *v;
	uint64_t size;
	int want;
	uint64_t first, last;
} ranges[] = {
	{ "bytes=0-99", 1000, 1, 0, 99 },
	{ "bytes=0-0", 1000, 1, 0, 0 },
	{ "bytes=500-", 1000, 1, 500, 999 },
	{ "bytes=-100", 1000, 1, 900, 999 },
	{ "bytes=-5000", 1000, 1, 0, 999 },
	{ "bytes=900-5000", 1000, 1, 900, 999 },
	{ "Bytes = 1-2", 1000, 1, 1, 2 },
	{ "bytes=999-999", 1000, 1, 999, 999 },
	{ "bytes=1000-", 1000, 0, 0, 0 },
	{ "bytes=1000-2000", 1000, 0, 0, 0 },
	{ "bytes=-0", 1000, 0, 0, 0 },
	{ "bytes=-1", 0, 0, 0, 0 },
	{ "bytes=0-", 0, 0, 0, 0 },
	{ "bytes=5-4", 1000, -1, 0, 0 },
	{ "bytes=-", 1000, -1, 0, 0 },
	{ "bytes=0-1,5-6", 1000, -1, 0, 0 },
	{ "bytes=a-b", 1000, -1, 0, 0 },
	{ "items=0-1", 1000, -1, 0, 0 },
	{ "bytes0-1", 1000, -1, 0, 0 },
	{ "bytes=1234567890123456789-", 1000, -1, 0, 0 },
	{ "bytes=1 -2", 1000, -1, 0, 0 },
	{ "", 1000, -1, 0, 0 },
};

START_TEST(range_table)
{
	uint64_t first = 7, last = 7;
	int got = http_range_parse(ranges[_i].v, strlen(ranges[_i].v),
				   ranges[_i].size, &first, &last);

	ck_assert_msg(got == ranges[_i].want, "%s: got %d, expected %d",
		      ranges[_i].v, got, ranges[_i].want);
	if (got == 1) {
		ck_assert_uint_eq(first, ranges[_i].first);
		ck_assert_uint_eq(last, ranges[_i].last);
	}
}
END_TEST

START_TEST(validators)
{
	char etag[HTTP_ETAG_LEN];
	const char *lm = "Sun, 06 Nov 1994 08:49:37 GMT";
	int64_t t = http_parse_date(lm, strlen(lm));
#define M(list) http_etag_list_match(list, strlen(list), etag)
#define R(v)	http_if_range_match(v, strlen(v), etag, t)

	http_format_etag(0x5f000000, 1024, etag);
	ck_assert_str_eq(etag, "\"5f000000-400\"");
	ck_assert(M("*"));
	ck_assert(M(" * "));
	ck_assert(M("\"5f000000-400\""));
	ck_assert(M("W/\"5f000000-400\""));
	ck_assert(M("\"x\", \"5f000000-400\""));
	ck_assert(M("\"x\" ,W/\"y\",,\"5f000000-400\""));
	ck_assert(!M("\"x\""));
	ck_assert(!M(""));
	ck_assert(!M("5f000000-400"));
	ck_assert(!M("\"5f000000-400"));
	ck_assert(!M("*, \"x\""));
	ck_assert(!M("\"x\" \"5f000000-400\""));
	ck_assert(R("\"5f000000-400\""));
	ck_assert(!R("W/\"5f000000-400\""));
	ck_assert(!R("\"5f000000-401\""));
	ck_assert(!R("\"5f000000-400\" x"));
	ck_assert(R(lm));
	/* a date on a Wednesday is no weak tag */
	t = http_parse_date("Wed, 02 Dec 2026 07:57:33 GMT", 29);
	ck_assert(R("Wed, 02 Dec 2026 07:57:33 GMT"));
	t = http_parse_date(lm, strlen(lm));
	ck_assert(!R("Sun, 06 Nov 1994 08:49:38 GMT"));
	ck_assert(!R("yesterday"));
#undef M
#undef R
}
END_TEST

START_TEST(gzip_accepted)
{
#define A(v) http_accepts_gzip(v, strlen(v))
	ck_assert(A("gzip"));
	ck_assert(A("deflate, gzip, br"));
	ck_assert(A("GZIP;q=0.5"));
	ck_assert(A("x-gzip"));
	ck_assert(A("*"));
	ck_assert(A("br;q=1.0, gzip ; q=0.001"));
	ck_assert(!A(""));
	ck_assert(!A("br, deflate"));
	ck_assert(!A("gzip;q=0"));
	ck_assert(!A("gzip; q=0.000"));
	ck_assert(!A("gzip;q=0, *"));
	ck_assert(!A("*;q=0"));
	ck_assert(!A("gzipx"));
	ck_assert(!A("identity"));
#undef A
}
END_TEST

START_TEST(ims_values)
{
	ck_assert_int_eq(feed_all("GET / HTTP/1.1\r\nHost: a\r\n"
				  "if-modified-since: yesterday\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert_int_eq(rd.req.if_modified_since, -1);
	http_reader_next(&rd);
	ck_assert_int_eq(feed_all("GET / HTTP/1.1\r\nHost: a\r\n"
				  "If-Modified-Since: Sunday, 06-Nov-94 "
				  "08:49:37 GMT\r\n\r\n"),
			 HTTP_FEED_REQUEST);
	ck_assert_int_eq(rd.req.if_modified_since, 784111777);
}
END_TEST

/* ---- paths ----------------------------------------------------------- */

static const struct {
	const char *in;
	const char *out; /* NULL: refused with err */
	int err;
} paths[] = {
	{ "/", "/", 0 },
	{ "/index.html", "/index.html", 0 },
	{ "/a/b/", "/a/b/", 0 },
	{ "/a//b", "/a/b", 0 },
	{ "/a/./b/.", "/a/b/", 0 },
	{ "/a/b/../c", "/a/c", 0 },
	{ "/a/b/..", "/a/", 0 },
	{ "/a/%2e%2E/c", "/c", 0 },
	{ "/%7Euser/x%20y.txt", "/~user/x y.txt", 0 },
	{ "/caf%C3%A9.html", "/caf\xc3\xa9.html", 0 },
	{ "/a?b=/../../x", "/a", 0 },
	{ "/a#frag", "/a", 0 },
	{ "http://example.org/x/y", "/x/y", 0 },
	{ "HTTP://example.org", "/", 0 },
	{ "/..", NULL, -EACCES },
	{ "/../etc/passwd", NULL, -EACCES },
	{ "/a/../../b", NULL, -EACCES },
	{ "/%2e%2e/x", NULL, -EACCES },
	{ "/a%2f..%2f..%2fb", NULL, -EINVAL },
	{ "/a%2Fb", NULL, -EINVAL },
	{ "/a%00.html", NULL, -EINVAL },
	{ "/a%5c..%5cb", NULL, -EINVAL },
	{ "/a\\b", NULL, -EINVAL },
	{ "/a%0d%0aX: y", NULL, -EINVAL },
	{ "/a%", NULL, -EINVAL },
	{ "/a%4", NULL, -EINVAL },
	{ "/a%zz", NULL, -EINVAL },
	{ "*", NULL, -EINVAL },
	{ "a/b", NULL, -EINVAL },
	{ "ftp://h/x", NULL, -EINVAL },
};

START_TEST(path_table)
{
	char out[128];
	int rc = http_path_normalise(paths[_i].in, strlen(paths[_i].in), out,
				     sizeof(out));

	if (paths[_i].out) {
		ck_assert_msg(rc == 0, "%s: %d", paths[_i].in, rc);
		ck_assert_str_eq(out, paths[_i].out);
	} else {
		ck_assert_msg(rc == paths[_i].err, "%s: %d, expected %d",
			      paths[_i].in, rc, paths[_i].err);
	}
}
END_TEST

START_TEST(path_too_long)
{
	char out[8];

	ck_assert_int_eq(http_path_normalise("/abcdefgh", 9, out, sizeof(out)),
			 -ENAMETOOLONG);
	ck_assert_int_eq(http_path_normalise("/abc", 4, out, sizeof(out)), 0);
}
END_TEST

START_TEST(path_encode)
{
	char out[64];

	ck_assert_int_eq(
		http_path_encode("/a b/caf\xc3\xa9/", out, sizeof(out)), 17);
	ck_assert_str_eq(out, "/a%20b/caf%C3%A9/");
	ck_assert_int_eq(http_path_encode("/\"<x>", out, 8), -ENAMETOOLONG);
}
END_TEST

/* ---- dates and types ------------------------------------------------- */

START_TEST(dates)
{
	char d[HTTP_DATE_LEN];
	static const char *const bad[] = {
		"Sun, 06 Nov 1994 08:49:37",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nox 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:49:37 GMT",
		"Sun, 32 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1969 08:49:37 GMT",
		"",
		"Sun",
	};

	http_format_date(784111777, d);
	ck_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	http_format_date(0, d);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	ck_assert_int_eq(http_parse_date(d, strlen(d)), 0);
	ck_assert_int_eq(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 29),
			 784111777);
	ck_assert_int_eq(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", 30),
			 784111777);
	ck_assert_int_eq(http_parse_date("Sun Nov  6 08:49:37 1994", 24),
			 784111777);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(http_parse_date(bad[i], strlen(bad[i])) == -1,
			      "\"%s\" read as a date", bad[i]);
}
END_TEST

START_TEST(media_types)
{
	ck_assert_str_eq(http_media_type("/index.html"),
			 "text/html; charset=utf-8");
	ck_assert_str_eq(http_media_type("/A/INDEX.HTM"),
			 "text/html; charset=utf-8");
	ck_assert_str_eq(http_media_type("/s.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(http_media_type("/i.PNG"), "image/png");
	ck_assert_str_eq(http_media_type("/x.svg"), "image/svg+xml");
	ck_assert_str_eq(http_media_type("/big.bin"),
			 "application/octet-stream");
	ck_assert_str_eq(http_media_type("/dir.html/noext"),
			 "application/octet-stream");
	ck_assert_str_eq(http_media_type("/dot."), "application/octet-stream");
	ck_assert_str_eq(http_reason(404), "Not Found");
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("www-http");
	TCase *t = tcase_create("reader");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, get_simple);
	tcase_add_test(t, byte_by_byte);
	tcase_add_test(t, pipelined);
	tcase_add_test(t, keep_alive_rules);
	tcase_add_test(t, empty_value);
	tcase_add_test(t, upgrade_ends_stream);
	tcase_add_test(t, request_line_limit);
	tcase_add_test(t, request_line_limit_split);
	tcase_add_test(t, header_limit);
	tcase_add_test(t, header_limit_many);
	tcase_add_test(t, body_limits);
	tcase_add_loop_test(t, malformed_400, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(t, ims_values);
	tcase_add_loop_test(t, unknown_method_501, 0,
			    sizeof(unknown_methods) /
				    sizeof(unknown_methods[0]));
	tcase_add_test(t, known_methods_pass);
	tcase_add_test(t, versions_and_hosts);
	tcase_add_test(t, expect_continue);
	tcase_add_test(t, kept_fields);
	suite_add_tcase(s, t);

	t = tcase_create("conditions");
	tcase_add_loop_test(t, range_table, 0,
			    sizeof(ranges) / sizeof(ranges[0]));
	tcase_add_test(t, validators);
	tcase_add_test(t, gzip_accepted);
	suite_add_tcase(s, t);

	t = tcase_create("paths");
	tcase_add_loop_test(t, path_table, 0, sizeof(paths) / sizeof(paths[0]));
	tcase_add_test(t, path_too_long);
	tcase_add_test(t, path_encode);
	suite_add_tcase(s, t);

	t = tcase_create("format");
	tcase_add_test(t, dates);
	tcase_add_test(t, media_types);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(http_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
