/* xs_source.c: the xenstore configuration source.  Connects with
 * libxenstore, keeps a cache of every device's frontend and backend keys
 * under <domain path>/device/<class>/<devid>, and keeps it current from
 * watches: one on the device directory, one per (backend domain, class)
 * on the backends.  Every event only marks work (a device, or one key of
 * it, is dirty; or everything is); work is done once per drained batch,
 * so coalesced, spurious and out-of-order events are all the same thing,
 * and pending work is bounded by the device table (XS_MAX_DEVICES).  The
 * devices that are up become the xenstore set of specifications, which
 * the plan (plan.c) merges with the file's; a change is reported to the
 * run policy (run.c), which plans and applies it (apply.c) as it does a
 * re-read configuration file.  A lost connection is
 * reopened with backoff and followed by a full resync.  devmgr writes
 * nothing to xenstore. */
#include "xs_map.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define XS_MAX_DEVICES	      4096 /* devices in the table, over all classes */
#define XS_MAX_CLASSES	      32
#define XS_MAX_DIRTY_KEYS     8 /* per device and side; more: re-read all */
#define XS_TICK_MS	      200
#define XS_BACKOFF_MIN_MS     50
#define XS_BACKOFF_MAX_MS     2000
#define XS_DEFAULT_TIMEOUT_MS 10000

struct xs_dev {
	char *cls, *devid, *id; /* id: "<class>-<devid>", or NULL if invalid */
	char fpath[XS_MAX_PATH], bpath[XS_MAX_PATH];
	json_t *front, *back;  /* key -> string (null: refused value) */
	json_t *fkeys, *bkeys; /* dirty keys, as sets */
	bool full, back_full, in_dirty, gone;
	unsigned long bid;
	bool bwatched;
	enum xs_verdict verdict;
	json_t *spec;	  /* when up */
	char *last_error; /* the error reported last, so it is reported once */
	struct timespec since; /* incomplete since (tv_sec 0: not) */
	bool incomplete_reported;
};

struct xs_bwatch {
	char cls[32];
	unsigned long bid;
	size_t refs;
};

struct devmgr__xs {
	struct devmgr_ctx *ctx;
	devmgr__xs_news_fn news;
	struct xs_handle *h;
	struct devmgr_watch *fdw, *tickw;
	int tfd;
	char dom[XS_MAX_PATH], devdir[XS_MAX_PATH];
	unsigned domid;
	bool self; /* the domain was found from "domid": follow it */
	long timeout_ms;
	const char *classes[XS_MAX_CLASSES];
	size_t nclasses;
	struct xs_dev **devs;
	size_t ndevs;
	struct xs_dev **dirty;
	size_t ndirty;
	struct xs_bwatch *bw;
	size_t nbw;
	bool resync, lost, full_reported;
	long backoff_ms;
	struct timespec retry_at;
};

/* ---- small helpers ------------------------------------------------------ */

/* snprintf for paths and messages: a value too long for its buffer is
 * cut, and the cut path names no node of the device. */
