/* conn.c: request handling of one connection: a request read by the
 * http reader becomes a response in the output buffer, with its body read
 * from the fs now (small files) or chunk by chunk as the client takes it
 * (large files).  See conn.h. */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Below this much free output space, a new pipelined request waits until
 * what is queued has gone: a response head always fits in it. */
#define HEAD_ROOM 2048
/* A streamed body is read again when no more than this part of the
 * output buffer is still waiting. */
#define REFILL_FRACTION 4
#define INPUT_SIZE	8192
/* Bytes of a body asked of the fs's view at a time. */
#define ZC_WINDOW ((size_t)4 << 20)

#define SERVER_NAME "devmgr-www"
/* The interim answer to "Expect: 100-continue" (RFC 9110 15.2.1). */
#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"

void www_conf_tick(struct www_conf *conf, time_t now)
{
	struct tm tm;

	if (now == conf->now && conf->date[0])
		return;
	conf->now = now;
	http_format_date((int64_t)now, conf->date);
	gmtime_r(&now, &tm);
	/* the Date header's day and month, in the Common Log Format order */
	snprintf(conf->clf_date, sizeof(conf->clf_date),
		 "%.2s/%.3s/%04d:%02d:%02d:%02d +0000", conf->date + 5,
		 conf->date + 8, (tm.tm_year + 1900) % 10000, tm.tm_hour % 100,
		 tm.tm_min % 100, tm.tm_sec % 100);
}

int www_conn_init(struct www_conn *c, struct www_conf *conf, const char *peer)
{
	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->in_cap = INPUT_SIZE;
	/* a file of chunk_size bytes goes out with its head in one send */
	c->out_cap = conf->chunk_size + HEAD_ROOM;
	/* one block: input, output, and the target (max_request_line + 1) */
	c->in = malloc(c->in_cap + c->out_cap + conf->lim.max_request_line + 1);
	if (!c->in)
		return -ENOMEM;
	c->out = c->in + c->in_cap;
	c->sf_fd = -1;
	http_reader_init(&c->rd, &conf->lim, c->out + c->out_cap);
	snprintf(c->peer, sizeof(c->peer), "%s", peer ? peer : "-");
	return 0;
}

static void log_emit(struct www_conn *c, uint64_t bytes)
{
	int n;

	if (!c->conf->log || c->log_len == 0)
		return;
	n = snprintf(c->log_line + c->log_len, sizeof(c->log_line) - c->log_len,
		     "%llu", (unsigned long long)bytes);
	if (n > 0 &&
	    (size_t)n + c->tail_len < sizeof(c->log_line) - c->log_len) {
		memcpy(c->log_line + c->log_len + (size_t)n, c->log_tail,
		       c->tail_len);
		c->conf->log(c->conf->log_arg, c->log_line,
			     c->log_len + (size_t)n + c->tail_len);
	}
	c->log_len = 0;
}

static void file_done(struct www_conn *c)
{
	if (!c->file)
		return;
	devmgr_file_close(c->file);
	c->file = NULL;
	c->zc = false; /* the views and the host fd went with the file */
	c->sf_fd = -1;
	c->nviews = c->view_i = 0;
	c->view_off = 0;
}

void www_conn_drop_file(struct www_conn *c)
{
	if (!c->file)
		return;
	log_emit(c, c->file_off - c->file_start);
	file_done(c);
	c->close_after = true;
}

void www_conn_fini(struct www_conn *c)
{
	if (c->file) {
		log_emit(c, c->file_off - c->file_start);
		file_done(c);
	}
	free(c->in);
	c->in = c->out = NULL;
}

/* The client's bytes going into the server's log: '"', '\', spaces,
 * control and non-ASCII bytes as \xHH, so that a line stays one line. */
static char *put_escaped(char *p, const char *end, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len && p < end - 4; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		} else {
			*p++ = (char)ch;
		}
	}
	return p;
}

