/* blk-xen: devmgr's own Xen block frontend.  It speaks blkif to the
 * backend from user space: the ring and a pool of data pages are granted
 * to the backend domain once (libxengnttab's sharing half, gntalloc), an
 * unbound event channel is offered to it (libxenevtchn), and the Xenbus
 * state machine of the frontend is driven through libxenstore.  Data is
 * copied between the caller's iovec and the pool, so no page is granted
 * per request.  docs/xen.md describes it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "blkfront.h"

#include <devmgr/provider/blk.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

/* The public ring headers of the legacy interface expect these. */
#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#include <xen/grant_table.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#define BX_PATH 256

struct bxen {
	struct devmgr_ctx *ctx;
	struct xs_handle *xs;
	pid_t xs_pid; /* the process whose handle xs is */
	xengntshr_handle *gs;
	xenevtchn_handle *xe;
	evtchn_port_t port;
	bool bound;
	unsigned backend_id;
	char fpath[BX_PATH], bpath[BX_PATH];
	char token[32];
	void *sring;
	uint32_t ring_ref;
	blkif_front_ring_t ring;
	uint8_t *pool;
	uint32_t pool_refs[BF_POOL_PAGES];
	struct bf_ids ids;
	struct bf_req plan[BF_RING_SLOTS];
	int status[BF_RING_SLOTS];
	uint32_t sector_size;
	unsigned shift; /* log2(sector_size / 512) */
	uint64_t sectors;
	bool read_only, flush_cache, barrier, discard;
	unsigned last_state; /* the backend's, as last read */
	bool published;	     /* ring-ref and event-channel written */
	bool gone; /* the backend closed or misbehaved: every call -EIO */
	int connect_ms, io_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A value of the backend's directory (malloc'd), or NULL when absent. */
static char *bx_read(struct bxen *b, const char *dir, const char *key)
{
	char path[BX_PATH + 64];
	unsigned len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(b->xs, XBT_NULL, path, &len);
}

static int bx_read_uint(struct bxen *b, const char *dir, const char *key,
			uint64_t max, uint64_t *out, bool *present)
{
	char *s = bx_read(b, dir, key);
	int rc = 0;

	*present = s != NULL;
	if (s)
		rc = bf_uint(s, max, out);
	free(s);
	return rc;
}

static int bx_state(struct bxen *b, unsigned *state)
{
	uint64_t v;
	bool present;

	if (bx_read_uint(b, b->bpath, "state", XenbusStateReconfigured, &v,
			 &present) < 0 ||
	    !present)
		return -EPROTO;
	*state = (unsigned)v;
	return 0;
}

static int bx_set_state(struct bxen *b, xs_transaction_t t, unsigned state)
{
	char path[BX_PATH + 16], v[4];

	snprintf(path, sizeof(path), "%s/state", b->fpath);
	snprintf(v, sizeof(v), "%u", state);
	return xs_write(b->xs, t, path, v, (unsigned)strlen(v)) ? 0 : -errno;
}

/* Drain the watch events: only their arrival matters, the state is read
 * again afterwards. */
static void bx_drain_watches(struct bxen *b)
{
	char **w;

	while ((w = xs_check_watch(b->xs)) != NULL)
		free(w);
}

/* Wait until the backend's state is `want`, at most ms.  0, -EPIPE when
 * the backend closes instead, -ETIMEDOUT, or -EPROTO for a state that is
 * not a number.  While waiting for InitWait a Closed backend is waited
 * on: blkback goes from Closed to InitWait when a frontend that closed
 * starts again from Initialising. */
static int bx_wait_backend(struct bxen *b, unsigned want, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		struct pollfd p = { .fd = xs_fileno(b->xs), .events = POLLIN };
		unsigned st;
		uint64_t t;
		int rc = bx_state(b, &st);

		if (rc < 0)
			return rc;
		if (st == want)
			return 0;
		b->last_state = st;
		if (want != XenbusStateClosed && want != XenbusStateInitWait &&
		    st >= XenbusStateClosing && st <= XenbusStateClosed)
			return -EPIPE;
		t = now_ms();
		if (t >= end)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(end - t)) < 0 && errno != EINTR)
			return -errno;
		bx_drain_watches(b);
	}
}

