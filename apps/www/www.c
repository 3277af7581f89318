/* www: a static web server, the app over a stack ("net"), a filesystem
 * ("htdocs") and a console ("log").  This file owns the sockets: the
 * listener, one client per connection driven by the stack's readiness
 * events, the limits on connections and idle time, and the access log.
 * What a request gets as its answer is conn.c's business.
 *
 * Back-pressure: a client is asked for READ only when everything queued
 * for it has gone, and for WRITE only while something is queued; so a
 * client that stops reading stops costing anything but its buffers.
 *
 * The same source makes the www executable (main.c) and the www plugin
 * for "devmgr run www" (plugin.c). */
#include "www.h"
#include "conn.h"

#include <devmgr/app.h>
#include <devmgr/sig/console.h>
#include <devmgr/sig/fs.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

struct www_devs {
	struct devmgr_stack *net;
	struct devmgr_fs *htdocs;
	struct devmgr_console *log;
};

struct server;

/* The connections of one client address, for max_connections_per_client.
 * IPv4 addresses are kept in their v4-mapped IPv6 form. */
struct peer {
	struct peer *next;
	uint8_t addr[16];
	unsigned count;
};

struct client {
	struct www_conn conn;
	struct server *srv;
	struct devmgr_sock *sock;
	struct peer *peer;
	struct client *prev, *next;
	time_t last;	  /* monotonic seconds of the last progress */
	time_t req_start; /* when the request being read began */
	unsigned events;
	bool lingering;
	size_t linger_bytes;
};

#define LOG_BUF 16384
/* Lingering close: how long, and how many bytes, a refused client may
 * still send before the connection goes, so that it reads the error
 * rather than a reset. */
#define LINGER_SECONDS	 2
#define LINGER_BYTES	 (1024 * 1024)
#define ACCEPT_BATCH	 64
#define MAX_LISTENERS	 2 /* IPv4 and IPv6 */
#define PEER_BUCKETS_MAX 65536
#define MAX_WORKERS	 64
/* zero_copy: bodies from this size up are sent from the fs's views. */
#define ZERO_COPY_MIN ((size_t)16 * 1024)
/* Set in the environment of the worker processes that www starts. */
#define WORKER_ENV "DEVMGR_WWW_WORKER"
#define PORT_ENV   "DEVMGR_WWW_PORT"

/* What a client over its connection cap gets before the close. */
static const char busy_reply[] = "HTTP/1.1 503 Service Unavailable\r\n"
				 "Server: devmgr-www\r\n"
				 "Content-Length: 0\r\n"
				 "Retry-After: 1\r\n"
				 "Connection: close\r\n\r\n";

struct server {
	struct devmgr_ctx *ctx;
	struct www_devs *devs;
	struct www_conf conf;
	struct devmgr_sock *listeners[MAX_LISTENERS];
	unsigned nlisteners;
	struct client *clients;
	unsigned count, max_conns, per_client;
	time_t idle_timeout, header_timeout, drain_timeout;
	bool accept_paused;  /* at max_connections */
	bool accept_backoff; /* out of descriptors: until the next tick */
	bool listening;	     /* the listeners are watched for READ */
	bool draining;
	time_t drain_start;
	time_t last_warn;
	unsigned warn_suppressed;
	struct peer **peers;
	size_t npeer_buckets;
	int worker;		     /* 0: the first process */
	pid_t children[MAX_WORKERS]; /* the others, in the first one */
	unsigned nchildren;
	int tfd;
	struct devmgr_watch *timer;
	int sigfd; /* SIGUSR1: reopen the log */
	struct devmgr_watch *sigw;
	bool flush_posted;
	size_t log_len;
	char log_buf[LOG_BUF];
};

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ---- access log ------------------------------------------------------ */

/* Lines gather in a buffer that is written once per loop round: one
 * console write for many requests. */
static void log_flush(void *arg)
{
	struct server *srv = arg;

	srv->flush_posted = false;
	if (srv->log_len == 0)
		return;
	if (srv->worker == 0 && srv->nchildren == 0) {
		devmgr_console_write(srv->devs->log, srv->log_buf,
				     srv->log_len);
		srv->log_len = 0;
		return;
	}
	/* workers share the console: writes of whole lines, each at most
	 * PIPE_BUF, stay whole in a pipe too */
	for (size_t off = 0, end; off < srv->log_len; off = end) {
		end = srv->log_len - off > PIPE_BUF ? off + PIPE_BUF
						    : srv->log_len;
		while (end < srv->log_len && end > off + 1 &&
		       srv->log_buf[end - 1] != '\n')
			end--;
		devmgr_console_write(srv->devs->log, srv->log_buf + off,
				     end - off);
	}
	srv->log_len = 0;
}