static void fmt(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* One error event (and a warning in the log), naming the path. */
static void error_event(struct devmgr__xs *xs, const char *id,
			const char *where, const char *text)
{
	devmgr_log(xs->ctx, DEVMGR_LOG_WARN, "xenstore: %s", text);
	json_t *ev = json_pack("{s:s}", "event", "error");
	if (ev && id)
		json_object_set_new(ev, "id", json_string(id));
	if (ev) {
		json_object_set_new(ev, "error", json_string(text));
		if (where && where[0] == '/')
			json_object_set_new(ev, "source", json_string(where));
	}
	devmgr__event(xs->ctx, ev);
}

static json_t *xs_map_cfg(struct devmgr_ctx *ctx)
{
	json_t *m = json_object_get(ctx->cfg->xs, "map");
	return json_is_object(m) ? m : NULL;
}

/* A connection failure (as opposed to an answer about a node). */
static bool conn_errno(int e)
{
	return e != ENOENT && e != EACCES && e != EPERM && e != EINVAL &&
	       e != E2BIG && e != ENOSPC && e != EEXIST;
}

/* A value as devmgr keeps it: a string, or null when it is not printable
 * UTF-8 text of at most XS_MAX_VALUE bytes. */
static json_t *value_json(const char *s, unsigned len)
{
	if (len > XS_MAX_VALUE)
		return json_null();
	for (unsigned i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return json_null();
	json_t *j = json_stringn(s, len);
	return j ? j : json_null();
}

/* Read path: 1 with *out set, 0 absent, -1 connection lost. */
static int read_value(struct devmgr__xs *xs, const char *path, json_t **out)
{
	unsigned len;
	char *s = xs_read(xs->h, XBT_NULL, path, &len);
	if (!s) {
		if (conn_errno(errno)) {
			xs->lost = true;
			return -1;
		}
		return 0;
	}
	*out = value_json(s, len);
	free(s);
	return 1;
}

/* Read a directory's keys: 1 with *out (new), 0 absent, -1 lost, -2 too
 * many keys. */
static int read_tree(struct devmgr__xs *xs, const char *path, json_t **out)
{
	unsigned n;
	char **names = xs_directory(xs->h, XBT_NULL, path, &n);
	if (!names) {
		if (conn_errno(errno)) {
			xs->lost = true;
			return -1;
		}
		return 0;
	}
	if (n > XS_MAX_KEYS) {
		free(names);
		return -2;
	}
	json_t *t = json_object();
	int r = t ? 1 : -1;
	for (unsigned i = 0; i < n && r == 1; i++) {
		char p[XS_MAX_PATH + 64];
		json_t *v = NULL;
		if (strlen(names[i]) > 64)
			continue;
		fmt(p, sizeof(p), "%s/%s", path, names[i]);
		int q = read_value(xs, p, &v);
		if (q < 0)
			r = -1;
		else if (q > 0)
			json_object_set_new(t, names[i], v);
	}
	free(names);
	if (r < 0)
		json_decref(t);
	else
		*out = t;
	return r;
}

/* ---- the device table --------------------------------------------------- */

static struct xs_dev *dev_find(struct devmgr__xs *xs, const char *cls,
			       const char *devid)
{
	for (size_t i = 0; i < xs->ndevs; i++)
		if (strcmp(xs->devs[i]->cls, cls) == 0 &&
		    strcmp(xs->devs[i]->devid, devid) == 0)
			return xs->devs[i];
	return NULL;
}

static void mark(struct devmgr__xs *xs, struct xs_dev *d)
{
	if (!d->in_dirty) {
		d->in_dirty = true;
		xs->dirty[xs->ndirty++] = d;
	}
}

static struct xs_dev *dev_add(struct devmgr__xs *xs, const char *cls,
			      const char *devid)
{
	struct xs_dev *d = dev_find(xs, cls, devid);
	if (d)
		return d;
	if (xs->ndevs >= XS_MAX_DEVICES || strlen(devid) > 32) {
		if (!xs->full_reported) {
			char where[XS_MAX_PATH], text[400];
			fmt(where, sizeof(where), "%s/%s", xs->devdir, cls);
			fmt(text, sizeof(text),
			    "%s: more than %d devices, or a device id longer "
			    "than 32 bytes; ignoring the rest",
			    where, XS_MAX_DEVICES);
			error_event(xs, NULL, where, text);
			xs->full_reported = true;
		}
		return NULL;
	}
	d = devmgr__calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cls = devmgr__strdup(cls);
	d->devid = devmgr__strdup(devid);
	d->id = devmgr__asprintf("%s-%s", cls, devid);
	d->fkeys = json_object();
	d->bkeys = json_object();
	if (!d->cls || !d->devid || !d->id || !d->fkeys || !d->bkeys) {
		devmgr__free(d->cls);
		devmgr__free(d->devid);
		devmgr__free(d->id);
		json_decref(d->fkeys);
		json_decref(d->bkeys);
		devmgr__free(d);
		return NULL;
	}
	if (!devmgr__id_valid(d->id)) {
		devmgr__free(d->id);
		d->id = NULL;
	}
	fmt(d->fpath, sizeof(d->fpath), "%s/%s/%s", xs->devdir, cls, devid);
	d->full = true;
	xs->devs[xs->ndevs++] = d;
	mark(xs, d);
	return d;
}

static void bwatch_put(struct devmgr__xs *xs, struct xs_dev *d)
{
	if (!d->bwatched)
		return;
	d->bwatched = false;
	for (size_t i = 0; i < xs->nbw; i++) {
		struct xs_bwatch *b = &xs->bw[i];
		if (b->bid != d->bid || strcmp(b->cls, d->cls) != 0)
			continue;
		if (--b->refs == 0) {
			char path[XS_MAX_PATH], token[64];
			fmt(path, sizeof(path),
			    "/local/domain/%lu/backend/%s/%u", b->bid, b->cls,
			    xs->domid);
			fmt(token, sizeof(token), "b:%s:%lu", b->cls, b->bid);
			if (xs->h)
				xs_unwatch(xs->h, path, token);
			xs->bw[i] = xs->bw[--xs->nbw];
		}
		return;
	}
}

static void bwatch_get(struct devmgr__xs *xs, struct xs_dev *d,
		       unsigned long bid)
{
	if (d->bwatched && d->bid == bid)
		return;
	bwatch_put(xs, d);
	for (size_t i = 0; i < xs->nbw; i++)
		if (xs->bw[i].bid == bid &&
		    strcmp(xs->bw[i].cls, d->cls) == 0) {
			xs->bw[i].refs++;
			d->bid = bid;
			d->bwatched = true;
			return;
		}
	if (xs->nbw >= XS_MAX_CLASSES * 4 || strlen(d->cls) >= 32)
		return; /* the device still works; its backend is re-read on
			   frontend events and resyncs */
	char path[XS_MAX_PATH], token[64];
	fmt(path, sizeof(path), "/local/domain/%lu/backend/%s/%u", bid, d->cls,
	    xs->domid);
	fmt(token, sizeof(token), "b:%s:%lu", d->cls, bid);
	if (!xs_watch(xs->h, path, token)) {
		if (conn_errno(errno))
			xs->lost = true;
		return;
	}
	struct xs_bwatch *b = &xs->bw[xs->nbw++];
	fmt(b->cls, sizeof(b->cls), "%s", d->cls);
	b->bid = bid;
	b->refs = 1;
	d->bid = bid;
	d->bwatched = true;
}

/* The reason a device that was up goes down, for the unplug event. */
static const char *down_reason(const struct xs_dev *d)
{
	if (d->gone)
		return "removed";
	switch (d->verdict) {
	case XS_CLOSED:
		return "closed";
	case XS_BAD:
		return "error";
	case XS_INCOMPLETE:
		return "incomplete";
	case XS_WAITING:
		return "disconnected";
	default:
		return "changed";
	}
}

/* ---- reading one device ------------------------------------------------ */

/* Refresh the dirty keys of one side; false when that side must be read
 * whole instead. */
static bool refresh_keys(struct devmgr__xs *xs, json_t *tree, json_t *keys,
			 const char *base)
{
	const char *k;
	json_t *unused;
	if (!tree || json_object_size(keys) > XS_MAX_DIRTY_KEYS)
		return false;
	json_object_foreach (keys, k, unused) {
		char p[XS_MAX_PATH + 64];
		json_t *v = NULL;
		fmt(p, sizeof(p), "%s/%s", base, k);
		int r = read_value(xs, p, &v);
		if (r < 0)
			return true;
		if (r == 0)
			json_object_del(tree, k);
		else if (json_object_size(tree) >= XS_MAX_KEYS &&
			 !json_object_get(tree, k))
			json_decref(v), v = NULL;
		if (v)
			json_object_set_new(tree, k, v);
		if (strcmp(k, "backend") == 0 || strcmp(k, "backend-id") == 0)
			return false;
	}
	return true;
}

/* Read what is dirty in d and judge it.  Returns false when the
 * connection was lost (nothing judged). */
static bool read_device(struct devmgr__xs *xs, struct xs_dev *d,
			struct xs_result *res)
{
	struct xs_view v = {
		d->cls, d->devid, d->fpath, xs->domid, NULL, NULL
	};
	if (d->full || !refresh_keys(xs, d->front, d->fkeys, d->fpath)) {
		json_t *t = NULL;
		int r = read_tree(xs, d->fpath, &t);
		if (r == -1)
			return false;
		json_decref(d->front);
		d->front = r == 1 ? t : NULL;
		d->back_full = true;
		if (r == -2) {
			memset(res, 0, sizeof(*res));
			res->verdict = XS_BAD;
			fmt(res->where, sizeof(res->where), "%s", d->fpath);
			fmt(res->text, sizeof(res->text),
			    "%s: more than %d keys", d->fpath, XS_MAX_KEYS);
			return true;
		}
	}
	if (xs->lost)
		return false;
	json_object_clear(d->fkeys);
	d->full = false;
	if (!d->front) {
		d->gone = true;
		return true;
	}
	/* The frontend alone says where the backend is. */
	v.front = d->front;
	devmgr__xs_evaluate(xs->ctx, NULL, &v, res);
	if (!res->bpath[0]) {
		bwatch_put(xs, d);
		return true;
	}
	unsigned long bid = 0;
	devmgr__xs_domid(
		json_string_value(json_object_get(d->front, "backend-id")),
		&bid);
	if (strcmp(res->bpath, d->bpath) != 0) {
		fmt(d->bpath, sizeof(d->bpath), "%s", res->bpath);
		d->back_full = true;
	}
	bwatch_get(xs, d, bid);
	if (d->back_full || !refresh_keys(xs, d->back, d->bkeys, d->bpath)) {
		json_t *t = NULL;
		int r = read_tree(xs, d->bpath, &t);
		if (r == -1)
			return false;
		json_decref(d->back);
		d->back = r == 1 ? t : NULL;
		if (r == -2) {
			res->verdict = XS_BAD;
			fmt(res->where, sizeof(res->where), "%s", d->bpath);
			fmt(res->text, sizeof(res->text),
			    "%s: more than %d keys", d->bpath, XS_MAX_KEYS);
			return true;
		}
	}
	if (xs->lost)
		return false;
	json_object_clear(d->bkeys);
	d->back_full = false;
	v.back = d->back;
	json_decref(res->spec);
	devmgr__xs_evaluate(xs->ctx, xs_map_cfg(xs->ctx), &v, res);
	return true;
}

/* Record the judgement; true when the set of specifications changed. */
static bool judge(struct devmgr__xs *xs, struct xs_dev *d,
		  struct xs_result *res)
{
	json_t *spec = d->gone ? NULL : res->spec;
	enum xs_verdict old = d->verdict;
	d->verdict = d->gone ? XS_WAITING : res->verdict;
	if (d->verdict == XS_BAD && !d->gone) {
		if (!d->last_error || strcmp(d->last_error, res->text) != 0) {
			error_event(xs, d->id, res->where, res->text);
			devmgr__free(d->last_error);
			d->last_error = devmgr__strdup(res->text);
		}
	} else {
		devmgr__free(d->last_error);
		d->last_error = NULL;
	}
	if (d->verdict == XS_INCOMPLETE && !d->gone) {
		if (old != XS_INCOMPLETE || !d->since.tv_sec)
			clock_gettime(CLOCK_MONOTONIC, &d->since);
	} else {
		d->since.tv_sec = 0;
		d->incomplete_reported = false;
	}
	bool changed = !(spec == d->spec ||
			 (spec && d->spec && json_equal(spec, d->spec)));
	if (!d->id && spec) /* an id that cannot name a device: said as BAD */
		spec = NULL, changed = d->spec != NULL;
	json_decref(d->spec);
	d->spec = json_incref(spec);
	return changed;
}

static void dev_free(struct devmgr__xs *xs, struct xs_dev *d)
{
	bwatch_put(xs, d);
	json_decref(d->front);
	json_decref(d->back);
	json_decref(d->fkeys);
	json_decref(d->bkeys);
	json_decref(d->spec);
	devmgr__free(d->last_error);
	devmgr__free(d->cls);
	devmgr__free(d->devid);
	devmgr__free(d->id);
	devmgr__free(d);
}

/* ---- applying ------------------------------------------------------------ */

/* Publish the specifications of the devices that are up as the xenstore
 * set, checked against their providers, and tell the run policy.  A
 * specification its provider refuses leaves the set as it was. */
static void publish(struct devmgr__xs *xs, json_t *reasons)
{
	struct devmgr_ctx *ctx = xs->ctx;
	struct devmgr__specs set = { 0 };
	for (size_t i = 0; i < xs->ndevs; i++) {
		struct xs_dev *d = xs->devs[i];
		if (!d->spec || !d->id)
			continue;
		if (devmgr__map_get(&ctx->cfg->devs.index, d->id)) {
			char text[400];
			fmt(text, sizeof(text),
			    "%s: device id %s is taken by the configuration "
			    "file",
			    d->fpath, d->id);
			if (!d->last_error ||
			    strcmp(d->last_error, text) != 0) {
				error_event(xs, d->id, d->fpath, text);
				devmgr__free(d->last_error);
				d->last_error = devmgr__strdup(text);
			}
			continue;
		}
		struct devmgr__spec *spec;
		struct devmgr_error e;
		char line[1200];
		int r = devmgr__spec_from_json(ctx, ctx->cfg, d->id, d->spec,
					       d->fpath, &spec, &e);
		if (r == 0 && devmgr__specs_add(&set, spec) < 0)
			r = devmgr_error_set(&e, -ENOMEM, "out of memory");
		if (r < 0) {
			devmgr_log(ctx, DEVMGR_LOG_ERROR, "xenstore: %s",
				   devmgr_error_format(&e, line, sizeof(line)));
			devmgr__specs_free(&set);
			return;
		}
	}
	devmgr__specs_free(&ctx->xs_set);
	ctx->xs_set = set;
	xs->news(ctx, DEVMGR__XS_CHANGED, reasons);
}

/* ---- the domain ------------------------------------------------------- */

/* This domain's id as the store says it now: "domid" is a relative path,
 * so it is read under the home of whoever asks.  1 with *id, 0 absent or
 * not an id, -1 connection lost. */
static int own_domid(struct devmgr__xs *xs, unsigned long *id)
{
	json_t *v = NULL;
	int r = read_value(xs, "domid", &v);
	if (r > 0 && (!json_is_string(v) ||
		      devmgr__xs_domid(json_string_value(v), id) < 0))
		r = 0;
	json_decref(v);
	return r;
}

/* The domain's paths, and those of the devices already known (a moved
 * domain keeps its devices' classes and ids). */
static void set_domain(struct devmgr__xs *xs, unsigned id)
{
	xs->domid = id;
	fmt(xs->dom, sizeof(xs->dom), "/local/domain/%u", id);
	fmt(xs->devdir, sizeof(xs->devdir), "/local/domain/%u/device", id);
	for (size_t i = 0; i < xs->ndevs; i++) {
		struct xs_dev *d = xs->devs[i];
		fmt(d->fpath, sizeof(d->fpath), "%s/%s/%s", xs->devdir, d->cls,
		    d->devid);
	}
}

/* A guest that is restored or migrated comes back as another domain,
 * and its kernel re-registers the old absolute watches, which now name
 * a home that is gone: read there, every device would look removed.  So
 * a domain that devmgr found itself asks for its id before it trusts a
 * resync, and on every tick; when the id changed, the source follows
 * the new home: the connection (with its watches) is dropped, and the
 * reconnect watches the new paths and resyncs, so that devices whose
 * specification did not change are kept. */
static bool domain_moved(struct devmgr__xs *xs)
{
	unsigned long id;
	if (!xs->self || own_domid(xs, &id) <= 0 || id == xs->domid)
		return false;
	devmgr_log(xs->ctx, DEVMGR_LOG_WARN,
		   "xenstore: this domain is now %lu (was %u: restored or "
		   "migrated); following it",
		   id, xs->domid);
	set_domain(xs, (unsigned)id);
	xs->lost = true;
	return true;
}

/* Work through the dirty devices; then publish if anything changed. */
static void process(struct devmgr__xs *xs)
{
	bool changed = false;
	json_t *reasons = json_object();
	for (size_t i = 0; i < xs->ndirty && !xs->lost; i++) {
		struct xs_dev *d = xs->dirty[i];
		struct xs_result res;
		memset(&res, 0, sizeof(res));
		if (!d->gone && !read_device(xs, d, &res)) {
			json_decref(res.spec);
			break;
		}
		bool was_up = d->spec != NULL;
		if (judge(xs, d, &res)) {
			changed = true;
			if (was_up && d->id && reasons)
				json_object_set_new(
					reasons, d->id,
					json_string(down_reason(d)));
		}
		json_decref(res.spec);
	}
	/* A device that changed may only look gone because the domain
	 * moved (domain_moved() says why): nothing is published then. */
	if (changed && !xs->lost)
		domain_moved(xs);
	if (xs->lost) {
		json_decref(reasons);
		return; /* dirty marks stay; the resync after reconnecting
			   re-reads everything */
	}
	for (size_t i = 0; i < xs->ndirty; i++)
		xs->dirty[i]->in_dirty = false;
	xs->ndirty = 0;
	/* Drop the devices that went away (after publishing, so that their
	 * unplug reason is still known). */
	if (changed)
		publish(xs, reasons);
	json_decref(reasons);
	size_t keep = 0;
	for (size_t i = 0; i < xs->ndevs; i++) {
		if (xs->devs[i]->gone)
			dev_free(xs, xs->devs[i]);
		else
			xs->devs[keep++] = xs->devs[i];
	}
	xs->ndevs = keep;
	if (keep < XS_MAX_DEVICES / 2)
		xs->full_reported = false; /* a later flood is news again */
}

/* ---- classes and resync -------------------------------------------------- */

static bool class_wanted(struct devmgr__xs *xs, const char *cls)
{
	for (size_t i = 0; i < xs->nclasses; i++)
		if (strcmp(xs->classes[i], cls) == 0)
			return true;
	return false;
}

static void add_class(struct devmgr__xs *xs, const char *cls)
{
	if (cls && !class_wanted(xs, cls) && xs->nclasses < XS_MAX_CLASSES)
		xs->classes[xs->nclasses++] = cls;
}

/* vbd, vif, console, every class a provider declares, every class mapped.
 * The names are borrowed from providers and the plan's root, which live
 * as long as the source (the map is read again on each resync). */
static void find_classes(struct devmgr__xs *xs)
{
	struct devmgr_ctx *ctx = xs->ctx;
	xs->nclasses = 0;
	add_class(xs, "vbd");
	add_class(xs, "vif");
	add_class(xs, "console");
	for (size_t i = 0; i < ctx->nprovs; i++)
		if (!DEVMGR__GONE(ctx->provs[i]))
			add_class(xs, ctx->provs[i]->p->xen_class);
	const char *cls;
	json_t *m;
	json_object_foreach (xs_map_cfg(ctx), cls, m)
		add_class(xs, cls);
}

/* Every device of every class, listed again: new ones join, missing ones
 * go, all are read whole. */
static void resync(struct devmgr__xs *xs)
{
	if (domain_moved(xs) || xs->lost)
		return;
	find_classes(xs);
	for (size_t i = 0; i < xs->ndevs; i++) {
		xs->devs[i]->gone = true;
		xs->devs[i]->full = true;
	}
	for (size_t c = 0; c < xs->nclasses && !xs->lost; c++) {
		char path[XS_MAX_PATH];
		unsigned n;
		fmt(path, sizeof(path), "%s/%s", xs->devdir, xs->classes[c]);
		char **ids = xs_directory(xs->h, XBT_NULL, path, &n);
		if (!ids) {
			if (conn_errno(errno))
				xs->lost = true;
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			struct xs_dev *d = dev_add(xs, xs->classes[c], ids[i]);
			if (d)
				d->gone = false;
		}
		free(ids);
	}
	if (xs->lost)
		return;
	for (size_t i = 0; i < xs->ndevs; i++)
		mark(xs, xs->devs[i]);
	xs->resync = false;
	process(xs);
}

/* ---- events -------------------------------------------------------------- */

/* "a/b/c" after prefix: the first component into buf; returns the rest
 * ("" when none) or NULL when path is not under prefix. */
static const char *component(const char *path, const char *prefix, char *buf,
			     size_t size)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0 || (n && path[n] && path[n] != '/'))
		return NULL;
	path += n;
	if (*path == '/')
		path++;
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path);
	if (len >= size)
		return NULL;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return slash ? slash + 1 : path + len;
}