/* ` "Referer" "User-Agent"` and the newline, "-" for one not sent. */
static void log_tail(struct www_conn *c, const struct http_request *req)
{
	char *p = c->log_tail, *end = p + sizeof(c->log_tail) - 8;

	memcpy(p, " \"", 2);
	p += 2;
	if (req->referer.present)
		p = put_escaped(p, end - 4, req->referer.s, req->referer.len);
	else
		*p++ = '-';
	memcpy(p, "\" \"", 3);
	p += 3;
	if (req->user_agent.present)
		p = put_escaped(p, end, req->user_agent.s, req->user_agent.len);
	else
		*p++ = '-';
	memcpy(p, "\"\n", 2);
	p += 2;
	c->tail_len = (size_t)(p - c->log_tail);
}

/* The log line up to its size: peer, time, request line, status (the
 * combined log format, whose Referer and User-Agent follow the size). */
static void log_begin(struct www_conn *c, const struct http_request *req,
		      int status)
{
	char *p = c->log_line, *end = p + sizeof(c->log_line) - 40;
	int n;

	n = snprintf(p, (size_t)(end - p), "%s - - [%s] \"%s ", c->peer,
		     c->conf->clf_date,
		     req->unknown_method ? req->unknown_method
					 : http_method_str(req->method));
	p += n > 0 && n < end - p ? n : 0;
	p = put_escaped(p, end, req->target, req->target_len);
	/* a request refused before its version was read has none */
	if (req->major == 0 && req->minor == 0)
		n = snprintf(p, sizeof(c->log_line) - (size_t)(p - c->log_line),
			     "\" %d ", status);
	else
		n = snprintf(p, sizeof(c->log_line) - (size_t)(p - c->log_line),
			     " HTTP/%u.%u\" %d ", req->major % 10,
			     req->minor % 10, status);
	c->log_len = (size_t)(p - c->log_line) + (n > 0 ? (size_t)n : 0);
	log_tail(c, req);
}

struct reply {
	int status;
	bool keep_alive;
	bool head_only;
	bool no_length; /* 304: no Content-Length */
	bool ranges;	/* Accept-Ranges: bytes */
	bool gzip;	/* the FILE.gz beside FILE */
	const char *type;
	uint64_t length; /* of the body */
	uint64_t offset; /* where the body starts in the file */
	int64_t mtime;	 /* -1: no Last-Modified */
	const char *etag;
	const char *content_range; /* 206, 416 */
	const char *location;	   /* 301 */
};

/* The head is built with plain copies: it is on every response's path. */
struct head {
	char *p, *end;
	bool over;
};

static void put(struct head *h, const char *s, size_t n)
{
	if ((size_t)(h->end - h->p) < n) {
		h->over = true;
		return;
	}
	memcpy(h->p, s, n);
	h->p += n;
}
#define PUT_LIT(h, s) put(h, s, sizeof(s) - 1)

static void put_str(struct head *h, const char *s)
{
	put(h, s, strlen(s));
}

static void put_u64(struct head *h, uint64_t v)
{
	char buf[24], *q = buf + sizeof(buf);

	do
		*--q = (char)('0' + v % 10);
	while (v /= 10);
	put(h, q, (size_t)(buf + sizeof(buf) - q));
}

static void put_field(struct head *h, const char *name, size_t name_len,
		      const char *value)
{
	put(h, name, name_len);
	put_str(h, value);
	PUT_LIT(h, "\r\n");
}
#define PUT_FIELD(h, name, value) put_field(h, name, sizeof(name) - 1, value)