static void log_line(void *arg, const char *line, size_t len)
{
	struct server *srv = arg;

	if (srv->log_len + len > sizeof(srv->log_buf))
		log_flush(srv);
	if (len > sizeof(srv->log_buf)) {
		devmgr_console_write(srv->devs->log, line, len);
		return;
	}
	memcpy(srv->log_buf + srv->log_len, line, len);
	srv->log_len += len;
	if (!srv->flush_posted &&
	    devmgr_ctx_post(srv->ctx, log_flush, srv) == 0)
		srv->flush_posted = true;
	else if (!srv->flush_posted)
		log_flush(srv);
}

/* Warnings a client can cause (accept failures, caps) come at most once a
 * second, with a count of the ones left out: at the descriptor limit a
 * warning per accept would be a flood. */
static void warn_limited(struct server *srv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn_limited(struct server *srv, const char *fmt, ...)
{
	time_t now = mono_now();
	char msg[256];
	va_list ap;

	if (now == srv->last_warn) {
		srv->warn_suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (srv->warn_suppressed)
		devmgr_log(srv->ctx, DEVMGR_LOG_WARN,
			   "%s (and %u warnings in the last second)", msg,
			   srv->warn_suppressed);
	else
		devmgr_log(srv->ctx, DEVMGR_LOG_WARN, "%s", msg);
	srv->last_warn = now;
	srv->warn_suppressed = 0;
}

/* ---- connections per client address --------------------------------- */

static void peer_key(const struct sockaddr_storage *ss, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr,
		       4);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
}

static struct peer **peer_bucket(struct server *srv, const uint8_t key[16])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return &srv->peers[h & (srv->npeer_buckets - 1)];
}

/* The peer of key with one more connection, or NULL: over the cap
 * (*over set) or out of memory. */
static struct peer *peer_take(struct server *srv, const uint8_t key[16],
			      bool *over)
{
	struct peer **b = peer_bucket(srv, key), *p;

	*over = false;
	for (p = *b; p; p = p->next)
		if (memcmp(p->addr, key, 16) == 0)
			break;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return NULL;
		memcpy(p->addr, key, 16);
		p->next = *b;
		*b = p;
	}
	if (p->count >= srv->per_client) {
		*over = true;
		return NULL;
	}
	p->count++;
	return p;
}

static void peer_put(struct server *srv, struct peer *p)
{
	struct peer **b;

	if (!p || --p->count > 0)
		return;
	for (b = peer_bucket(srv, p->addr); *b != p; b = &(*b)->next)
		;
	*b = p->next;
	free(p);
}

static int peers_init(struct server *srv)
{
	size_t n = 1;

	while (n < srv->max_conns && n < PEER_BUCKETS_MAX)
		n <<= 1;
	srv->peers = calloc(n, sizeof(*srv->peers));
	if (!srv->peers)
		return -ENOMEM;
	srv->npeer_buckets = n;
	return 0;
}

static void peers_fini(struct server *srv)
{
	for (size_t i = 0; srv->peers && i < srv->npeer_buckets; i++)
		while (srv->peers[i]) {
			struct peer *p = srv->peers[i];
			srv->peers[i] = p->next;
			free(p);
		}
	free(srv->peers);
	srv->peers = NULL;
}

/* ---- clients --------------------------------------------------------- */

static void listener_resume(struct server *srv);
static void on_accept(void *arg, struct devmgr_sock *s, unsigned events);
static void workers_signal(struct server *srv, int sig);
static void workers_reap(struct server *srv, bool wait);
static void client_event(void *arg, struct devmgr_sock *s, unsigned events);

static void client_close(struct client *cl)
{
	struct server *srv = cl->srv;

	if (cl->prev)
		cl->prev->next = cl->next;
	else
		srv->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	srv->count--;
	peer_put(srv, cl->peer);
	devmgr_sock_close(cl->sock);
	www_conn_fini(&cl->conn);
	free(cl);
	if (srv->draining && srv->count == 0)
		devmgr_ctx_exit(srv->ctx, 0);
	listener_resume(srv);
}

static int client_want(struct client *cl, unsigned events)
{
	if (events == cl->events)
		return 0;
	cl->events = events;
	return devmgr_sock_set_events(cl->sock, events, client_event, cl);
}

/* The answer is sent; the client may still be sending what it wanted us
 * to read.  Stop writing and drain for a while before closing. */
static void client_finish(struct client *cl)
{
	if (!cl->conn.linger || cl->conn.eof ||
	    devmgr_sock_shutdown(cl->sock, SHUT_WR) < 0 ||
	    client_want(cl, DEVMGR_SOCK_READ) < 0)
		return client_close(cl);
	cl->lingering = true;
	cl->last = mono_now();
}

static void client_drain(struct client *cl)
{
	char buf[4096];
	ssize_t n;

	while ((n = devmgr_sock_recv(cl->sock, buf, sizeof(buf))) > 0) {
		cl->linger_bytes += (size_t)n;
		if (cl->linger_bytes > LINGER_BYTES)
			return client_close(cl);
	}
	if (n != -EAGAIN)
		client_close(cl);
}