static void dirty_key(struct devmgr__xs *xs, struct xs_dev *d, json_t *set,
		      const char *rest)
{
	char k[65];
	const char *more = component(rest, "", k, sizeof(k));
	if (!k[0] || !more)
		d->full = true;
	else if (json_object_size(set) <= XS_MAX_DIRTY_KEYS)
		json_object_set_new(set, k, json_true());
	mark(xs, d);
}

static void frontend_event(struct devmgr__xs *xs, const char *path)
{
	char cls[33], devid[40];
	const char *rest = component(path, xs->devdir, cls, sizeof(cls));
	if (!rest || !cls[0]) {
		xs->resync = true; /* the device directory itself */
		return;
	}
	if (!class_wanted(xs, cls))
		return;
	rest = component(rest, "", devid, sizeof(devid));
	if (!rest || !devid[0]) {
		xs->resync = true; /* a class directory */
		return;
	}
	struct xs_dev *d = dev_add(xs, cls, devid);
	if (d)
		dirty_key(xs, d, d->fkeys, rest);
}

static void backend_event(struct devmgr__xs *xs, const char *path,
			  const char *token)
{
	char cls[33], devid[40], prefix[XS_MAX_PATH];
	unsigned long bid;
	const char *colon = strrchr(token, ':');
	if (!colon || (size_t)(colon - token - 2) >= sizeof(cls) ||
	    devmgr__xs_domid(colon + 1, &bid) < 0)
		return;
	memcpy(cls, token + 2, (size_t)(colon - token - 2));
	cls[colon - token - 2] = '\0';
	fmt(prefix, sizeof(prefix), "/local/domain/%lu/backend/%s/%u", bid, cls,
	    xs->domid);
	const char *rest = component(path, prefix, devid, sizeof(devid));
	if (!rest)
		return;
	for (size_t i = 0; i < xs->ndevs; i++) {
		struct xs_dev *d = xs->devs[i];
		if (!d->bwatched || d->bid != bid || strcmp(d->cls, cls) != 0)
			continue;
		if (!devid[0]) {
			d->back_full = true;
			mark(xs, d);
		} else if (strcmp(d->devid, devid) == 0) {
			if (!*rest)
				d->back_full = true;
			dirty_key(xs, d, d->bkeys, rest);
		}
	}
}

