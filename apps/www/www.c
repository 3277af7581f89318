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
#include "conn.h"
#include "www.h"

#include <devmgr/app.h>
#include <devmgr/sig/console.h>
#include <devmgr/sig/fs.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct www_devs {
	struct devmgr_stack *net;
	struct devmgr_fs *htdocs;
	struct devmgr_console *log;
};

struct server;

struct client {
	struct www_conn conn;
	struct server *srv;
	struct devmgr_sock *sock;
	struct client *prev, *next;
	time_t last;      /* monotonic seconds of the last progress */
	time_t req_start; /* when the request being read began */
	unsigned events;
	bool lingering;
	size_t linger_bytes;
};

#define LOG_BUF 16384
/* Lingering close: how long, and how many bytes, a refused client may
 * still send before the connection goes, so that it reads the error
 * rather than a reset. */
#define LINGER_SECONDS 2
#define LINGER_BYTES (1024 * 1024)
#define ACCEPT_BATCH 64

struct server {
	struct devmgr_ctx *ctx;
	struct www_devs *devs;
	struct www_conf conf;
	struct devmgr_sock *listener;
	struct client *clients;
	unsigned count, max_conns;
	time_t idle_timeout;
	bool accept_paused;
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
	devmgr_console_write(srv->devs->log, srv->log_buf, srv->log_len);
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

/* ---- clients --------------------------------------------------------- */

static void listener_resume(struct server *srv);
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
	devmgr_sock_close(cl->sock);
	www_conn_fini(&cl->conn);
	free(cl);
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
		size_t len;
		const char *out;
		ssize_t n;

		if (next == WWW_CLOSE) {
			client_finish(cl);
			return false;
		}
		if (next == WWW_READ)
			return wait_for(cl, DEVMGR_SOCK_READ);
		out = www_conn_out(&cl->conn, &len);
		n = devmgr_sock_send(cl->sock, out, len);
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
		       const struct sockaddr_storage *peer)
{
	struct client *cl = calloc(1, sizeof(*cl));
	char addr[INET6_ADDRSTRLEN] = "-";

	if (peer->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr,
			  addr, sizeof(addr));
	else if (peer->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)peer)->sin6_addr, addr,
			  sizeof(addr));
	if (!cl || www_conn_init(&cl->conn, &srv->conf, addr) < 0) {
		devmgr_log(srv->ctx, DEVMGR_LOG_WARN,
			   "www: out of memory for a connection from %s", addr);
		free(cl);
		devmgr_sock_close(s);
		return;
	}
	cl->srv = srv;
	cl->sock = s;
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

static void on_accept(void *arg, struct devmgr_sock *s, unsigned events)
{
	struct server *srv = arg;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer = { 0 };
		socklen_t plen = sizeof(peer);
		struct devmgr_sock *c;

		if (srv->count >= srv->max_conns) {
			/* the rest wait in the stack's backlog */
			devmgr_sock_set_events(srv->listener, 0, on_accept, srv);
			srv->accept_paused = true;
			return;
		}
		int rc = devmgr_sock_accept(s, &c, (struct sockaddr *)&peer,
					    &plen);
		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			devmgr_log(srv->ctx, DEVMGR_LOG_WARN, "www: accept: %s",
				   strerror(-rc));
			return;
		}
		client_new(srv, c, &peer);
	}
}

static void listener_resume(struct server *srv)
{
	if (srv->accept_paused && srv->count < srv->max_conns &&
	    devmgr_sock_set_events(srv->listener, DEVMGR_SOCK_READ, on_accept,
				   srv) == 0)
		srv->accept_paused = false;
}

/* Once a second: close clients idle too long, or too long on one
 * request, and lingering ones whose time is up. */
static void on_tick(void *arg, int fd, unsigned events)
{
	struct server *srv = arg;
	uint64_t ticks;
	time_t now = mono_now();

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (struct client *cl = srv->clients, *next; cl; cl = next) {
		next = cl->next;
		if (cl->lingering) {
			if (now - cl->last >= LINGER_SECONDS)
				client_close(cl);
		} else if (now - cl->last >= srv->idle_timeout ||
			   (www_conn_mid_request(&cl->conn) &&
			    now - cl->req_start >= srv->idle_timeout)) {
			client_close(cl);
		}
	}
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

static int bind_address(struct server *srv, struct sockaddr_in *sin)
{
	struct devmgr_stack_info info;
	const char *addr = devmgr_arg_str(srv->ctx, "address");
	int rc;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)devmgr_arg_int(srv->ctx, "port"));
	if (addr && addr[0]) {
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
			devmgr_log(srv->ctx, DEVMGR_LOG_ERROR,
				   "www: /app/args/address: \"%s\" is not an "
				   "IPv4 address",
				   addr);
			return -EINVAL;
		}
		return 0;
	}
	rc = devmgr_stack_info(srv->devs->net, &info);
	if (rc < 0)
		return rc;
	sin->sin_addr = info.ipv4.sin_addr;
	return 0;
}

