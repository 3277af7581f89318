/* fq.h: a bounded queue of frames delivered through the event loop, with
 * seeded faults (loss, duplication, reordering, delay) applied as frames
 * enter it.  net-link gives every port one (its receive side); net-debug
 * uses one per direction when faults are configured.
 *
 * fq_push() may be called from any thread; delivery runs on the thread of
 * the loop the queue was attached to, never inside fq_push(), at most
 * `batch` frames per wake-up so that one busy queue cannot starve the
 * others. */
#ifndef DEVMGR_FQ_H
#define DEVMGR_FQ_H

#include "netutil.h"

#include <pthread.h>

/* A reordered frame is held back until the next frame has been queued
 * (it then follows that frame), or for this long when none comes. */
#define FQ_REORDER_HOLD_NS 5000000ull

typedef void (*fq_deliver_fn)(void *arg, const void *frame, size_t len);

struct fq_item;

struct fq {
	pthread_mutex_t lock;
	struct fq_item *head, *tail;
	struct fq_item *held; /* a reordered frame waiting for the next */
	uint64_t held_until;
	unsigned count, limit, batch;
	struct net_fault_cfg cfg;
	uint64_t rng;
	int efd, tfd; /* "due now" eventfd, "due later" timerfd */
	struct devmgr_watch *we, *wt;
	fq_deliver_fn deliver;
	void *arg;
	/* counted under lock */
	uint64_t lost, full, duplicated, reordered;
	bool live;
};

/* limit: frames held at most; batch: frames delivered per wake-up. */
int fq_init(struct fq *q, struct devmgr_ctx *ctx,
	    const struct net_fault_cfg *cfg, unsigned limit, unsigned batch,
	    fq_deliver_fn deliver, void *arg, struct devmgr_error *err);
/* Frees what is still queued (not delivered). */
void fq_fini(struct fq *q);

enum fq_result {
	FQ_QUEUED = 0,
	FQ_LOST, /* dropped by the loss fault */
	FQ_FULL, /* dropped: the queue is full */
	FQ_NOMEM,
};
/* Queue a copy of the frame gathered from iov (len bytes in all). */
enum fq_result fq_push(struct fq *q, const struct iovec *iov, int iovcnt,
		       size_t len);

#endif