static void lose(struct devmgr__xs *xs);

static void on_watch(void *arg, int fd, unsigned events)
{
	struct devmgr__xs *xs = arg;
	(void)fd;
	(void)events;
	char **vec;
	while (xs->h && (vec = xs_check_watch(xs->h))) {
		const char *path = vec[XS_WATCH_PATH];
		const char *token = vec[XS_WATCH_TOKEN];
		if (strcmp(token, "f") == 0)
			frontend_event(xs, path);
		else if (strncmp(token, "b:", 2) == 0)
			backend_event(xs, path, token);
		free(vec);
	}
	if (xs->h && errno != EAGAIN)
		xs->lost = true;
	if (!xs->lost) {
		if (xs->resync)
			resync(xs);
		else if (xs->ndirty)
			process(xs);
	}
	if (xs->lost)
		lose(xs);
}

/* ---- connection ---------------------------------------------------------- */

/* libxenstore starts a reader thread for watches: it must not take the
 * process's signals (devmgr reads them from a signalfd on this thread). */
static struct xs_handle *open_blocked(void)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* Not XS_UNWATCH_FILTER: its filter leaks the bodies of the events
	 * it drops (libxenstore 4.17), and a stale event only marks work. */
	struct xs_handle *h = xs_open(0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return h;
}

