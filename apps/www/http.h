/* http.h: the HTTP/1.1 core of the www app, with no I/O of its own.
 *
 * - struct http_reader turns received bytes into requests, one at a time
 *   (pipelined requests wait in the caller's buffer), with http-parser
 *   doing the parsing and the limits of struct http_limits enforced as
 *   the bytes arrive.
 * - http_path_normalise() decodes and normalises a request target into a
 *   path that cannot leave the document root.
 * - The rest formats what a response needs: status lines, dates, media
 *   types.
 *
 * The connection engine (conn.h) puts these together; tests and the fuzz
 * target drive them directly. */
#ifndef WWW_HTTP_H
#define WWW_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_limits {
	uint32_t max_request_line; /* method, target and version: 414 */
	uint32_t max_header_size;  /* all header lines together: 431 */
	uint64_t max_body;	   /* a request body, read and dropped: 413 */
};

/* A header value kept as received (for the fields the server reads), cut
 * at its buffer: a cut value is one the server does not act on. */
#define HTTP_VALUE(n)                                                          \
	struct {                                                               \
		char s[n];                                                     \
		uint16_t len;                                                  \
		bool present, cut;                                             \
	}

/* What the reader knows of one request.  Strings are the reader's, valid
 * until http_reader_next(). */
struct http_request {
	unsigned method; /* enum http_method */
	unsigned short major, minor;
	bool keep_alive;	   /* http_should_keep_alive() */
	bool upgrade;		   /* Upgrade or CONNECT: bytes after it are
				    * not HTTP, so the connection ends */
	unsigned host_count;	   /* Host fields: one is right */
	bool accept_gzip;	   /* Accept-Encoding allows gzip */
	int status;		   /* 0, or the error to answer */
	int64_t if_modified_since; /* -1: absent or not a date */
	const char *target;	   /* as received, NUL-terminated */
	size_t target_len;
	const char *unknown_method; /* the token of a 501, for the log */
	HTTP_VALUE(96) range;
	HTTP_VALUE(96) if_range;
	HTTP_VALUE(512) if_none_match; /* several fields joined with ',' */
	/* for the access log, cut at their size */
	HTTP_VALUE(160) referer;
	HTTP_VALUE(160) user_agent;
};

enum http_feed {
	HTTP_FEED_MORE = 0, /* everything taken; a request is not complete */
	HTTP_FEED_REQUEST,  /* one request is complete (see req) */
	HTTP_FEED_ERROR,    /* the stream is not HTTP any more: answer
			     * req.status and close */
};

struct http_reader {
	http_parser parser;
	struct http_limits lim;
	struct http_request req;
	char *url; /* max_request_line + 1 bytes, the caller's */
	size_t url_len;
	size_t header_bytes;
	uint64_t body_bytes;
	char field[24]; /* the header name being read (lower case) */
	size_t field_len;
	char value[128]; /* its value, for the fields read at its end */
	size_t value_len;
	unsigned field_kind;
	bool in_value;
	bool complete;
	bool started;	      /* a request's first byte has arrived */
	bool head_done;	      /* the request's head has been read */
	bool expect_continue; /* Expect: 100-continue */
	bool continue_due;    /* a 100 (Continue) is to be sent */
	/* The method token, held until it is whole: an unknown one is 501,
	 * which http-parser cannot tell from a line that is not HTTP. */
	char method[33];
	size_t method_len;
	bool method_done;
};

/* url is the caller's storage of lim->max_request_line + 1 bytes. */
void http_reader_init(struct http_reader *r, const struct http_limits *lim,
		      char *url);
/* Parse up to len bytes; *used says how many were taken (the rest belong
 * to the next request).  After HTTP_FEED_REQUEST, call http_reader_next()
 * before feeding again. */
enum http_feed http_reader_feed(struct http_reader *r, const char *buf,
				size_t len, size_t *used);
void http_reader_next(struct http_reader *r);
/* True when bytes of a request have arrived but it is not complete. */
bool http_reader_started(const struct http_reader *r);
/* True while a request's head (line and fields) is arriving. */
bool http_reader_in_head(const struct http_reader *r);
/* True once per request whose head asked for 100 (Continue) before a
 * body that has not arrived yet (HTTP/1.1 only). */
bool http_reader_take_continue(struct http_reader *r);

/* Range of a GET (RFC 9110 14.2), one range of bytes of a representation
 * of size bytes.  Returns 1 with [*first, *last] (inclusive) when it is
 * satisfiable, 0 when it is not (416), -1 when it is to be ignored (not
 * bytes, a syntax error, several ranges, numbers too large). */
int http_range_parse(const char *v, size_t len, uint64_t size, uint64_t *first,
		     uint64_t *last);
/* The strong entity tag of a file: "MTIME-SIZE" in hex, with quotes. */
#define HTTP_ETAG_LEN 40
void http_format_etag(int64_t mtime, uint64_t size, char out[HTTP_ETAG_LEN]);
/* If-None-Match: "*" or a list of entity tags, compared weakly with etag.
 * A malformed list matches nothing. */
bool http_etag_list_match(const char *list, size_t len, const char *etag);
/* If-Range: an entity tag compared strongly, or an HTTP date equal to
 * the Last-Modified sent (mtime). */
bool http_if_range_match(const char *v, size_t len, const char *etag,
			 int64_t mtime);
/* Accept-Encoding: whether gzip (or x-gzip, or "*") has a q above 0. */
bool http_accepts_gzip(const char *v, size_t len);

/* Decode the path of a request target (origin form "/a/b?q" or absolute
 * form "http://host/a/b") into out: absolute, '/'-separated, without
 * empty, "." or ".." segments, and with a trailing '/' kept (so that a
 * folder can be told from a file).  Returns 0, or:
 *   -EINVAL   not a path, a bad %-escape, or a decoded NUL, '/', '\' or
 *             control character (an encoded '/' would hide a separator)
 *   -EACCES   ".." climbs above the root
 *   -ENAMETOOLONG  out is too small */
int http_path_normalise(const char *target, size_t len, char *out, size_t size);

/* "Not Found" for 404; "Unknown" for a status it does not know. */
const char *http_reason(int status);
/* The media type for a path's extension (case-insensitive), with
 * "; charset=utf-8" for text; application/octet-stream when unknown. */
const char *http_media_type(const char *path);
/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters + NUL). */
#define HTTP_DATE_LEN 30
void http_format_date(int64_t t, char out[HTTP_DATE_LEN]);
/* Read an HTTP date in any of the three forms a server must accept
 * (IMF-fixdate, RFC 850, asctime).  Seconds since 1970, or -1. */
int64_t http_parse_date(const char *s, size_t len);
/* Percent-encode a decoded path for a Location header.  Returns the
 * length, or -ENAMETOOLONG. */
int http_path_encode(const char *path, char *out, size_t size);

#endif