/* Ask for one event only: READ while nothing is queued, WRITE while
 * something is, which is the back-pressure.  False when the client is
 * gone. */
static bool wait_for(struct client *cl, unsigned events)
{
	if (client_want(cl, events) == 0)
		return true;
	client_close(cl);
	return false;
}

/* Send what is queued and answer what is read until the client or the
 * stack has to wait.  Returns false when the client is gone. */
static bool client_progress(struct client *cl)
{
	for (;;) {
		enum www_next next = www_conn_step(&cl->conn);
		struct iovec iov[1 + WWW_VIEWS];
		uint64_t off;
		size_t len, flen;
		int k, fd;
		ssize_t n;

		if (next == WWW_CLOSE) {
			client_finish(cl);
			return false;
		}
		if (next == WWW_READ && cl->srv->draining &&
		    !www_conn_mid_request(&cl->conn)) {
			/* draining: a kept connection with nothing in
			 * flight is done */
			client_close(cl);
			return false;
		}
		if (next == WWW_READ)
			return wait_for(cl, DEVMGR_SOCK_READ);
		if (www_conn_out_file(&cl->conn, &fd, &off, &flen)) {
			iov[0].iov_base = (void *)www_conn_out(&cl->conn,
							       &iov[0].iov_len);
			len = iov[0].iov_len + flen;
			n = devmgr_sock_sendfile(cl->sock, iov,
						 iov[0].iov_len ? 1 : 0, fd,
						 off, flen);
			if (n == 0) {
				/* the file shrank under its promised length */
				www_conn_drop_file(&cl->conn);
				continue;
			}
		} else {
			k = www_conn_out_iov(&cl->conn, iov, 1 + WWW_VIEWS,
					     &len);
			n = k == 1 ? devmgr_sock_send(cl->sock, iov[0].iov_base,
						      len)
				   : devmgr_sock_sendv(cl->sock, iov, k);
		}
		if (n == -EAGAIN || n == 0)
			return wait_for(cl, DEVMGR_SOCK_WRITE);
		if (n < 0) {
			client_close(cl);
			return false;
		}
		cl->last = mono_now();
		www_conn_sent(&cl->conn, (size_t)n);
		if ((size_t)n < len)
			return wait_for(cl, DEVMGR_SOCK_WRITE);
	}
}

static bool client_read(struct client *cl)
{
	size_t room;
	char *p = www_conn_in_room(&cl->conn, &room);
	bool was_mid = www_conn_mid_request(&cl->conn);
	ssize_t n;

	if (room == 0)
		return true;
	n = devmgr_sock_recv(cl->sock, p, room);
	if (n == -EAGAIN)
		return true;
	if (n < 0) {
		client_close(cl);
		return false;
	}
	if (n == 0) {
		cl->conn.eof = true;
		return true;
	}
	cl->last = mono_now();
	if (!was_mid)
		cl->req_start = cl->last;
	www_conn_received(&cl->conn, (size_t)n);
	return true;
}

static void client_event(void *arg, struct devmgr_sock *s, unsigned events)
{
	struct client *cl = arg;

	(void)s; /* cl->sock */
	if (cl->lingering)
		return client_drain(cl);
	if (events & DEVMGR_SOCK_ERROR && !(events & DEVMGR_SOCK_READ))
		return client_close(cl);
	www_conf_tick(&cl->srv->conf, time(NULL));
	if (events & DEVMGR_SOCK_READ && !client_read(cl))
		return;
	client_progress(cl);
}

static void client_new(struct server *srv, struct devmgr_sock *s,
		       const struct sockaddr_storage *peer, struct peer *p)
{
	struct client *cl = calloc(1, sizeof(*cl));
	char addr[INET6_ADDRSTRLEN] = "-";

	if (peer->ss_family == AF_INET)
		inet_ntop(AF_INET,
			  &((const struct sockaddr_in *)peer)->sin_addr, addr,
			  sizeof(addr));
	else if (peer->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)peer)->sin6_addr, addr,
			  sizeof(addr));
	if (!cl || www_conn_init(&cl->conn, &srv->conf, addr) < 0) {
		warn_limited(srv, "www: out of memory for a connection from %s",
			     addr);
		free(cl);
		peer_put(srv, p);
		devmgr_sock_close(s);
		return;
	}
	cl->srv = srv;
	cl->sock = s;
	cl->peer = p;
	cl->last = cl->req_start = mono_now();
	cl->next = srv->clients;
	if (srv->clients)
		srv->clients->prev = cl;
	srv->clients = cl;
	srv->count++;
	if (client_want(cl, DEVMGR_SOCK_READ) < 0)
		client_close(cl);
}

/* ---- listener and timer ---------------------------------------------- */