/* The frontend's backend, as the toolstack wrote it: backend-id a strict
 * integer, backend under that domain's backend/vbd. */
static int bx_find_backend(struct bxen *b, struct devmgr_error *err)
{
	char *be, prefix[64];
	uint64_t id;
	bool present;
	int rc = bx_read_uint(b, b->fpath, "backend-id", 0x7fef, &id, &present);

	if (!present)
		return devmgr_error_set(err, -ENOENT,
					"%s: no such vbd (no backend-id)",
					b->fpath);
	if (rc < 0)
		return devmgr_error_set(err, -EPROTO,
					"%s/backend-id is not a domain id",
					b->fpath);
	b->backend_id = (unsigned)id;
	be = bx_read(b, b->fpath, "backend");
	snprintf(prefix, sizeof(prefix), "/local/domain/%u/backend/vbd/",
		 b->backend_id);
	if (!be || strncmp(be, prefix, strlen(prefix)) != 0 ||
	    strlen(be) >= sizeof(b->bpath) || strstr(be, "..")) {
		free(be);
		return devmgr_error_set(err, -EPROTO,
					"%s/backend is not under %s", b->fpath,
					prefix);
	}
	strcpy(b->bpath, be);
	free(be);
	/* The backend must point back at this frontend. */
	be = bx_read(b, b->bpath, "frontend");
	if (!be || strcmp(be, b->fpath) != 0) {
		free(be);
		return devmgr_error_set(err, -EPROTO,
					"%s: %s/frontend is not this frontend",
					b->fpath, b->bpath);
	}
	free(be);
	return 0;
}

static int bx_features(struct bxen *b, struct devmgr_error *err)
{
	static const char *const keys[] = { "feature-flush-cache",
					    "feature-barrier",
					    "feature-discard" };
	bool *flags[] = { &b->flush_cache, &b->barrier, &b->discard };

	for (size_t i = 0; i < 3; i++) {
		char *s = bx_read(b, b->bpath, keys[i]);
		int rc = bf_flag(s, flags[i]);

		if (rc < 0) {
			rc = devmgr_error_set(
				err, -EPROTO,
				"%s: %s/%s: \"%.32s\" is not 0 or 1", b->fpath,
				b->bpath, keys[i], s);
			free(s);
			return rc;
		}
		free(s);
	}
	return 0;
}

/* Grant the ring and the pool to the backend, once, and offer it an
 * unbound event channel. */
static int bx_share(struct bxen *b, struct devmgr_error *err)
{
	xenevtchn_port_or_error_t port;

	b->gs = xengntshr_open(NULL, 0);
	if (!b->gs)
		return devmgr_error_set(err, -errno,
					"%s: open /dev/xen/gntalloc: %s",
					b->fpath, strerror(errno));
	b->sring =
		xengntshr_share_pages(b->gs, b->backend_id, 1, &b->ring_ref, 1);
	if (!b->sring)
		return devmgr_error_set(err, -errno,
					"%s: granting the ring: %s", b->fpath,
					strerror(errno));
	SHARED_RING_INIT((blkif_sring_t *)b->sring);
	FRONT_RING_INIT(&b->ring, (blkif_sring_t *)b->sring, BF_PAGE);
	b->pool = xengntshr_share_pages(b->gs, b->backend_id, BF_POOL_PAGES,
					b->pool_refs, 1);
	if (!b->pool)
		return devmgr_error_set(
			err, -errno, "%s: granting %u data pages: %s", b->fpath,
			BF_POOL_PAGES, strerror(errno));
	b->xe = xenevtchn_open(NULL, 0);
	if (!b->xe)
		return devmgr_error_set(err, -errno,
					"%s: open /dev/xen/evtchn: %s",
					b->fpath, strerror(errno));
	port = xenevtchn_bind_unbound_port(b->xe, b->backend_id);
	if (port < 0)
		return devmgr_error_set(
			err, -errno, "%s: event channel for domain %u: %s",
			b->fpath, b->backend_id, strerror(errno));
	b->port = (evtchn_port_t)port;
	b->bound = true;
	return 0;
}

/* ring-ref, event-channel, protocol and Initialised in one transaction,
 * so the backend never sees half of them. */