static bool watch_blocked(struct xs_handle *h, const char *path,
			  const char *token)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	bool ok = xs_watch(h, path, token);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

static int connect_store(struct devmgr__xs *xs)
{
	xs->h = open_blocked();
	if (!xs->h)
		return -errno ? -errno : -ECONNREFUSED;
	int fd = xs_fileno(xs->h);
	if (fd < 0 || !watch_blocked(xs->h, xs->devdir, "f")) {
		int e = errno ? errno : EIO;
		xs_close(xs->h);
		xs->h = NULL;
		return -e;
	}
	xs->fdw = devmgr_watch_fd(xs->ctx, fd, DEVMGR_EV_READ, on_watch, xs);
	if (!xs->fdw) {
		xs_close(xs->h);
		xs->h = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < xs->ndevs; i++)
		xs->devs[i]->bwatched = false;
	xs->nbw = 0;
	xs->lost = false;
	xs->resync = true;
	return 0;
}

static void lose(struct devmgr__xs *xs)
{
	if (!xs->h)
		return;
	devmgr_log(xs->ctx, DEVMGR_LOG_WARN,
		   "xenstore: connection lost; reconnecting");
	devmgr_watch_cancel(xs->fdw);
	xs->fdw = NULL;
	xs_close(xs->h);
	xs->h = NULL;
	xs->backoff_ms = XS_BACKOFF_MIN_MS;
	clock_gettime(CLOCK_MONOTONIC, &xs->retry_at);
}