static void listeners_watch(struct server *srv, bool on)
{
	if (srv->listening == on)
		return;
	for (unsigned i = 0; i < srv->nlisteners; i++)
		devmgr_sock_set_events(srv->listeners[i],
				       on ? DEVMGR_SOCK_READ : 0, on_accept,
				       srv);
	srv->listening = on;
}

/* A client at its cap gets a 503 and the close; its request is not read
 * (a slow client may not even have sent it). */
static void refuse_busy(struct server *srv, struct devmgr_sock *c,
			const struct sockaddr_storage *peer)
{
	char addr[INET6_ADDRSTRLEN] = "-";

	if (peer->ss_family == AF_INET)
		inet_ntop(AF_INET,
			  &((const struct sockaddr_in *)peer)->sin_addr, addr,
			  sizeof(addr));
	else if (peer->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)peer)->sin6_addr, addr,
			  sizeof(addr));
	devmgr_sock_send(c, busy_reply, sizeof(busy_reply) - 1);
	devmgr_sock_close(c);
	warn_limited(srv,
		     "www: %s is at max_connections_per_client (%u): "
		     "connection refused with 503",
		     addr, srv->per_client);
}

static void on_accept(void *arg, struct devmgr_sock *s, unsigned events)
{
	struct server *srv = arg;

	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer = { 0 };
		socklen_t plen = sizeof(peer);
		struct devmgr_sock *c;
		uint8_t key[16];
		struct peer *p;
		bool over;

		if (srv->count >= srv->max_conns) {
			/* the rest wait in the stack's backlog */
			listeners_watch(srv, false);
			srv->accept_paused = true;
			return;
		}
		int rc = devmgr_sock_accept(s, &c, (struct sockaddr *)&peer,
					    &plen);
		if (rc == -EAGAIN)
			return;
		if (rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS ||
		    rc == -ENOMEM) {
			/* the connection stays in the backlog, so a watched
			 * listener would wake the loop again at once: stop
			 * watching until the next tick or a client's close */
			listeners_watch(srv, false);
			srv->accept_backoff = true;
			warn_limited(srv,
				     "www: accept: %s: not accepting for up "
				     "to a second",
				     strerror(-rc));
			return;
		}
		if (rc < 0) {
			warn_limited(srv, "www: accept: %s", strerror(-rc));
			return;
		}
		peer_key(&peer, key);
		p = peer_take(srv, key, &over);
		if (!p) {
			if (over)
				refuse_busy(srv, c, &peer);
			else
				devmgr_sock_close(c);
			continue;
		}
		client_new(srv, c, &peer, p);
	}
}

static void listener_resume(struct server *srv)
{
	if (srv->draining || srv->accept_backoff ||
	    srv->count >= srv->max_conns)
		return;
	srv->accept_paused = false;
	listeners_watch(srv, true);
}

static void close_listeners(struct server *srv)
{
	for (unsigned i = 0; i < srv->nlisteners; i++)
		devmgr_sock_close(srv->listeners[i]);
	srv->nlisteners = 0;
	srv->listening = false;
}

/* SIGTERM: no new connections (the listeners close, so new clients are
 * refused by the stack rather than left waiting), kept connections with
 * nothing in flight close now, responses in flight finish with
 * Connection: close, and what is left at drain_timeout is closed. */
static void www_drain(struct devmgr_ctx *ctx, void *record)
{
	struct server *srv = devmgr_app_state(ctx);

	(void)record;
	workers_signal(srv, SIGTERM);
	srv->draining = true;
	srv->conf.closing = true;
	srv->drain_start = mono_now();
	close_listeners(srv);
	for (struct client *cl = srv->clients, *next; cl; cl = next) {
		next = cl->next;
		if (!cl->lingering && cl->events == DEVMGR_SOCK_READ &&
		    !www_conn_mid_request(&cl->conn))
			client_close(cl);
	}
	if (srv->count == 0)
		devmgr_ctx_exit(ctx, 0);
}

/* Once a second: close clients idle too long, or too long on one
 * request, and lingering ones whose time is up. */
static void on_tick(void *arg, int fd, unsigned events)
{
	struct server *srv = arg;
	uint64_t ticks;
	time_t now = mono_now();

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (struct client *cl = srv->clients, *next; cl; cl = next) {
		next = cl->next;
		bool waiting_head =
			cl->events == DEVMGR_SOCK_READ &&
			(www_conn_in_head(&cl->conn) || cl->conn.requests == 0);
		if (cl->lingering) {
			if (now - cl->last >= LINGER_SECONDS)
				client_close(cl);
		} else if (now - cl->last >= srv->idle_timeout ||
			   (www_conn_mid_request(&cl->conn) &&
			    now - cl->req_start >= srv->idle_timeout) ||
			   (waiting_head &&
			    now - cl->req_start >= srv->header_timeout) ||
			   /* '>': at least drain_timeout, whole seconds */
			   (srv->draining &&
			    now - srv->drain_start > srv->drain_timeout)) {
			client_close(cl);
		}
	}
	if (srv->accept_backoff) {
		srv->accept_backoff = false;
		listener_resume(srv);
	}
	workers_reap(srv, false);
	log_flush(srv);
}