static size_t put_head(struct www_conn *c, const struct reply *r)
{
	struct head h = { c->out + c->out_len, c->out + c->out_cap, false };
	char lm[HTTP_DATE_LEN];

	PUT_LIT(&h, "HTTP/1.1 ");
	put_u64(&h, (uint64_t)r->status);
	PUT_LIT(&h, " ");
	put_str(&h, http_reason(r->status));
	PUT_LIT(&h, "\r\nServer: " SERVER_NAME "\r\n");
	PUT_FIELD(&h, "Date: ", c->conf->date);
	if (r->type)
		PUT_FIELD(&h, "Content-Type: ", r->type);
	if (!r->no_length) {
		PUT_LIT(&h, "Content-Length: ");
		put_u64(&h, r->length);
		PUT_LIT(&h, "\r\n");
	}
	if (r->mtime >= 0) {
		http_format_date(r->mtime, lm);
		PUT_FIELD(&h, "Last-Modified: ", lm);
	}
	if (r->etag)
		PUT_FIELD(&h, "ETag: ", r->etag);
	if (r->ranges)
		PUT_LIT(&h, "Accept-Ranges: bytes\r\n");
	if (r->content_range)
		PUT_FIELD(&h, "Content-Range: ", r->content_range);
	if (r->gzip)
		PUT_LIT(&h, "Content-Encoding: gzip\r\n"
			    "Vary: Accept-Encoding\r\n");
	if (r->location)
		PUT_FIELD(&h, "Location: ", r->location);
	if (r->status == 405)
		PUT_LIT(&h, "Allow: GET, HEAD\r\n");
	if (!r->keep_alive)
		PUT_LIT(&h, "Connection: close\r\n");
	else if (c->rd.req.minor == 0)
		PUT_LIT(&h, "Connection: keep-alive\r\n");
	PUT_LIT(&h, "\r\n");
	if (h.over)
		return 0;
	size_t n = (size_t)(h.p - (c->out + c->out_len));
	c->out_len += n;
	return n;
}

/* A response whose body is generated here (errors, redirects). */
static void reply_text(struct www_conn *c, const struct http_request *req,
		       struct reply *r)
{
	char body[512];
	int n = snprintf(body, sizeof(body),
			 "<!DOCTYPE html>\n<title>%d %s</title>\n"
			 "<h1>%d %s</h1>\n",
			 r->status, http_reason(r->status), r->status,
			 http_reason(r->status));

	r->type = "text/html; charset=utf-8";
	r->length = (uint64_t)n;
	r->mtime = -1;
	put_head(c, r);
	if (!r->head_only && c->out_cap - c->out_len >= (size_t)n) {
		memcpy(c->out + c->out_len, body, (size_t)n);
		c->out_len += (size_t)n;
	}
	log_begin(c, req, r->status);
	log_emit(c, r->head_only ? 0 : (uint64_t)n);
	if (!r->keep_alive)
		c->close_after = true;
}

static bool is_get_or_head(const struct http_request *req)
{
	return req->method == HTTP_GET || req->method == HTTP_HEAD;
}

/* Open what path names under root.  A folder with a trailing '/' opens
 * its index file.  Returns a status: 200 with *out open and *st filled,
 * 301 when a folder was named without its '/', or an error status. */
static int open_target(struct www_conn *c, char *path, size_t size,
		       struct devmgr_file **out, struct devmgr_fs_stat *st)
{
	struct devmgr_fs *fs = c->conf->fs;
	size_t len = strlen(path);
	bool folder = len > 0 && path[len - 1] == '/';
	int rc;

	if (folder) {
		if (len + strlen(c->conf->index) + 1 > size)
			return 404;
		strcpy(path + len, c->conf->index);
	}
	rc = devmgr_fs_open(fs, path, O_RDONLY, out);
	if (rc == 0) {
		rc = devmgr_file_stat(*out, st);
		if (rc == 0 && st->kind == DEVMGR_FS_FILE)
			return 200;
		devmgr_file_close(*out);
		*out = NULL;
		if (rc < 0)
			return 500;
		rc = -EISDIR;
	}
	if (rc == -EISDIR && !folder)
		return 301;
	if (rc == -ENOENT || rc == -ENOTDIR || rc == -EISDIR ||
	    rc == -ENAMETOOLONG || rc == -EINVAL)
		return 404;
	/* fs-host: a symlink that leaves the folder, a FIFO */
	if (rc == -EACCES || rc == -ELOOP)
		return 403;
	return 500;
}