static int bx_publish(struct bxen *b, struct devmgr_error *err)
{
	for (int tries = 0; tries < 100; tries++) {
		xs_transaction_t t = xs_transaction_start(b->xs);
		char path[BX_PATH + 32], v[16];
		bool ok;

		if (t == XBT_NULL)
			break;
		snprintf(path, sizeof(path), "%s/ring-ref", b->fpath);
		snprintf(v, sizeof(v), "%" PRIu32, b->ring_ref);
		ok = xs_write(b->xs, t, path, v, (unsigned)strlen(v));
		snprintf(path, sizeof(path), "%s/event-channel", b->fpath);
		snprintf(v, sizeof(v), "%u", (unsigned)b->port);
		ok = ok && xs_write(b->xs, t, path, v, (unsigned)strlen(v));
		snprintf(path, sizeof(path), "%s/protocol", b->fpath);
		ok = ok && xs_write(b->xs, t, path, XEN_IO_PROTO_ABI_NATIVE,
				    strlen(XEN_IO_PROTO_ABI_NATIVE));
		ok = ok && bx_set_state(b, t, XenbusStateInitialised) == 0;
		if (!ok) {
			xs_transaction_end(b->xs, t, true);
			break;
		}
		if (xs_transaction_end(b->xs, t, false)) {
			b->published = true;
			return 0;
		}
		if (errno != EAGAIN)
			break;
	}
	return devmgr_error_set(err, -EIO, "%s: publishing the ring: %s",
				b->fpath, strerror(errno));
}

/* Size, sector size and mode, once the backend is Connected. */
static int bx_geometry(struct bxen *b, struct devmgr_error *err)
{
	uint64_t ss = 512, n, info = 0;
	bool present;
	char *mode;

	if (bx_read_uint(b, b->bpath, "sector-size", 65536, &ss, &present) <
		    0 ||
	    !devmgr_blk_sector_size_ok(ss))
		return devmgr_error_set(err, -EPROTO,
					"%s: %s/sector-size is not a power of "
					"two from 512 to 65536",
					b->fpath, b->bpath);
	if (bx_read_uint(b, b->bpath, "sectors", UINT64_MAX / 65536, &n,
			 &present) < 0 ||
	    !present || n == 0)
		return devmgr_error_set(err, -EPROTO,
					"%s: %s/sectors is missing or not a "
					"positive integer",
					b->fpath, b->bpath);
	if (bx_read_uint(b, b->bpath, "info", UINT32_MAX, &info, &present) < 0)
		return devmgr_error_set(err, -EPROTO,
					"%s: %s/info is not an integer",
					b->fpath, b->bpath);
	mode = bx_read(b, b->bpath, "mode");
	b->sector_size = (uint32_t)ss;
	b->shift = (unsigned)__builtin_ctz((unsigned)(ss / BF_SECT));
	b->sectors = n;
	b->read_only = (info & VDISK_READONLY) || (mode && !strcmp(mode, "r"));
	free(mode);
	return 0;
}

static void bx_unshare(struct bxen *b)
{
	if (b->bound)
		xenevtchn_unbind(b->xe, b->port);
	if (b->xe)
		xenevtchn_close(b->xe);
	if (b->pool)
		xengntshr_unshare(b->gs, b->pool, BF_POOL_PAGES);
	if (b->sring)
		xengntshr_unshare(b->gs, b->sring, 1);
	if (b->gs)
		xengntshr_close(b->gs);
}

/* Closing, then Closed once the backend follows (or after a short wait:
 * a backend that is gone does not follow). */
static void bx_close(struct bxen *b)
{
	if (!b->published) {
		bx_set_state(b, XBT_NULL, XenbusStateClosed);
		return;
	}
	bx_set_state(b, XBT_NULL, XenbusStateClosing);
	bx_wait_backend(b, XenbusStateClosing, 500);
	bx_set_state(b, XBT_NULL, XenbusStateClosed);
	bx_wait_backend(b, XenbusStateClosed, 500);
}