static int start_timer(struct server *srv)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = 1 },
		.it_value = { .tv_sec = 1 },
	};

	srv->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv->tfd < 0)
		return -errno;
	if (timerfd_settime(srv->tfd, 0, &its, NULL) < 0)
		return -errno;
	srv->timer = devmgr_watch_fd(srv->ctx, srv->tfd, DEVMGR_EV_READ,
				     on_tick, srv);
	return srv->timer ? 0 : -errno;
}

/* SIGUSR1 reopens the log console (a rotation tool has moved the file
 * away).  The lines gathered so far go to the old file first. */
static void on_usr1(void *arg, int fd, unsigned events)
{
	struct server *srv = arg;
	struct signalfd_siginfo si;
	bool got = false;
	int rc;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si))
		got = true;
	if (!got)
		return;
	log_flush(srv);
	workers_signal(srv, SIGUSR1);
	rc = devmgr_console_reopen(srv->devs->log);
	if (rc < 0)
		devmgr_log(srv->ctx, DEVMGR_LOG_WARN, "www: reopen the log: %s",
			   strerror(-rc));
}

/* The signal stays blocked after stop: a late SIGUSR1 must not end the
 * program with the default action. */
static int watch_usr1(struct server *srv)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -EINVAL;
	srv->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->sigfd < 0)
		return -errno;
	srv->sigw = devmgr_watch_fd(srv->ctx, srv->sigfd, DEVMGR_EV_READ,
				    on_usr1, srv);
	return srv->sigw ? 0 : -errno;
}

/* The addresses to listen on: address (or the stack's IPv4 address), and
 * address6 (or the stack's IPv6 address when it has one; "" for none).
 * *v6_optional: the IPv6 one came from the stack, so failing to listen
 * there is a warning, not an error (a host without IPv6). */
static int bind_addresses(struct server *srv, struct sockaddr_in *sin,
			  struct sockaddr_in6 *sin6, bool *has6,
			  bool *v6_optional)
{
	struct devmgr_stack_info info;
	const char *addr = devmgr_arg_str(srv->ctx, "address");
	const char *addr6 = devmgr_arg_str(srv->ctx, "address6");
	const char *env_port = srv->worker ? getenv(PORT_ENV) : NULL;
	uint16_t port =
		htons(env_port ? (uint16_t)atoi(env_port)
			       : (uint16_t)devmgr_arg_int(srv->ctx, "port"));
	int rc;

	rc = devmgr_stack_info(srv->devs->net, &info);
	if (rc < 0)
		return rc;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = port;
	if (addr && addr[0]) {
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
			devmgr_log(srv->ctx, DEVMGR_LOG_ERROR,
				   "www: /app/args/address: \"%s\" is not an "
				   "IPv4 address",
				   addr);
			return -EINVAL;
		}
	} else {
		sin->sin_addr = info.ipv4.sin_addr;
	}
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = port;
	*has6 = false;
	*v6_optional = false;
	if (addr6) {
		if (!addr6[0])
			return 0;
		if (inet_pton(AF_INET6, addr6, &sin6->sin6_addr) != 1) {
			devmgr_log(srv->ctx, DEVMGR_LOG_ERROR,
				   "www: /app/args/address6: \"%s\" is not an "
				   "IPv6 address",
				   addr6);
			return -EINVAL;
		}
		*has6 = true;
	} else if (info.has_ipv6 && info.ipv6.sin6_family == AF_INET6) {
		sin6->sin6_addr = info.ipv6.sin6_addr;
		*has6 = true;
		*v6_optional = true;
	}
	return 0;
}

/* One listener on sa; on success *port is the port it got (port 0). */
static int listen_one(struct server *srv, struct sockaddr *sa, socklen_t len,
		      uint16_t *port)
{
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	struct devmgr_sock *l;
	char a[INET6_ADDRSTRLEN];
	int rc;

	rc = devmgr_stack_socket(srv->devs->net, sa->sa_family, SOCK_STREAM,
				 &l);
	if (rc < 0)
		return rc;
	rc = devmgr_sock_bind(l, sa, len);
	if (rc == 0)
		rc = devmgr_sock_listen(
			l, (int)devmgr_arg_int(srv->ctx, "backlog"));
	if (rc == 0 &&
	    devmgr_sock_getsockname(l, (struct sockaddr *)&got, &glen) == 0 &&
	    got.ss_family == sa->sa_family)
		memcpy(sa, &got, len);
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		*port = ntohs(sin->sin_port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		*port = ntohs(sin6->sin6_port);
	}
	if (rc < 0) {
		devmgr_sock_close(l);
		devmgr_log(srv->ctx, DEVMGR_LOG_ERROR,
			   sa->sa_family == AF_INET
				   ? "www: listen on %s:%u: %s"
				   : "www: listen on [%s]:%u: %s",
			   a, *port, strerror(-rc));
		return rc;
	}
	srv->listeners[srv->nlisteners++] = l;
	if (srv->worker) /* the first process says where www serves */
		return 0;
	devmgr_console_printf(srv->devs->log,
			      sa->sa_family == AF_INET
				      ? "www: serving %s on http://%s:%u/\n"
				      : "www: serving %s on http://[%s]:%u/\n",
			      srv->conf.root[0] ? srv->conf.root : "/", a,
			      *port);
	return 0;
}