/* Devices that stayed incomplete too long: one error each. */
static void check_timeouts(struct devmgr__xs *xs)
{
	for (size_t i = 0; i < xs->ndevs; i++) {
		struct xs_dev *d = xs->devs[i];
		if (d->verdict != XS_INCOMPLETE || !d->since.tv_sec ||
		    d->incomplete_reported ||
		    ms_since(&d->since) < xs->timeout_ms)
			continue;
		struct xs_result res;
		struct xs_view v = { d->cls,	d->devid, d->fpath,
				     xs->domid, d->front, d->back };
		devmgr__xs_evaluate(xs->ctx, xs_map_cfg(xs->ctx), &v, &res);
		json_decref(res.spec);
		char text[700];
		fmt(text, sizeof(text), "%s (incomplete for %ld ms)",
		    res.text[0] ? res.text : d->fpath, xs->timeout_ms);
		error_event(xs, d->id, res.where[0] ? res.where : d->fpath,
			    text);
		d->incomplete_reported = true;
	}
}

/* A cheap request, to notice a daemon that went away (libxenstore's
 * reader thread does not wake the watch fd when it does). */
static void health(struct devmgr__xs *xs)
{
	if (domain_moved(xs) || xs->self)
		return; /* domain_moved() asked the store already */
	unsigned len;
	char *s = xs_read(xs->h, XBT_NULL, xs->devdir, &len);
	if (!s && conn_errno(errno))
		xs->lost = true;
	free(s);
}