static int bx_connect(struct bxen *b, struct devmgr_error *err)
{
	int rc = bx_find_backend(b, err);

	if (rc < 0)
		return rc;
	snprintf(b->token, sizeof(b->token), "blk-xen:%p", (void *)b);
	{
		char path[BX_PATH + 16];

		snprintf(path, sizeof(path), "%s/state", b->bpath);
		if (!xs_watch(b->xs, path, b->token))
			return devmgr_error_set(err, -errno, "watch %s: %s",
						path, strerror(errno));
	}
	/* A frontend left Closed (by an earlier run) starts again. */
	if (bx_set_state(b, XBT_NULL, XenbusStateInitialising) < 0)
		return devmgr_error_set(err, -EACCES,
					"%s/state: cannot write: %s", b->fpath,
					strerror(errno));
	rc = bx_wait_backend(b, XenbusStateInitWait, b->connect_ms);
	if (rc == 0)
		rc = bx_features(b, err);
	else
		return devmgr_error_set(
			err, rc,
			rc == -ETIMEDOUT
				? "%s: the backend %s did not wait for "
				  "a frontend (InitWait) within %d ms (its "
				  "state: %u)"
				: "%s: the backend %s has a bad state (%d ms, "
				  "last good state: %u)",
			b->fpath, b->bpath, b->connect_ms, b->last_state);
	if (rc == 0)
		rc = bx_share(b, err);
	if (rc == 0)
		rc = bx_publish(b, err);
	if (rc < 0)
		return rc;
	rc = bx_wait_backend(b, XenbusStateConnected, b->connect_ms);
	if (rc < 0)
		return devmgr_error_set(
			err, rc,
			rc == -ETIMEDOUT ? "%s: the backend %s did not connect "
					   "within %d ms"
					 : "%s: the backend %s closed or has a "
					   "bad state instead of connecting "
					   "(%d ms)",
			b->fpath, b->bpath, b->connect_ms);
	rc = bx_geometry(b, err);
	if (rc == 0 && bx_set_state(b, XBT_NULL, XenbusStateConnected) < 0)
		rc = devmgr_error_set(err, -errno, "%s/state: %s", b->fpath,
				      strerror(errno));
	return rc;
}

/* ---- the data path ------------------------------------------------------ */

static int bx_fail(struct bxen *b, int rc, const char *what)
{
	devmgr_log(b->ctx, DEVMGR_LOG_ERROR, "blk-xen %s: %s", b->fpath, what);
	if (rc == -EPROTO || rc == -EPIPE || rc == -ETIMEDOUT)
		b->gone = true;
	return -EIO;
}

/* Take the answers on the ring; -EPROTO for one with an id that is not in
 * flight. */
static int bx_take(struct bxen *b)
{
	int more;

	do {
		RING_IDX rp = b->ring.sring->rsp_prod;

		rmb(); /* the responses before the index that covers them */
		if (rp - b->ring.rsp_cons > BF_RING_SLOTS)
			return -EPROTO;
		while (b->ring.rsp_cons != rp) {
			blkif_response_t *r =
				RING_GET_RESPONSE(&b->ring, b->ring.rsp_cons);
			uint64_t id = r->id;
			int16_t st = r->status;

			b->ring.rsp_cons++;
			if (bf_ids_put(&b->ids, id) < 0)
				return -EPROTO;
			b->status[id] = bf_status(st);
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&b->ring, more);
	} while (more);
	return 0;
}

/* The xenstore handle of this process.  libxenstore reads a watching
 * handle's replies in a thread of the process that opened it, and fork()
 * (devmgr conform runs its cases in a child) copies no thread: a child
 * that asked the inherited handle anything would wait for ever, and the
 * parent would take the child's answer for its own.  A child opens a
 * handle and a watch of its own and leaves the inherited one alone (it
 * is the parent's to close). */
static int bx_xs_own(struct bxen *b)
{
	char path[BX_PATH + 16];
	struct xs_handle *xs;

	if (b->xs_pid == getpid())
		return 0;
	xs = xs_open(0);
	if (!xs)
		return -errno;
	snprintf(path, sizeof(path), "%s/state", b->bpath);
	if (b->token[0] && !xs_watch(xs, path, b->token)) {
		int e = errno;

		xs_close(xs);
		return -e;
	}
	b->xs = xs;
	b->xs_pid = getpid();
	return 0;
}

/* Wait for every request in flight.  The backend closing, a garbage
 * answer or no answer within io_ms end the device. */