static int listen_on(struct server *srv)
{
	struct sockaddr_in sin, got;
	socklen_t glen = sizeof(got);
	char a[INET_ADDRSTRLEN];
	int rc;

	rc = bind_address(srv, &sin);
	if (rc < 0)
		return rc;
	rc = devmgr_stack_socket(srv->devs->net, AF_INET, SOCK_STREAM,
				 &srv->listener);
	if (rc < 0)
		return rc;
	rc = devmgr_sock_bind(srv->listener, (struct sockaddr *)&sin,
			      sizeof(sin));
	if (rc == 0)
		rc = devmgr_sock_listen(srv->listener,
					(int)devmgr_arg_int(srv->ctx, "backlog"));
	if (rc == 0)
		rc = devmgr_sock_set_events(srv->listener, DEVMGR_SOCK_READ,
					    on_accept, srv);
	if (rc == 0 && devmgr_sock_getsockname(srv->listener,
					       (struct sockaddr *)&got,
					       &glen) == 0)
		sin = got;
	inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
	if (rc < 0) {
		devmgr_log(srv->ctx, DEVMGR_LOG_ERROR,
			   "www: listen on %s:%u: %s", a, ntohs(sin.sin_port),
			   strerror(-rc));
		return rc;
	}
	devmgr_console_printf(srv->devs->log,
			      "www: serving %s on http://%s:%u/\n",
			      srv->conf.root[0] ? srv->conf.root : "/", a,
			      ntohs(sin.sin_port));
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
			   n == -EACCES	       ? "climbs above the fs's root"
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
	srv->conf.fs = srv->devs->htdocs;
	srv->conf.log = log_line;
	srv->conf.log_arg = srv;
	srv->max_conns = (unsigned)devmgr_arg_int(ctx, "max_connections");
	srv->idle_timeout = (time_t)devmgr_arg_int(ctx, "idle_timeout");
	www_conf_tick(&srv->conf, time(NULL));
	return set_root(srv);
}

static void www_stop(struct devmgr_ctx *ctx, void *record)
{
	struct server *srv = devmgr_app_state(ctx);

	while (srv->clients)
		client_close(srv->clients);
	if (srv->listener)
		devmgr_sock_close(srv->listener);
	srv->listener = NULL;
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

static int www_start(struct devmgr_ctx *ctx, void *record)
{
	struct server *srv = devmgr_app_state(ctx);
	int rc;

	srv->ctx = ctx;
	srv->devs = record;
	srv->tfd = -1;
	srv->sigfd = -1;
	rc = set_conf(srv);
	if (rc == 0)
		rc = start_timer(srv);
	if (rc == 0)
		rc = watch_usr1(srv);
	if (rc == 0)
		rc = listen_on(srv);
	if (rc < 0)
		www_stop(ctx, record);
	return rc;
}

static const struct devmgr_slot www_slots[] = {
	DEVMGR_SLOT(struct www_devs, net, stack, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT(struct www_devs, htdocs, fs, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT(struct www_devs, log, console, DEVMGR_SLOT_REQUIRED),
	{ NULL },
};

static const struct devmgr_param www_args[] = {
	{ "port", DEVMGR_PARAM_INT, 0, "8080",
	  "TCP port to listen on (0: any free port, printed at start)", 0,
	  65535 },
	{ "address", DEVMGR_PARAM_STRING, 0, NULL,
	  "IPv4 address to listen on (default: the stack's own address)" },
	{ "root", DEVMGR_PARAM_STRING, 0, "\"/\"",
	  "folder of the fs that is served; nothing outside it is reachable" },
	{ "index", DEVMGR_PARAM_STRING, 0, "\"index.html\"",
	  "file served for a folder's URL (ending in /)" },
	{ "max_connections", DEVMGR_PARAM_INT, 0, "512",
	  "connections served at once; more wait in the listen backlog", 1,
	  1000000 },
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
};
