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
#define INPUT_SIZE 8192

#define SERVER_NAME "devmgr-www"

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
	c->out_cap = conf->chunk_size;
	/* one block: input, output, and the target (max_request_line + 1) */
	c->in = malloc(c->in_cap + c->out_cap + conf->lim.max_request_line +
		       1);
	if (!c->in)
		return -ENOMEM;
	c->out = c->in + c->in_cap;
	http_reader_init(&c->rd, &conf->lim, c->out + c->out_cap);
	snprintf(c->peer, sizeof(c->peer), "%s", peer ? peer : "-");
	return 0;
}

static void log_emit(struct www_conn *c, uint64_t bytes)
{
	int n;

	if (!c->conf->log || c->log_len == 0)
		return;
	n = snprintf(c->log_line + c->log_len,
		     sizeof(c->log_line) - c->log_len, "%llu\n",
		     (unsigned long long)bytes);
	if (n > 0 && (size_t)n < sizeof(c->log_line) - c->log_len)
		c->conf->log(c->conf->log_arg, c->log_line,
			     c->log_len + (size_t)n);
	c->log_len = 0;
}

static void file_done(struct www_conn *c)
{
	if (!c->file)
		return;
	devmgr_file_close(c->file);
	c->file = NULL;
}

void www_conn_fini(struct www_conn *c)
{
	if (c->file) {
		log_emit(c, c->file_off);
		file_done(c);
	}
	free(c->in);
	c->in = c->out = NULL;
}

/* The log line up to its size: peer, time, request line, status.  The
 * target is escaped: it is the client's text going into the server's
 * log. */
static void log_begin(struct www_conn *c, const struct http_request *req,
		      int status)
{
	static const char hex[] = "0123456789abcdef";
	char *p = c->log_line, *end = p + sizeof(c->log_line) - 40;
	int n;

	n = snprintf(p, (size_t)(end - p), "%s - - [%s] \"%s ", c->peer,
		     c->conf->clf_date, http_method_str(req->method));
	p += n > 0 && n < end - p ? n : 0;
	for (size_t i = 0; i < req->target_len && p < end - 4; i++) {
		unsigned char ch = (unsigned char)req->target[i];
		if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		} else {
			*p++ = (char)ch;
		}
	}
	/* a request refused before its version was read has none */
	if (req->major == 0 && req->minor == 0)
		n = snprintf(p, sizeof(c->log_line) - (size_t)(p - c->log_line),
			     "\" %d ", status);
	else
		n = snprintf(p, sizeof(c->log_line) - (size_t)(p - c->log_line),
			     " HTTP/%u.%u\" %d ", req->major % 10,
			     req->minor % 10, status);
	c->log_len = (size_t)(p - c->log_line) + (n > 0 ? (size_t)n : 0);
}

struct reply {
	int status;
	bool keep_alive;
	bool head_only;
	const char *type;
	uint64_t length;
	int64_t mtime;          /* -1: no Last-Modified */
	const char *location;   /* 301 */
	const char *body;       /* a generated body (errors, 301) */
};

static size_t put_head(struct www_conn *c, const struct reply *r)
{
	char *p = c->out + c->out_len;
	size_t room = c->out_cap - c->out_len;
	char lm[HTTP_DATE_LEN];
	int n;

	if (r->mtime >= 0)
		http_format_date(r->mtime, lm);
	n = snprintf(p, room,
		     "HTTP/1.1 %d %s\r\n"
		     "Server: " SERVER_NAME "\r\n"
		     "Date: %s\r\n"
		     "%s%s%s"
		     "Content-Length: %llu\r\n"
		     "%s%s%s"
		     "%s%s%s"
		     "%s%s"
		     "\r\n",
		     r->status, http_reason(r->status), c->conf->date,
		     r->type ? "Content-Type: " : "", r->type ? r->type : "",
		     r->type ? "\r\n" : "", (unsigned long long)r->length,
		     r->mtime >= 0 ? "Last-Modified: " : "",
		     r->mtime >= 0 ? lm : "", r->mtime >= 0 ? "\r\n" : "",
		     r->location ? "Location: " : "",
		     r->location ? r->location : "",
		     r->location ? "\r\n" : "",
		     r->status == 405 ? "Allow: GET, HEAD\r\n" : "",
		     !r->keep_alive	     ? "Connection: close\r\n"
		     : c->rd.req.minor == 0 ? "Connection: keep-alive\r\n"
					     : "");
	if (n < 0 || (size_t)n >= room)
		return 0;
	c->out_len += (size_t)n;
	return (size_t)n;
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
	return 500;
}

/* The body goes into the output buffer now when it fits, else it is
 * streamed by www_conn_step(). */
static void reply_file(struct www_conn *c, const struct http_request *req,
		       struct reply *r, struct devmgr_file *f)
{
	size_t room;

	put_head(c, r);
	log_begin(c, req, r->status);
	room = c->out_cap - c->out_len;
	if (r->head_only || r->length == 0) {
		devmgr_file_close(f);
		log_emit(c, 0);
	} else if (r->length <= room) {
		ssize_t n = devmgr_file_pread(f, c->out + c->out_len,
					      (size_t)r->length, 0);
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
		c->file_off = 0;
		c->file_end = r->length;
	}
	if (!r->keep_alive)
		c->close_after = true;
}

static void answer(struct www_conn *c, const struct http_request *req)
{
	char path[4096];
	size_t rl = strlen(c->conf->root);
	char location[4096 + 16];
	struct devmgr_file *f = NULL;
	struct devmgr_fs_stat st;
	struct reply r = {
		.keep_alive = req->keep_alive,
		.head_only = req->method == HTTP_HEAD,
		.mtime = -1,
	};
	int rc;

	if (!is_get_or_head(req)) {
		r.status = 405;
		return reply_text(c, req, &r);
	}
	if (req->major == 1 && req->minor >= 1 && !req->has_host) {
		r.status = 400;
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
		strcat(path, "/");
		if (http_path_encode(path + rl, location, sizeof(location)) <
		    0) {
			r.status = 414;
			return reply_text(c, req, &r);
		}
		r.location = location;
	}
	if (r.status != 200)
		return reply_text(c, req, &r);
	r.type = http_media_type(path);
	r.length = st.size;
	r.mtime = st.mtime;
	if (req->if_modified_since >= 0 && st.mtime <= req->if_modified_since) {
		r.status = 304;
		r.type = NULL;
		r.length = 0;
		r.head_only = true;
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
		log_emit(c, c->file_off);
		file_done(c);
		c->close_after = true;
		c->out_len = c->out_off = 0;
		return false;
	}
	c->out_len += (size_t)n;
	c->file_off += (uint64_t)n;
	if (c->file_off == c->file_end) {
		log_emit(c, c->file_end);
		file_done(c);
	}
	return true;
}

static enum www_next pending_or(const struct www_conn *c, enum www_next e)
{
	return c->out_len > c->out_off ? WWW_WRITE : e;
}

enum www_next www_conn_step(struct www_conn *c)
{
	for (;;) {
		if (c->file && !refill(c))
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
		enum http_feed f = http_reader_feed(
			&c->rd, c->in + c->in_off, c->in_len - c->in_off,
			&used);
		c->in_off += used;
		switch (f) {
		case HTTP_FEED_MORE:
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