static int bx_complete(struct bxen *b)
{
	uint64_t end = now_ms() + (uint64_t)b->io_ms;

	if (bx_xs_own(b) < 0)
		return bx_fail(b, -EPIPE,
			       "xenstore cannot be opened in this process");

	while (bf_ids_busy(&b->ids) > 0) {
		struct pollfd p[2] = {
			{ .fd = xenevtchn_fd(b->xe), .events = POLLIN },
			{ .fd = xs_fileno(b->xs), .events = POLLIN },
		};
		uint64_t t;
		unsigned st;

		if (bx_take(b) < 0)
			return bx_fail(b, -EPROTO,
				       "the backend answered a request that "
				       "is not in flight");
		if (bf_ids_busy(&b->ids) == 0)
			break;
		t = now_ms();
		if (t >= end)
			return bx_fail(b, -ETIMEDOUT,
				       "no answer from the backend in time");
		if (poll(p, 2, (int)(end - t)) < 0 && errno != EINTR)
			return -errno;
		if (p[0].revents & POLLIN) {
			xenevtchn_port_or_error_t port =
				xenevtchn_pending(b->xe);

			if (port >= 0)
				xenevtchn_unmask(b->xe, (evtchn_port_t)port);
		}
		if (p[1].revents & POLLIN) {
			bx_drain_watches(b);
			if (bx_state(b, &st) < 0 || st != XenbusStateConnected)
				return bx_fail(b, -EPIPE,
					       "the backend left Connected");
		}
	}
	return 0;
}

static void bx_push(struct bxen *b)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->ring, notify);
	if (notify)
		xenevtchn_notify(b->xe, b->port);
}

static void bx_post_rw(struct bxen *b, bool write, const struct bf_req *q,
		       int id)
{
	blkif_request_t *r = RING_GET_REQUEST(&b->ring, b->ring.req_prod_pvt);

	b->ring.req_prod_pvt++;
	memset(r, 0, sizeof(*r));
	r->operation = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	r->nr_segments = (uint8_t)q->nseg;
	r->id = (uint64_t)id;
	r->sector_number = q->sector;
	for (uint32_t i = 0; i < q->nseg; i++) {
		r->seg[i].gref = b->pool_refs[q->seg[i].page];
		r->seg[i].first_sect = q->seg[i].first;
		r->seg[i].last_sect = q->seg[i].last;
	}
}

struct iov_cursor {
	const struct iovec *iov;
	size_t skip;
};

static void iov_copy(struct iov_cursor *c, uint8_t *buf, size_t len,
		     bool to_iov)
{
	while (len > 0) {
		size_t n = c->iov->iov_len - c->skip;

		if (n > len)
			n = len;
		if (n > 0) {
			uint8_t *p = (uint8_t *)c->iov->iov_base + c->skip;

			memcpy(to_iov ? p : buf, to_iov ? buf : p, n);
			buf += n;
			len -= n;
			c->skip += n;
		}
		if (c->skip == c->iov->iov_len) {
			c->iov++;
			c->skip = 0;
		}
	}
}

/* One pool's worth: plan, copy in, post every request, wait, copy out. */
static int bx_chunk(struct bxen *b, bool write, uint64_t sect512, size_t len,
		    struct iov_cursor *c)
{
	int n = bf_plan(sect512, len, BF_SEGS, b->plan, BF_RING_SLOTS);

	if (n < 0)
		return n;
	if (write)
		iov_copy(c, b->pool, len, false);
	bf_ids_init(&b->ids, BF_RING_SLOTS);
	for (int i = 0; i < n; i++) {
		int id = bf_ids_get(&b->ids);

		b->status[id] = 0;
		bx_post_rw(b, write, &b->plan[i], id);
	}
	bx_push(b);
	int rc = bx_complete(b);

	for (int i = 0; rc == 0 && i < n; i++)
		rc = b->status[i];
	if (rc == -EPROTO)
		return bx_fail(b, rc,
			       "the backend answered with a status "
			       "that blkif does not define");
	if (rc < 0)
		return bx_fail(b, 0,
			       write ? "the backend failed a write"
				     : "the backend failed a read");
	if (!write)
		iov_copy(c, b->pool, len, true);
	return 0;
}

