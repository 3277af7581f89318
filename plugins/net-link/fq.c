/* fq.c: the fault-injecting delivery queue (see fq.h).
 *
 * Items are kept sorted by the time they are due, so a delay keeps order.
 * A reordered frame waits aside and is queued right after the next frame,
 * so that which frames swap depends only on the seed and the order of
 * the frames, not on timing.  An eventfd says "the head is due"; a timerfd
 * wakes the loop when a head that is not yet due becomes due.  Both are
 * level-triggered fds in the context's epoll set, so a callback that leaves due
 * frames behind (the batch bound) simply runs again on the next dispatch. */
#include "fq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct fq_item {
	struct fq_item *prev, *next;
	uint64_t due;
	size_t len;
	uint8_t data[];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool chance(struct fq *q, uint64_t p)
{
	if (p == 0)
		return false;
	return (net_rng_next(&q->rng) >> 32) < p;
}

static void kick(int efd)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, so it is readable */
	}
}

static void arm(struct fq *q, uint64_t due)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(due / 1000000000ull);
	its.it_value.tv_nsec = (long)(due % 1000000000ull);
	timerfd_settime(q->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Called with the lock held, after the head or the held frame changed. */
static void signal_head(struct fq *q, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (q->head && q->head->due <= now) {
		kick(q->efd);
		return;
	}
	if (q->head)
		next = q->head->due;
	if (q->held && q->held_until < next)
		next = q->held_until;
	if (next != UINT64_MAX)
		arm(q, next);
}

static void insert(struct fq *q, struct fq_item *it)
{
	struct fq_item *p = q->tail;

	while (p && p->due > it->due)
		p = p->prev;
	it->prev = p;
	it->next = p ? p->next : q->head;
	if (it->next)
		it->next->prev = it;
	else
		q->tail = it;
	if (p)
		p->next = it;
	else
		q->head = it;
	q->count++;
}

/* The held frame goes in after it (lock held). */
static void release_held(struct fq *q, uint64_t due)
{
	struct fq_item *h = q->held;

	q->held = NULL;
	if (h->due < due)
		h->due = due;
	insert(q, h);
}

static struct fq_item *pop_due(struct fq *q, uint64_t now)
{
	struct fq_item *it;

	pthread_mutex_lock(&q->lock);
	if (q->held && q->held_until <= now)
		release_held(q, now);
	it = q->head;
	if (it && it->due <= now) {
		q->head = it->next;
		if (q->head)
			q->head->prev = NULL;
		else
			q->tail = NULL;
		q->count--;
	} else {
		it = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	return it;
}

static void on_ready(void *arg, int fd, unsigned events)
{
	struct fq *q = arg;
	uint64_t v, now = now_ns();
	struct fq_item *it;
	unsigned n = 0;

	(void)fd;
	(void)events;
	/* Reset both; the one that was not signalled fails with EAGAIN. */
	if (read(q->efd, &v, sizeof(v)) < 0)
		v = 0;
	if (read(q->tfd, &v, sizeof(v)) < 0)
		v = 0;
	while (n < q->batch && (it = pop_due(q, now)) != NULL) {
		q->deliver(q->arg, it->data, it->len);
		free(it);
		n++;
	}
	pthread_mutex_lock(&q->lock);
	signal_head(q, now);
	pthread_mutex_unlock(&q->lock);
}

int fq_init(struct fq *q, struct devmgr_ctx *ctx,
	    const struct net_fault_cfg *cfg, unsigned limit, unsigned batch,
	    fq_deliver_fn deliver, void *arg, struct devmgr_error *err)
{
	int e;

	memset(q, 0, sizeof(*q));
	q->cfg = *cfg;
	q->rng = cfg->seed;
	q->limit = limit;
	q->batch = batch;
	q->deliver = deliver;
	q->arg = arg;
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (q->efd < 0 || q->tfd < 0)
		goto fail;
	q->we = devmgr_watch_fd(ctx, q->efd, DEVMGR_EV_READ, on_ready, q);
	if (q->we == NULL)
		goto fail;
	q->wt = devmgr_watch_fd(ctx, q->tfd, DEVMGR_EV_READ, on_ready, q);
	if (q->wt == NULL)
		goto fail;
	pthread_mutex_init(&q->lock, NULL);
	q->live = true;
	return 0;
fail:
	e = errno;
	devmgr_watch_cancel(q->we);
	if (q->efd >= 0)
		close(q->efd);
	if (q->tfd >= 0)
		close(q->tfd);
	return devmgr_error_set(err, -e, "event queue: %s", strerror(e));
}

void fq_fini(struct fq *q)
{
	if (!q->live)
		return;
	devmgr_watch_cancel(q->we);
	devmgr_watch_cancel(q->wt);
	close(q->efd);
	close(q->tfd);
	while (q->head) {
		struct fq_item *it = q->head;

		q->head = it->next;
		free(it);
	}
	free(q->held);
	pthread_mutex_destroy(&q->lock);
	q->live = false;
}

static struct fq_item *item_new(const struct iovec *iov, int iovcnt, size_t len,
				uint64_t due)
{
	struct fq_item *it = malloc(sizeof(*it) + len);

	if (it == NULL)
		return NULL;
	it->due = due;
	it->len = len;
	devmgr_net_frame_gather(it->data, iov, iovcnt, len);
	return it;
}

enum fq_result fq_push(struct fq *q, const struct iovec *iov, int iovcnt,
		       size_t len)
{
	enum fq_result r = FQ_QUEUED;
	uint64_t now = now_ns(), due;
	int copies = 1;
	bool hold = false;

	pthread_mutex_lock(&q->lock);
	due = now + q->cfg.delay_ns;
	if (chance(q, q->cfg.loss)) {
		q->lost++;
		r = FQ_LOST;
		goto out;
	}
	if (chance(q, q->cfg.duplicate)) {
		q->duplicated++;
		copies = 2;
	}
	if (chance(q, q->cfg.reorder) && q->held == NULL) {
		q->reordered++;
		hold = true;
	}
	for (int i = 0; i < copies; i++) {
		struct fq_item *it;

		if (q->count >= q->limit) {
			q->full++;
			r = i ? r : FQ_FULL;
			break;
		}
		it = item_new(iov, iovcnt, len, due);
		if (it == NULL) {
			r = i ? r : FQ_NOMEM;
			break;
		}
		if (hold && i == 0) {
			q->held = it;
			q->held_until = due + FQ_REORDER_HOLD_NS;
			signal_head(q, now);
			continue;
		}
		insert(q, it);
		if (q->held && !hold)
			release_held(q, due); /* it goes in after this one */
		if (q->head == it)
			signal_head(q, now);
	}
out:
	pthread_mutex_unlock(&q->lock);
	return r;
}