/* Views of the body's first bytes: the body is then sent from them, and
 * f stays open until it has gone.  False (nothing changed) where the fs
 * cannot lend them: the body is copied. */
static bool zc_begin(struct www_conn *c, const struct reply *r,
		     struct devmgr_file *f)
{
	size_t want = r->length < ZC_WINDOW ? (size_t)r->length : ZC_WINDOW;
	int k = devmgr_file_view(f, r->offset, want, c->views, WWW_VIEWS);

	if (k <= 0)
		return false;
	c->file = f;
	c->file_start = c->file_off = r->offset;
	c->file_end = r->offset + r->length;
	c->zc = true;
	c->nviews = k;
	c->view_i = 0;
	c->view_off = 0;
	c->conf->zc_bodies++;
	return true;
}

/* Else the file's host fd, when the stack can sendfile from it. */
static bool sf_begin(struct www_conn *c, const struct reply *r,
		     struct devmgr_file *f)
{
	int fd;

	if (!c->conf->sendfile)
		return false;
	fd = devmgr_file_host_fd(f);
	if (fd < 0)
		return false;
	c->file = f;
	c->file_start = c->file_off = r->offset;
	c->file_end = r->offset + r->length;
	c->sf_fd = fd;
	c->conf->sf_bodies++;
	return true;
}

/* The body goes out from views of the fs's bytes when it is large enough
 * and the fs lends them; else into the output buffer now when it fits,
 * else it is streamed by www_conn_step(). */
static void reply_file(struct www_conn *c, const struct http_request *req,
		       struct reply *r, struct devmgr_file *f)
{
	bool big = c->conf->zero_copy && r->length >= c->conf->zero_copy;
	size_t room;

	put_head(c, r);
	log_begin(c, req, r->status);
	room = c->out_cap - c->out_len;
	if (big && !r->head_only) {
		if (zc_begin(c, r, f) || sf_begin(c, r, f)) {
			/* the transport sends the views or the file */
			if (!r->keep_alive)
				c->close_after = true;
			return;
		}
		c->conf->zc_refused++;
	}
	if (r->head_only || r->length == 0) {
		devmgr_file_close(f);
		log_emit(c, 0);
	} else if (r->length <= room) {
		ssize_t n = devmgr_file_pread(f, c->out + c->out_len,
					      (size_t)r->length, r->offset);
		devmgr_file_close(f);
		if (n != (ssize_t)r->length) {
			/* the head promised a length the fs cannot give:
			 * the connection cannot carry on */
			c->out_len = c->out_off;
			c->close_after = true;
			log_emit(c, 0);
			return;
		}
		c->out_len += (size_t)n;
		log_emit(c, r->length);
	} else {
		c->file = f;
		c->file_start = c->file_off = r->offset;
		c->file_end = r->offset + r->length;
	}
	if (!r->keep_alive)
		c->close_after = true;
}

/* A client that takes gzip gets FILE.gz when it is a file beside FILE;
 * path is left naming FILE (its media type is the response's). */
static void try_gzip(struct www_conn *c, char *path, size_t size,
		     struct devmgr_file **f, struct devmgr_fs_stat *st,
		     struct reply *r)
{
	size_t len = strlen(path);
	struct devmgr_file *gz;
	struct devmgr_fs_stat gst;

	if (len + 4 > size)
		return;
	memcpy(path + len, ".gz", 4);
	if (devmgr_fs_open(c->conf->fs, path, O_RDONLY, &gz) == 0) {
		if (devmgr_file_stat(gz, &gst) == 0 &&
		    gst.kind == DEVMGR_FS_FILE) {
			devmgr_file_close(*f);
			*f = gz;
			*st = gst;
			r->gzip = true;
		} else {
			devmgr_file_close(gz);
		}
	}
	path[len] = '\0';
}

/* RFC 9110 13.2.2: If-None-Match, when sent, decides alone;
 * If-Modified-Since only counts without it. */