static int64_t bx_span(const struct bxen *b, uint64_t sector,
		       const struct iovec *iov, int iovcnt)
{
	const struct devmgr_blk_rules rules = {
		.sector_size = b->sector_size,
		.sectors = b->sectors,
	};
	uint64_t count;
	int rc = devmgr_blk_xfer_check(&rules, sector, iov, iovcnt, &count,
				       NULL, 0);

	return rc < 0 ? rc : (int64_t)(count * b->sector_size);
}

static int bx_rw(struct bxen *b, bool write, uint64_t sector,
		 const struct iovec *iov, int iovcnt)
{
	int64_t total = bx_span(b, sector, iov, iovcnt);
	struct iov_cursor c = { .iov = iov };
	uint64_t s512 = sector << b->shift;
	const size_t chunk = (size_t)BF_POOL_PAGES * BF_PAGE;

	if (total < 0)
		return (int)total;
	if (b->gone)
		return -EIO;
	while (total > 0) {
		size_t len = (size_t)total < chunk ? (size_t)total : chunk;
		int rc = bx_chunk(b, write, s512, len, &c);

		if (rc < 0)
			return rc;
		s512 += len / BF_SECT;
		total -= (int64_t)len;
	}
	return 0;
}

static int bx_readv(struct devmgr_blk *h, uint64_t sector,
		    const struct iovec *iov, int iovcnt)
{
	return bx_rw(h->priv, false, sector, iov, iovcnt);
}

static int bx_writev(struct devmgr_blk *h, uint64_t sector,
		     const struct iovec *iov, int iovcnt)
{
	struct bxen *b = h->priv;

	if (b->read_only)
		return -EROFS;
	return bx_rw(b, true, sector, iov, iovcnt);
}

/* A request that carries no data: a cache flush, a barrier or a discard. */
static int bx_simple(struct bxen *b, uint8_t op, uint64_t sect512,
		     uint64_t nsect512)
{
	blkif_request_t *r = RING_GET_REQUEST(&b->ring, b->ring.req_prod_pvt);
	int rc;

	if (b->gone)
		return -EIO;
	b->ring.req_prod_pvt++;
	memset(r, 0, sizeof(*r));
	bf_ids_init(&b->ids, BF_RING_SLOTS);
	b->status[0] = 0;
	if (op == BLKIF_OP_DISCARD) {
		blkif_request_discard_t *d = (blkif_request_discard_t *)r;

		d->operation = op;
		d->id = (uint64_t)bf_ids_get(&b->ids);
		d->sector_number = sect512;
		d->nr_sectors = nsect512;
	} else {
		r->operation = op;
		r->id = (uint64_t)bf_ids_get(&b->ids);
	}
	bx_push(b);
	rc = bx_complete(b);
	if (rc == 0)
		rc = b->status[0];
	if (rc == -EOPNOTSUPP)
		return rc;
	if (rc == -EPROTO)
		return bx_fail(b, rc,
			       "the backend answered with a status "
			       "that blkif does not define");
	if (rc < 0)
		return bx_fail(b, 0,
			       op == BLKIF_OP_DISCARD
				       ? "the backend failed a discard"
				       : "the backend failed a flush");
	return 0;
}

/* Without a flush or barrier the backend promises nothing to flush: its
 * writes are complete when answered. */
static int bx_flush(struct devmgr_blk *h)
{
	struct bxen *b = h->priv;

	if (b->flush_cache)
		return bx_simple(b, BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	if (b->barrier)
		return bx_simple(b, BLKIF_OP_WRITE_BARRIER, 0, 0);
	return b->gone ? -EIO : 0;
}

static int bx_discard(struct devmgr_blk *h, uint64_t sector, uint64_t count)
{
	struct bxen *b = h->priv;

	if (b->read_only)
		return -EROFS;
	if (count == 0)
		return -EINVAL;
	if (devmgr_blk_range_check(sector, count, b->sectors, NULL, 0) < 0)
		return -ERANGE;
	return bx_simple(b, BLKIF_OP_DISCARD, sector << b->shift,
			 count << b->shift);
}

static int bx_info(struct devmgr_blk *h, struct devmgr_blk_info *out)
{
	const struct bxen *b = h->priv;

	out->sector_size = b->sector_size;
	out->transfer_size = BF_SEGS * BF_PAGE;
	out->sectors = b->sectors;
	out->read_only = b->read_only;
	return 0;
}

static const struct devmgr_blk_ops bx_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = bx_info,
	.readv = bx_readv,
	.writev = bx_writev,
	.flush = bx_flush,
	.discard = bx_discard,
};

