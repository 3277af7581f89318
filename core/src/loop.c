/* loop.c: the event loop.  One epoll fd is the context's pollable fd, so
 * an application can embed devmgr in its own loop (as libxenstore and
 * libcurl's multi interface allow); devmgr_run() is the ready-made loop.
 * Other threads hand work to the loop thread with devmgr_ctx_post(). */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct devmgr_watch {
	struct devmgr_ctx *ctx;
	int fd;
	unsigned events;
	devmgr_fd_fn fn;
	void *arg;
	bool dead;
	struct devmgr_watch *next;
};

struct devmgr__post {
	void (*fn)(void *);
	void *arg;
	struct devmgr__post *next;
};

/* Tags for the loop's own fds in epoll_event.data.ptr. */
static char post_tag, sig_tag;

static uint32_t to_epoll(unsigned ev)
{
	return (ev & DEVMGR_EV_READ ? EPOLLIN : 0) |
	       (ev & DEVMGR_EV_WRITE ? EPOLLOUT : 0);
}

int devmgr__loop_init(struct devmgr__loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = l->postfd = l->sigfd = -1;
	l->lock = devmgr__malloc(sizeof(pthread_mutex_t));
	if (!l->lock)
		return -ENOMEM;
	pthread_mutex_init(l->lock, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->postfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->epfd < 0 || l->postfd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &post_tag };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->postfd, &ev) < 0)
		return -errno;
	return 0;
}

void devmgr__loop_fini(struct devmgr__loop *l)
{
	while (l->watches) {
		struct devmgr_watch *w = l->watches;
		l->watches = w->next;
		devmgr__free(w);
	}
	while (l->posts) {
		struct devmgr__post *p = l->posts;
		l->posts = p->next;
		devmgr__free(p);
	}
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->postfd >= 0)
		close(l->postfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->lock) {
		pthread_mutex_destroy(l->lock);
		devmgr__free(l->lock);
	}
}

int devmgr_ctx_fd(const struct devmgr_ctx *ctx)
{
	return ctx->loop.epfd;
}

struct devmgr_watch *devmgr_watch_fd(struct devmgr_ctx *ctx, int fd,
				     unsigned events, devmgr_fd_fn fn,
				     void *arg)
{
	struct devmgr_watch *w = devmgr__calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	*w = (struct devmgr_watch){ ctx, fd,	events,		  fn,
				    arg, false, ctx->loop.watches };
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = w };
	if (epoll_ctl(ctx->loop.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		devmgr__free(w);
		errno = e;
		return NULL;
	}
	ctx->loop.watches = w;
	return w;
}

int devmgr_watch_modify(struct devmgr_watch *w, unsigned events)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = w };
	if (epoll_ctl(w->ctx->loop.epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

static void reap(struct devmgr__loop *l)
{
	for (struct devmgr_watch **p = &l->watches; *p;) {
		struct devmgr_watch *w = *p;
		if (w->dead) {
			*p = w->next;
			devmgr__free(w);
		} else {
			p = &w->next;
		}
	}
	l->dead_watches = false;
}

/* A watch cancelled inside a callback is freed after the dispatch round,
 * since that round's epoll results may still point to it. */
void devmgr_watch_cancel(struct devmgr_watch *w)
{
	if (!w)
		return;
	epoll_ctl(w->ctx->loop.epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	w->ctx->loop.dead_watches = true;
	if (!w->ctx->loop.dispatching)
		reap(&w->ctx->loop);
}

int devmgr_ctx_post(struct devmgr_ctx *ctx, void (*fn)(void *), void *arg)
{
	struct devmgr__post *p = devmgr__malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(ctx->loop.lock);
	struct devmgr__post **tail = &ctx->loop.posts;
	while (*tail)
		tail = &(*tail)->next;
	p->next = NULL;
	*tail = p;
	pthread_mutex_unlock(ctx->loop.lock);
	uint64_t one = 1;
	if (write(ctx->loop.postfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static int run_posts(struct devmgr_ctx *ctx)
{
	uint64_t n;
	if (read(ctx->loop.postfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -errno;
	pthread_mutex_lock(ctx->loop.lock);
	struct devmgr__post *list = ctx->loop.posts;
	ctx->loop.posts = NULL;
	pthread_mutex_unlock(ctx->loop.lock);
	int count = 0;
	while (list) {
		struct devmgr__post *p = list;
		list = p->next;
		p->fn(p->arg);
		devmgr__free(p);
		count++;
	}
	return count;
}

int devmgr__loop_signals(struct devmgr_ctx *ctx, bool on)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (!on) {
		if (ctx->loop.sigfd >= 0) {
			epoll_ctl(ctx->loop.epfd, EPOLL_CTL_DEL,
				  ctx->loop.sigfd, NULL);
			close(ctx->loop.sigfd);
			ctx->loop.sigfd = -1;
		}
		return -pthread_sigmask(SIG_SETMASK, &ctx->loop.saved_mask,
					NULL);
	}
	int r = pthread_sigmask(SIG_BLOCK, &set, &ctx->loop.saved_mask);
	if (r)
		return -r;
	ctx->loop.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ctx->loop.sigfd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sig_tag };
	if (epoll_ctl(ctx->loop.epfd, EPOLL_CTL_ADD, ctx->loop.sigfd, &ev) < 0)
		return -errno;
	return 0;
}

/* What a signal means is the run policy's (run.c); the loop only reads
 * them.  Without a policy, a signal stops the loop. */
static void on_signal(struct devmgr_ctx *ctx)
{
	struct signalfd_siginfo si;
	while (read(ctx->loop.sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (ctx->loop.on_signal)
			ctx->loop.on_signal(ctx, (int)si.ssi_signo);
		else
			devmgr_ctx_exit(ctx, 0);
	}
}

int devmgr_ctx_dispatch(struct devmgr_ctx *ctx, int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(ctx->loop.epfd, evs, 64, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	int ran = 0;
	ctx->loop.dispatching = true;
	for (int i = 0; i < n && !ctx->loop.exiting; i++) {
		void *tag = evs[i].data.ptr;
		if (tag == &post_tag) {
			int r = run_posts(ctx);
			ran += r > 0 ? r : 0;
			continue;
		}
		if (tag == &sig_tag) {
			on_signal(ctx);
			ran++;
			continue;
		}
		struct devmgr_watch *w = tag;
		if (w->dead)
			continue;
		unsigned e = 0;
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			e |= DEVMGR_EV_READ;
		if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			e |= DEVMGR_EV_WRITE;
		w->fn(w->arg, w->fd, e & (w->events | DEVMGR_EV_READ));
		ran++;
	}
	ctx->loop.dispatching = false;
	if (ctx->loop.dead_watches)
		reap(&ctx->loop);
	return ran;
}

void devmgr_ctx_exit(struct devmgr_ctx *ctx, int status)
{
	if (ctx->loop.exiting)
		return;
	ctx->loop.exiting = true;
	ctx->loop.status = status;
	uint64_t one = 1;
	if (write(ctx->loop.postfd, &one, sizeof(one)) < 0)
		return; /* the loop is awake already or will see the flag */
}