static void on_tick(void *arg, int fd, unsigned events)
{
	struct devmgr__xs *xs = arg;
	uint64_t n;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0)
		return;
	if (xs->h) {
		health(xs);
		if (xs->lost) {
			lose(xs);
			return;
		}
		check_timeouts(xs);
		xs->news(xs->ctx, DEVMGR__XS_TICK, NULL);
		return;
	}
	if (ms_since(&xs->retry_at) < xs->backoff_ms)
		return;
	if (connect_store(xs) < 0) {
		clock_gettime(CLOCK_MONOTONIC, &xs->retry_at);
		xs->backoff_ms = xs->backoff_ms * 2 > XS_BACKOFF_MAX_MS
					 ? XS_BACKOFF_MAX_MS
					 : xs->backoff_ms * 2;
		return;
	}
	devmgr_log(xs->ctx, DEVMGR_LOG_WARN,
		   "xenstore: reconnected; resyncing");
	resync(xs);
	if (xs->lost)
		lose(xs);
}

/* ---- set-up ------------------------------------------------------------- */

static int domain_path(struct devmgr__xs *xs, struct devmgr_error *err)
{
	json_t *dp = json_object_get(xs->ctx->cfg->xs, "domain_path");
	unsigned long id;
	if (json_is_string(dp)) {
		fmt(xs->dom, sizeof(xs->dom), "%s", json_string_value(dp));
	} else {
		/* As a guest finds itself: its own "domid" (a relative path is
		 * under the guest's home), then the store's answer. */
		if (own_domid(xs, &id) <= 0)
			return devmgr__error_at(
				err, -ENOENT, "domid", NULL,
				"cannot find this domain's id in xenstore; "
				"set xenstore.domain_path");
		xs->self = true;
		char *p = xs_get_domain_path(xs->h, (unsigned)id);
		if (!p)
			return devmgr_error_set(
				err, -errno, "xenstore: no path for domain %lu",
				id);
		fmt(xs->dom, sizeof(xs->dom), "%s", p);
		free(p);
	}
	char rest[16];
	if (sscanf(xs->dom, "/local/domain/%lu%15s", &id, rest) != 1 ||
	    id > XS_DOMID_MAX)
		return devmgr__error_at(err, -EINVAL, xs->ctx->cfg->path,
					"/xenstore/domain_path",
					"\"%s\" is not /local/domain/N",
					xs->dom);
	set_domain(xs, (unsigned)id);
	return 0;
}

