/* conn.h: one HTTP connection of the www app, without its transport.
 *
 * The transport (www.c over a stack socket; the fuzz target over nothing)
 * puts received bytes in, takes bytes to send out, and calls
 * www_conn_step(), which answers as many requests as fit and says what
 * to wait for next.  Memory is fixed when the connection is made: an
 * input buffer, the request target and one output buffer of chunk_size
 * bytes plus room for a response head.  A file body is read from the fs
 * one chunk at a time, only when the previous chunk has mostly gone out,
 * so a client that stops reading holds one chunk and no more.  A body of
 * at least conf->zero_copy bytes is not copied at all where the fs lends
 * its bytes (devmgr_file_view): the transport sends the head from the
 * output buffer and the body straight from the views (www_conn_out_iov);
 * or, where the fs has the file's host fd and the stack sendfile, the
 * kernel sends it from the file (www_conn_out_file). */
#ifndef WWW_CONN_H
#define WWW_CONN_H

#include "http.h"

#include <devmgr/sig/fs.h>
#include <sys/uio.h>
#include <time.h>

#define WWW_VIEWS 16 /* pieces of a body's views held at a time */

/* Shared by the connections of one server. */
struct www_conf {
	struct http_limits lim;
	struct devmgr_fs *fs; /* NULL while htdocs has no device: 503 */
	char root[256];	      /* the served folder of fs, "" for the root */
	char index[64];	      /* the file served for a folder */
	size_t chunk_size;    /* the output buffer, bytes */
	size_t zero_copy;     /* bodies this long or longer go out from fs
			       * views; 0: always copied */
	bool sendfile;	      /* the stack sends from a host fd (sendfile) */
	/* Bodies of zero_copy bytes or more: sent from views, sent from
	 * the file's host fd, copied because the fs lent neither. */
	unsigned long long zc_bodies, sf_bodies, zc_refused;
	bool closing; /* draining: every response says Connection: close */
	/* One access-log line (with its '\n'); may be NULL. */
	void (*log)(void *arg, const char *line, size_t len);
	void *log_arg;
	/* Formatted times, recomputed once a second. */
	time_t now;
	char date[HTTP_DATE_LEN]; /* the Date header */
	char clf_date[32];	  /* "25/Nov/2026:09:00:00 +0000" */
};

enum www_next {
	WWW_READ = 0, /* wait for bytes from the client */
	WWW_WRITE,    /* send www_conn_out() */
	WWW_CLOSE,    /* done: close (see linger) */
};

struct www_conn {
	struct www_conf *conf;
	struct http_reader rd;
	char *in;
	size_t in_off, in_len, in_cap;
	char *out;
	size_t out_off, out_len, out_cap;
	/* The body still to read from the fs, for the response being sent. */
	struct devmgr_file *file;
	uint64_t file_start, file_off, file_end;
	/* zero copy: views of the body from file_off, sent after the
	 * output buffer; views[view_i] is sent up to view_off */
	bool zc;
	int nviews, view_i;
	size_t view_off;
	struct devmgr_fs_view views[WWW_VIEWS];
	int sf_fd;	  /* >= 0: the body goes out by sendfile from it */
	bool close_after; /* close once everything queued is sent */
	bool linger;	  /* unread bytes may follow: drain before closing */
	bool eof;	  /* the client closed its side */
	unsigned long requests; /* answered on this connection */
	char peer[64];
	/* The access-log line of the streamed response: up to its status,
	 * and after its size (Referer and User-Agent, the combined format). */
	size_t log_len, tail_len;
	char log_line[640];
	char log_tail[400];
};

/* Set the per-second times of conf to now. */
void www_conf_tick(struct www_conf *conf, time_t now);

/* 0, or -ENOMEM.  peer is copied (for the log). */
int www_conn_init(struct www_conn *c, struct www_conf *conf, const char *peer);
/* Close any open file and free the buffers; an unfinished streamed
 * response is logged with the bytes that were read for it. */
void www_conn_fini(struct www_conn *c);

enum www_next www_conn_step(struct www_conn *c);
/* The fs goes away (hot-plug): close the file of a streamed response,
 * whose body is then cut short, and end the connection once what is
 * queued has gone. */
void www_conn_drop_file(struct www_conn *c);

/* Where received bytes go: *room bytes at the returned pointer. */
static inline char *www_conn_in_room(struct www_conn *c, size_t *room)
{
	*room = c->in_cap - c->in_len;
	return c->in + c->in_len;
}
static inline void www_conn_received(struct www_conn *c, size_t n)
{
	c->in_len += n;
}
/* What is waiting to be sent in the output buffer (a body sent from
 * views is not in it: see www_conn_out_iov). */
static inline const char *www_conn_out(const struct www_conn *c, size_t *len)
{
	*len = c->out_len - c->out_off;
	return c->out + c->out_off;
}
/* Everything waiting to be sent, in order: the output buffer, then the
 * views of a body sent without a copy.  Fills up to max elements (max >=
 * 1), returns how many, with their total in *len.  The views' bytes
 * belong to the fs and stay valid until www_conn_sent() or
 * www_conn_drop_file() is done with them. */
int www_conn_out_iov(const struct www_conn *c, struct iovec *iov, int max,
		     size_t *len);
/* When the body goes out by sendfile: true, with the host fd (the fs's,
 * valid until www_conn_sent or www_conn_drop_file finish with it),
 * offset and length to send after what www_conn_out gives (its head). */
bool www_conn_out_file(const struct www_conn *c, int *fd, uint64_t *off,
		       size_t *len);
/* n bytes of what www_conn_out, www_conn_out_iov or www_conn_out_file
 * gave were sent. */
void www_conn_sent(struct www_conn *c, size_t n);
/* True while a request's head is arriving (the header timeout's time). */
static inline bool www_conn_in_head(const struct www_conn *c)
{
	return http_reader_in_head(&c->rd);
}
/* True while a request has started arriving but is not complete. */
static inline bool www_conn_mid_request(const struct www_conn *c)
{
	return http_reader_started(&c->rd) || c->in_len > c->in_off;
}

#endif