static bool not_modified(const struct http_request *req, const char *etag,
			 int64_t mtime)
{
	if (req->if_none_match.present)
		return !req->if_none_match.cut &&
		       http_etag_list_match(req->if_none_match.s,
					    req->if_none_match.len, etag);
	return req->if_modified_since >= 0 && mtime <= req->if_modified_since;
}

/* Range applies to a GET only, and If-Range (when sent) must match the
 * file as it is now.  Returns 200 (whole file), 206 or 416. */
static int range_of(const struct http_request *req, const char *etag,
		    int64_t mtime, uint64_t size, uint64_t *first,
		    uint64_t *last)
{
	if (req->method != HTTP_GET || !req->range.present || req->range.cut)
		return 200;
	if (req->if_range.present &&
	    (req->if_range.cut ||
	     !http_if_range_match(req->if_range.s, req->if_range.len, etag,
				  mtime)))
		return 200;
	switch (http_range_parse(req->range.s, req->range.len, size, first,
				 last)) {
	case 1:
		return 206;
	case 0:
		return 416;
	default:
		return 200;
	}
}

/* The Location of a 301: the folder's path with its '/', and the query
 * of the request (RFC 9110 does not say to drop it, and forms rely on
 * it), with anything unsafe in a header percent-encoded. */
static int redirect_location(const struct http_request *req, const char *dir,
			     char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *q = memchr(req->target, '?', req->target_len);
	int n = http_path_encode(dir, out, size);
	size_t o;

	if (n < 0 || !q)
		return n;
	o = (size_t)n;
	for (const char *p = q; p < req->target + req->target_len && *p != '#';
	     p++) {
		unsigned char ch = (unsigned char)*p;
		bool keep = ch > 0x20 && ch < 0x7f;
		if (o + (keep ? 1 : 3) >= size)
			return -ENAMETOOLONG;
		if (keep) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return (int)o;
}

static void answer(struct www_conn *c, const struct http_request *req)
{
	char path[4096];
	size_t rl = strlen(c->conf->root);
	char location[4096 + 16];
	char etag[HTTP_ETAG_LEN], range[64];
	struct devmgr_file *f = NULL;
	struct devmgr_fs_stat st;
	struct reply r = {
		.keep_alive = req->keep_alive && !c->conf->closing,
		.head_only = req->method == HTTP_HEAD,
		.mtime = -1,
	};
	uint64_t first = 0, last = 0;
	int rc;

	c->requests++;

	if (req->major != 1) {
		/* no other version's framing is known to be this one's */
		r.status = 505;
		r.keep_alive = false;
		return reply_text(c, req, &r);
	}
	if (req->unknown_method) {
		r.status = 501;
		return reply_text(c, req, &r);
	}
	if (!is_get_or_head(req)) {
		r.status = 405;
		return reply_text(c, req, &r);
	}
	/* RFC 9112 3.2: Host exactly once in HTTP/1.1, at most once before */
	if (req->host_count > 1 || (req->minor >= 1 && req->host_count == 0)) {
		r.status = 400;
		return reply_text(c, req, &r);
	}
	if (!c->conf->fs) {
		/* htdocs is being replaced, or its new device failed */
		r.status = 503;
		return reply_text(c, req, &r);
	}
	memcpy(path, c->conf->root, rl);
	rc = http_path_normalise(req->target, req->target_len, path + rl,
				 sizeof(path) - rl);
	if (rc < 0) {
		r.status = rc == -ENAMETOOLONG ? 414 : 400;
		return reply_text(c, req, &r);
	}
	r.status = open_target(c, path, sizeof(path), &f, &st);
	if (r.status == 301) {
		size_t len = strlen(path);
		int n = -ENAMETOOLONG;
		if (len + 2 <= sizeof(path)) {
			memcpy(path + len, "/", 2);
			n = redirect_location(req, path + rl, location,
					      sizeof(location));
		}
		if (n < 0) {
			r.status = 414;
			return reply_text(c, req, &r);
		}
		r.location = location;
	}
	if (r.status != 200)
		return reply_text(c, req, &r);
	if (req->accept_gzip)
		try_gzip(c, path, sizeof(path), &f, &st, &r);
	r.type = http_media_type(path);
	r.length = st.size;
	/* a clock that ran ahead when the file was written must not give a
	 * Last-Modified after Date (RFC 9110 8.8.2.1) */
	r.mtime = st.mtime > (int64_t)c->conf->now ? (int64_t)c->conf->now
						   : st.mtime;
	http_format_etag(st.mtime, st.size, etag);
	r.etag = etag;
	if (not_modified(req, etag, r.mtime)) {
		r.status = 304;
		r.type = NULL;
		r.length = 0;
		r.no_length = true;
		r.head_only = true;
		return reply_file(c, req, &r, f);
	}
	r.ranges = true;
	r.status = range_of(req, etag, r.mtime, st.size, &first, &last);
	if (r.status == 416) {
		devmgr_file_close(f);
		snprintf(range, sizeof(range), "bytes */%llu",
			 (unsigned long long)st.size);
		r.content_range = range;
		r.etag = NULL;
		r.gzip = false;
		return reply_text(c, req, &r);
	}
	if (r.status == 206) {
		snprintf(range, sizeof(range), "bytes %llu-%llu/%llu",
			 (unsigned long long)first, (unsigned long long)last,
			 (unsigned long long)st.size);
		r.content_range = range;
		r.offset = first;
		r.length = last - first + 1;
	}
	reply_file(c, req, &r, f);
}

/* A request the reader refused: the stream cannot be trusted after it. */
static void answer_error(struct www_conn *c, const struct http_request *req)
{
	struct reply r = {
		.status = req->status,
		.mtime = -1,
	};

	c->linger = true;
	reply_text(c, req, &r);
	c->close_after = true;
}

/* Read the next part of a streamed body into the output buffer. */
static bool refill(struct www_conn *c)
{
	size_t pending = c->out_len - c->out_off;
	uint64_t left = c->file_end - c->file_off;
	size_t want;
	ssize_t n;

	if (pending > c->out_cap / REFILL_FRACTION)
		return true;
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	want = c->out_cap - c->out_len;
	if (want > left)
		want = (size_t)left;
	n = devmgr_file_pread(c->file, c->out + c->out_len, want, c->file_off);
	if (n <= 0) {
		/* an fs error or a file that shrank: the promised length
		 * cannot be sent, so the client must see the connection end */
		log_emit(c, c->file_off - c->file_start);
		file_done(c);
		c->close_after = true;
		c->out_len = c->out_off = 0;
		return false;
	}
	c->out_len += (size_t)n;
	c->file_off += (uint64_t)n;
	if (c->file_off == c->file_end) {
		log_emit(c, c->file_end - c->file_start);
		file_done(c);
	}
	return true;
}

/* The next views of a body sent without a copy, once the last ones have
 * gone.  Should the fs stop lending (it may refuse, or the file be
 * shorter than its head said), the rest is copied, and refill() deals
 * with a short file as for any body. */
static bool zc_refill(struct www_conn *c)
{
	uint64_t left = c->file_end - c->file_off;
	int k;

	if (c->view_i < c->nviews)
		return true;
	k = devmgr_file_view(c->file, c->file_off,
			     left < ZC_WINDOW ? (size_t)left : ZC_WINDOW,
			     c->views, WWW_VIEWS);
	if (k > 0) {
		c->nviews = k;
		c->view_i = 0;
		c->view_off = 0;
		return true;
	}
	c->zc = false;
	c->nviews = c->view_i = 0;
	return refill(c);
}

/* The current view's bytes are in a host file too, and the stack can
 * sendfile: they go that way, the kernel taking the pages by reference. */
static bool zc_by_file(const struct www_conn *c)
{
	return c->conf->sendfile && c->view_i < c->nviews &&
	       c->views[c->view_i].fd >= 0;
}

int www_conn_out_iov(const struct www_conn *c, struct iovec *iov, int max,
		     size_t *len)
{
	int k = 0;

	*len = 0;
	if (c->out_len > c->out_off) {
		iov[k++] = (struct iovec){ c->out + c->out_off,
					   c->out_len - c->out_off };
		*len = c->out_len - c->out_off;
	}
	if (!c->zc || zc_by_file(c))
		return k;
	for (int i = c->view_i; i < c->nviews && k < max; i++) {
		size_t skip = i == c->view_i ? c->view_off : 0;

		iov[k++] = (struct iovec){
			(void *)((const char *)c->views[i].base + skip),
			c->views[i].len - skip
		};
		*len += c->views[i].len - skip;
	}
	return k;
}

bool www_conn_out_file(const struct www_conn *c, int *fd, uint64_t *off,
		       size_t *len)
{
	uint64_t left = c->file_end - c->file_off;

	if (c->zc && zc_by_file(c)) {
		const struct devmgr_fs_view *v = &c->views[c->view_i];

		*fd = v->fd;
		*off = v->fd_off + c->view_off;
		*len = v->len - c->view_off;
		return true;
	}
	if (c->sf_fd < 0)
		return false;
	*fd = c->sf_fd;
	*off = c->file_off;
	*len = left < ZC_WINDOW ? (size_t)left : ZC_WINDOW;
	return true;
}

void www_conn_sent(struct www_conn *c, size_t n)
{
	size_t queued = c->out_len - c->out_off;
	size_t m = n < queued ? n : queued;

	c->out_off += m;
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	n -= m;
	while (n > 0 && c->zc && c->view_i < c->nviews) {
		size_t rest = c->views[c->view_i].len - c->view_off;
		size_t t = n < rest ? n : rest;

		c->view_off += t;
		c->file_off += t;
		n -= t;
		if (c->view_off == c->views[c->view_i].len) {
			c->view_i++;
			c->view_off = 0;
		}
	}
	if (c->sf_fd >= 0)
		c->file_off += n;
	if ((c->zc || c->sf_fd >= 0) && c->file_off == c->file_end) {
		log_emit(c, c->file_end - c->file_start);
		file_done(c);
	}
}

static enum www_next pending_or(const struct www_conn *c, enum www_next e)
{
	return c->out_len > c->out_off || c->zc || c->sf_fd >= 0 ? WWW_WRITE
								 : e;
}

enum www_next www_conn_step(struct www_conn *c)
{
	for (;;) {
		if (c->file && c->sf_fd < 0 &&
		    !(c->zc ? zc_refill(c) : refill(c)))
			return WWW_CLOSE;
		if (c->file || c->close_after ||
		    (c->out_len > c->out_off &&
		     c->out_cap - c->out_len < HEAD_ROOM))
			return pending_or(c, WWW_CLOSE);
		if (c->in_off == c->in_len) {
			c->in_off = c->in_len = 0;
			return pending_or(c, c->eof ? WWW_CLOSE : WWW_READ);
		}
		size_t used;
		enum http_feed f =
			http_reader_feed(&c->rd, c->in + c->in_off,
					 c->in_len - c->in_off, &used);
		c->in_off += used;
		switch (f) {
		case HTTP_FEED_MORE:
			if (http_reader_take_continue(&c->rd) &&
			    c->out_cap - c->out_len >= sizeof(CONTINUE) - 1) {
				memcpy(c->out + c->out_len, CONTINUE,
				       sizeof(CONTINUE) - 1);
				c->out_len += sizeof(CONTINUE) - 1;
			}
			break;
		case HTTP_FEED_REQUEST:
			answer(c, &c->rd.req);
			if (c->rd.req.upgrade)
				c->close_after = true;
			http_reader_next(&c->rd);
			break;
		case HTTP_FEED_ERROR:
			answer_error(c, &c->rd.req);
			break;
		}
	}
}