/* IPv4 first; IPv6 on the same port, so that port 0 gives one port. */
static int listen_on(struct server *srv)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	bool has6, v6_optional;
	uint16_t port;
	int rc;

	rc = bind_addresses(srv, &sin, &sin6, &has6, &v6_optional);
	if (rc < 0)
		return rc;
	rc = listen_one(srv, (struct sockaddr *)&sin, sizeof(sin), &port);
	if (rc < 0)
		return rc;
	if (has6) {
		sin6.sin6_port = htons(port);
		rc = listen_one(srv, (struct sockaddr *)&sin6, sizeof(sin6),
				&port);
		if (rc < 0 && !v6_optional)
			return rc;
		if (rc < 0)
			devmgr_log(srv->ctx, DEVMGR_LOG_WARN,
				   "www: serving IPv4 only (set address6 to "
				   "\"\" to say so)");
	}
	listeners_watch(srv, true);
	return 0;
}

/* root: "/" or "/a/b/" become "" and "/a/b", so that root + path works. */
static int set_root(struct server *srv)
{
	const char *root = devmgr_arg_str(srv->ctx, "root");
	int n;

	if (!root || root[0] != '/') {
		devmgr_log(srv->ctx, DEVMGR_LOG_ERROR,
			   "www: /app/args/root: \"%s\" is not an absolute "
			   "path of the fs",
			   root ? root : "");
		return -EINVAL;
	}
	n = http_path_normalise(root, strlen(root), srv->conf.root,
				sizeof(srv->conf.root));
	if (n < 0) {
		devmgr_log(srv->ctx, DEVMGR_LOG_ERROR,
			   "www: /app/args/root: \"%s\" %s", root,
			   n == -EACCES		? "climbs above the fs's root"
			   : n == -ENAMETOOLONG ? "is too long"
						: "is not a plain path");
		return n;
	}
	size_t len = strlen(srv->conf.root);
	while (len > 0 && srv->conf.root[len - 1] == '/')
		srv->conf.root[--len] = '\0';
	return 0;
}

static int set_conf(struct server *srv)
{
	struct devmgr_ctx *ctx = srv->ctx;
	const char *index = devmgr_arg_str(ctx, "index");

	if (!index || !index[0] || strchr(index, '/') ||
	    strlen(index) >= sizeof(srv->conf.index)) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR,
			   "www: /app/args/index: \"%s\" is not a file name",
			   index ? index : "");
		return -EINVAL;
	}
	strcpy(srv->conf.index, index);
	srv->conf.lim.max_request_line =
		(uint32_t)devmgr_arg_int(ctx, "max_request_line");
	srv->conf.lim.max_header_size =
		(uint32_t)devmgr_arg_int(ctx, "max_header_size");
	srv->conf.lim.max_body = (uint64_t)devmgr_arg_int(ctx, "max_body");
	srv->conf.chunk_size = (size_t)devmgr_arg_int(ctx, "chunk_size");
	srv->conf.zero_copy =
		devmgr_arg_bool(ctx, "zero_copy") ? ZERO_COPY_MIN : 0;
	srv->conf.sendfile = devmgr_stack_has_sendfile(srv->devs->net);
	srv->conf.fs = srv->devs->htdocs;
	srv->conf.log = log_line;
	srv->conf.log_arg = srv;
	srv->max_conns = (unsigned)devmgr_arg_int(ctx, "max_connections");
	srv->per_client =
		(unsigned)devmgr_arg_int(ctx, "max_connections_per_client");
	srv->idle_timeout = (time_t)devmgr_arg_int(ctx, "idle_timeout");
	srv->header_timeout = (time_t)devmgr_arg_int(ctx, "header_timeout");
	srv->drain_timeout = (time_t)devmgr_arg_int(ctx, "drain_timeout");
	www_conf_tick(&srv->conf, time(NULL));
	return set_root(srv);
}

/* Signals the first process passes on to the other workers. */
static void workers_signal(struct server *srv, int sig)
{
	for (unsigned i = 0; i < srv->nchildren; i++)
		if (srv->children[i] > 0)
			kill(srv->children[i], sig);
}