static long timeout_ms(struct devmgr_ctx *ctx)
{
	json_t *t = json_object_get(ctx->cfg->xs, "incomplete_timeout_ms");
	return json_is_integer(t) ? (long)json_integer_value(t)
				  : XS_DEFAULT_TIMEOUT_MS;
}

void devmgr__xs_reloaded(struct devmgr_ctx *ctx)
{
	struct devmgr__xs *xs = ctx->xs;
	if (!xs || !xs->h)
		return; /* a reconnect resyncs anyway */
	xs->timeout_ms = timeout_ms(ctx);
	resync(xs);
	if (xs->lost)
		lose(xs);
}

void devmgr__xs_close(struct devmgr_ctx *ctx)
{
	struct devmgr__xs *xs = ctx->xs;
	if (!xs)
		return;
	devmgr_watch_cancel(xs->fdw);
	devmgr_watch_cancel(xs->tickw);
	if (xs->tfd >= 0)
		close(xs->tfd);
	xs_close(xs->h); /* drops the watches with the connection */
	xs->h = NULL;
	for (size_t i = 0; i < xs->ndevs; i++)
		dev_free(xs, xs->devs[i]);
	devmgr__free(xs->devs);
	devmgr__free(xs->dirty);
	devmgr__free(xs->bw);
	devmgr__free(xs);
	ctx->xs = NULL;
	devmgr__specs_free(&ctx->xs_set);
}

static struct devmgr__xs *xs_new(struct devmgr_ctx *ctx)
{
	struct devmgr__xs *xs = devmgr__calloc(1, sizeof(*xs));
	if (!xs)
		return NULL;
	ctx->xs = xs;
	xs->ctx = ctx;
	xs->tfd = -1;
	xs->timeout_ms = timeout_ms(ctx);
	xs->devs = devmgr__calloc(XS_MAX_DEVICES, sizeof(*xs->devs));
	xs->dirty = devmgr__calloc(XS_MAX_DEVICES, sizeof(*xs->dirty));
	xs->bw = devmgr__calloc(XS_MAX_CLASSES * 4, sizeof(*xs->bw));
	if (!xs->devs || !xs->dirty || !xs->bw) {
		devmgr__xs_close(ctx);
		return NULL;
	}
	return xs;
}

/* The tick: health checks, reconnecting, incomplete timeouts. */
static int start_tick(struct devmgr__xs *xs, struct devmgr_error *err)
{
	struct itimerspec its = { { 0, XS_TICK_MS * 1000000L },
				  { 0, XS_TICK_MS * 1000000L } };
	xs->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (xs->tfd < 0 || timerfd_settime(xs->tfd, 0, &its, NULL) < 0 ||
	    !(xs->tickw = devmgr_watch_fd(xs->ctx, xs->tfd, DEVMGR_EV_READ,
					  on_tick, xs)))
		return devmgr_error_set(err, -errno, "timer: %s",
					strerror(errno));
	return 0;
}

/* Find the domain on a first connection, then connect for good (with
 * the watch), start the tick and read everything. */
static int xs_start(struct devmgr__xs *xs, struct devmgr_error *err)
{
	xs->h = open_blocked();
	if (!xs->h) {
		int e = errno ? errno : ECONNREFUSED;
		return devmgr__error_at(err, -e, "xenstore", NULL,
					"cannot connect to xenstore: %s",
					strerror(e));
	}
	int r = domain_path(xs, err);
	xs_close(xs->h);
	xs->h = NULL;
	if (r < 0)
		return r;
	if ((r = connect_store(xs)) < 0)
		return devmgr__error_at(err, r, "xenstore", NULL,
					"cannot watch %s: %s", xs->devdir,
					strerror(-r));
	if ((r = start_tick(xs, err)) < 0)
		return r;
	resync(xs);
	if (xs->lost)
		return devmgr__error_at(
			err, -EIO, xs->devdir, NULL,
			"xenstore connection lost while reading %s",
			xs->devdir);
	return 0;
}

bool devmgr__have_xenstore(void)
{
	return true;
}

int devmgr__xs_open(struct devmgr_ctx *ctx, devmgr__xs_news_fn news,
		    struct devmgr_error *err)
{
	if (!xs_new(ctx))
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	ctx->xs->news = news;
	int r = xs_start(ctx->xs, err);
	if (r < 0)
		devmgr__xs_close(ctx);
	return r;
}