/* The same without discard, for a backend that does not offer it. */
static const struct devmgr_blk_ops bx_ops_nodiscard = {
	.minor = DEVMGR_BLK_MINOR,
	.info = bx_info,
	.readv = bx_readv,
	.writev = bx_writev,
	.flush = bx_flush,
};

static const struct devmgr_param bx_params[] = {
	{ "devid", DEVMGR_PARAM_INT, DEVMGR_PARAM_REQUIRED, NULL,
	  "the vbd's directory under device/vbd (its virtual-device number: "
	  "51712 is xvda, 51728 xvdb)",
	  0, 0x7fffffff },
	{ "domain_path", DEVMGR_PARAM_STRING, 0, NULL,
	  "this domain's xenstore home (default: found from domid, as a "
	  "guest does)",
	  0, 0 },
	{ "timeout_ms", DEVMGR_PARAM_INT, 0, "10000",
	  "how long the backend may take to wait for the frontend and then "
	  "to connect; past it, creation fails naming the device",
	  1, 600000 },
	{ "io_timeout_ms", DEVMGR_PARAM_INT, 0, "30000",
	  "how long a request may stay unanswered before the device fails "
	  "with EIO",
	  1, 600000 },
	{ NULL },
};

static int bx_home(struct bxen *b, struct devmgr_device *dev,
		   struct devmgr_error *err)
{
	const char *dp = devmgr_param_str(dev, "domain_path");
	int64_t devid = devmgr_param_int(dev, "devid");
	char *home = NULL, *domid;
	unsigned len;
	uint64_t id;

	if (dp && *dp) {
		home = strdup(dp);
	} else {
		domid = xs_read(b->xs, XBT_NULL, "domid", &len);
		if (domid && bf_uint(domid, 0x7fef, &id) == 0)
			home = xs_get_domain_path(b->xs, (unsigned)id);
		free(domid);
		if (!home)
			return devmgr_error_set(err, -ENOENT,
						"xenstore: this domain's id "
						"(domid) cannot be read");
	}
	if (!home)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	if (snprintf(b->fpath, sizeof(b->fpath), "%s/device/vbd/%" PRId64, home,
		     devid) >= (int)sizeof(b->fpath)) {
		free(home);
		return devmgr_error_set(err, -ENAMETOOLONG,
					"domain_path is too long");
	}
	free(home);
	return 0;
}

static void bx_release(struct bxen *b)
{
	/* A child that cannot open xenstore leaves it all to its parent. */
	if (bx_xs_own(b) < 0)
		return;
	if (b->token[0])
		bx_close(b);
	bx_unshare(b);
	xs_close(b->xs);
}

static int bx_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct bxen *b = devmgr_device_priv(dev);
	int rc;

	b->ctx = devmgr_device_ctx(dev);
	b->connect_ms = (int)devmgr_param_int(dev, "timeout_ms");
	b->io_ms = (int)devmgr_param_int(dev, "io_timeout_ms");
	b->xs = xs_open(0);
	b->xs_pid = getpid();
	if (!b->xs)
		return devmgr_error_set(err, -errno, "xenstore: %s",
					strerror(errno));
	rc = bx_home(b, dev, err);
	if (rc == 0)
		rc = bx_connect(b, err);
	if (rc == 0 && !b->discard)
		rc = devmgr_device_set_handle_ops(dev, &bx_ops_nodiscard);
	if (rc < 0)
		bx_release(b);
	return rc;
}

static void bx_destroy(struct devmgr_device *dev)
{
	bx_release(devmgr_device_priv(dev));
}

static const struct devmgr_provider bx_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "blk-xen",
	.help = "Xen virtual block device (vbd), devmgr's own blkif frontend",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &bx_ops,
	.params = bx_params,
	.xen_class = "vbd",
	.xen_flags = DEVMGR_XEN_FRONTEND,
	.priv_size = sizeof(struct bxen),
	.create = bx_create,
	.destroy = bx_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&bx_provider,
	NULL,
};

DEVMGR_PLUGIN("blk-xen", "0.1.0", providers, NULL);