/* A worker that ended on its own is said once. */
static void workers_reap(struct server *srv, bool wait)
{
	for (unsigned i = 0; i < srv->nchildren; i++) {
		int status;
		pid_t p = srv->children[i];

		if (p <= 0 || waitpid(p, &status, wait ? 0 : WNOHANG) != p)
			continue;
		srv->children[i] = 0;
		if (!wait)
			devmgr_log(srv->ctx, DEVMGR_LOG_WARN,
				   "www: worker %u (pid %d) ended (status %d)",
				   i + 1, (int)p,
				   WIFEXITED(status) ? WEXITSTATUS(status)
						     : 128 + WTERMSIG(status));
	}
}

/* The other workers are this program again (its own command line, from
 * /proc/self/cmdline), each a whole process with its own devices and
 * loop, told by the environment which worker it is and which port the
 * first one got.  Their listeners share the port (net-socket's
 * reuseport), and the kernel spreads the connections. */
static int workers_start(struct server *srv, unsigned n, uint16_t port)
{
	static char cmdline[16384];
	char *argv[256], val[16];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC), argc = 0;
	ssize_t len = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return -errno;
	cmdline[len] = '\0';
	for (char *p = cmdline; p < cmdline + len && argc < 255;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	for (unsigned i = 1; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			sigset_t all;
			/* a worker does not outlive the first process */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			sigemptyset(&all);
			sigprocmask(SIG_SETMASK, &all, NULL);
			snprintf(val, sizeof(val), "%u", i);
			setenv(WORKER_ENV, val, 1);
			snprintf(val, sizeof(val), "%u", port);
			setenv(PORT_ENV, val, 1);
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		srv->children[srv->nchildren++] = pid;
	}
	return 0;
}

static void www_stop(struct devmgr_ctx *ctx, void *record)
{
	struct server *srv = devmgr_app_state(ctx);

	(void)record;
	srv->draining = false; /* stopping: no exit from client_close */
	if (srv->conf.zero_copy)
		devmgr_log(
			ctx, DEVMGR_LOG_INFO,
			"www: zero_copy: %llu bodies sent from fs views, "
			"%llu by sendfile, %llu copied (the fs lent neither)",
			srv->conf.zc_bodies, srv->conf.sf_bodies,
			srv->conf.zc_refused);
	if (srv->nchildren) {
		/* each drains as this one did, then ends */
		workers_signal(srv, SIGTERM);
		workers_reap(srv, true);
		srv->nchildren = 0;
	}
	while (srv->clients)
		client_close(srv->clients);
	close_listeners(srv);
	peers_fini(srv);
	devmgr_watch_cancel(srv->timer);
	srv->timer = NULL;
	if (srv->tfd >= 0)
		close(srv->tfd);
	srv->tfd = -1;
	devmgr_watch_cancel(srv->sigw);
	srv->sigw = NULL;
	if (srv->sigfd >= 0)
		close(srv->sigfd);
	srv->sigfd = -1;
	log_flush(srv);
}

/* The new htdocs serves the next request; kept connections stay. */
static int www_plug(struct devmgr_ctx *ctx, void *record, const char *slot,
		    void *handle)
{
	struct server *srv = devmgr_app_state(ctx);

	(void)record;
	if (!DEVMGR_SLOT_IS(struct www_devs, htdocs, slot))
		return -EINVAL;
	srv->conf.fs = handle;
	devmgr_log(ctx, DEVMGR_LOG_INFO, "www: htdocs replaced");
	return 0;
}

/* Before the old htdocs is destroyed: nothing may hold its files. */
static void www_unplug(struct devmgr_ctx *ctx, void *record, const char *slot,
		       void *handle)
{
	struct server *srv = devmgr_app_state(ctx);

	(void)record;
	(void)handle;
	if (!DEVMGR_SLOT_IS(struct www_devs, htdocs, slot))
		return;
	srv->conf.fs = NULL;
	for (struct client *cl = srv->clients, *next; cl; cl = next) {
		next = cl->next;
		if (!cl->conn.file)
			continue;
		www_conn_drop_file(&cl->conn);
		client_progress(cl);
	}
}

static int www_start(struct devmgr_ctx *ctx, void *record)
{
	struct server *srv = devmgr_app_state(ctx);
	int rc;

	srv->ctx = ctx;
	srv->devs = record;
	srv->tfd = -1;
	srv->sigfd = -1;
	srv->worker = getenv(WORKER_ENV) ? atoi(getenv(WORKER_ENV)) : 0;
	rc = set_conf(srv);
	if (rc == 0)
		rc = peers_init(srv);
	if (rc == 0)
		rc = start_timer(srv);
	if (rc == 0)
		rc = watch_usr1(srv);
	if (rc == 0)
		rc = listen_on(srv);
	if (rc == 0 && srv->worker == 0 && devmgr_arg_int(ctx, "workers") > 1) {
		struct sockaddr_storage got;
		socklen_t glen = sizeof(got);
		uint16_t port = 0;
		if (devmgr_sock_getsockname(srv->listeners[0],
					    (struct sockaddr *)&got,
					    &glen) == 0)
			port = ntohs(((struct sockaddr_in *)&got)->sin_port);
		rc = workers_start(
			srv, (unsigned)devmgr_arg_int(ctx, "workers"), port);
		if (rc < 0)
			devmgr_log(ctx, DEVMGR_LOG_ERROR,
				   "www: starting workers: %s", strerror(-rc));
	}
	if (rc < 0)
		www_stop(ctx, record);
	return rc;
}

static const struct devmgr_slot www_slots[] = {
	DEVMGR_SLOT(struct www_devs, net, stack, DEVMGR_SLOT_REQUIRED),
	/* hot-plug: a SIGHUP that changes htdocs swaps it under running
	 * connections; required: when it is gone for good, www stops */
	DEVMGR_SLOT(struct www_devs, htdocs, fs,
		    DEVMGR_SLOT_REQUIRED | DEVMGR_SLOT_HOTPLUG),
	DEVMGR_SLOT(struct www_devs, log, console, DEVMGR_SLOT_REQUIRED),
	{ NULL },
};

static const struct devmgr_param www_args[] = {
	{ "port", DEVMGR_PARAM_INT, 0, "8080",
	  "TCP port to listen on (0: any free port, printed at start)", 0,
	  65535 },
	{ "address", DEVMGR_PARAM_STRING, 0, NULL,
	  "IPv4 address to listen on (default: the stack's own address)" },
	{ "address6", DEVMGR_PARAM_STRING, 0, NULL,
	  "IPv6 address to listen on as well (default: the stack's own IPv6 "
	  "address, when it has one; \"\": IPv4 only)" },
	{ "root", DEVMGR_PARAM_STRING, 0, "\"/\"",
	  "folder of the fs that is served; nothing outside it is reachable" },
	{ "index", DEVMGR_PARAM_STRING, 0, "\"index.html\"",
	  "file served for a folder's URL (ending in /)" },
	{ "max_connections", DEVMGR_PARAM_INT, 0, "512",
	  "connections served at once; more wait in the listen backlog", 1,
	  1000000 },
	{ "max_connections_per_client", DEVMGR_PARAM_INT, 0, "128",
	  "connections one client address may hold; more are answered 503 "
	  "and closed",
	  1, 1000000 },
	{ "header_timeout", DEVMGR_PARAM_INT, 0, "10",
	  "seconds a request's line and header fields may take to arrive "
	  "(from the connection, or the request's first byte)",
	  1, 3600 },
	{ "drain_timeout", DEVMGR_PARAM_INT, 0, "10",
	  "seconds SIGTERM lets responses in flight finish before closing", 0,
	  3600 },
	{ "idle_timeout", DEVMGR_PARAM_INT, 0, "30",
	  "seconds a connection may make no progress, or spend on one "
	  "request's head, before it is closed",
	  1, 86400 },
	{ "max_request_line", DEVMGR_PARAM_SIZE, 0, "8192",
	  "bytes of the request line (method, target, version): 414 above", 64,
	  1048576 },
	{ "max_header_size", DEVMGR_PARAM_SIZE, 0, "16384",
	  "bytes of all header lines together: 431 above", 256, 1048576 },
	{ "max_body", DEVMGR_PARAM_SIZE, 0, "16384",
	  "bytes of a request body (read and dropped): 413 above", 0,
	  1073741824 },
	{ "chunk_size", DEVMGR_PARAM_SIZE, 0, "65536",
	  "bytes of a file read and sent at a time (per connection)", 4096,
	  16777216 },
	{ "zero_copy", DEVMGR_PARAM_BOOL, 0, "true",
	  "send bodies of 16 KiB or more without copying them: from the fs's "
	  "views (fs-fat on blk-ram) or by sendfile from its host file "
	  "(fs-host on net-socket)",
	  0, 0 },
	{ "workers", DEVMGR_PARAM_INT, 0, "1",
	  "processes serving the same port, each with its own devices and "
	  "loop (net-socket needs reuseport: true for more than 1)",
	  1, MAX_WORKERS },
	{ "backlog", DEVMGR_PARAM_INT, 0, "511",
	  "connections the stack may queue before they are accepted", 1,
	  65535 },
	{ NULL },
};

const struct devmgr_app www_app = {
	.size = sizeof(struct devmgr_app),
	.name = "www",
	.help = "a static web server: GET and HEAD of the files of an fs",
	.record_size = sizeof(struct www_devs),
	.slots = www_slots,
	.args = www_args,
	.state_size = sizeof(struct server),
	.default_config = NULL, /* set by main.c: it depends on the image */
	.start = www_start,
	.stop = www_stop,
	.drain = www_drain,
	.plug = www_plug,
	.unplug = www_unplug,
};
