/* apply.c: the apply step.  It diffs the running plan and a new one (from
 * a re-read file, or a change of the xenstore set): devices that are new
 * are created and offered to hot-plug slots, devices removed or changed (or
 * stacked on one that is) are unplugged and destroyed, changed ones are
 * created again.  When to apply, and what the app does then, is run.c's. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void plug_event(struct devmgr_ctx *ctx, struct devmgr_device *d)
{
	json_t *ev;
	if (d->state == DEVMGR_DEVICE_FAILED)
		ev = json_pack("{s:s, s:s, s:s}", "event", "error", "id", d->id,
			       "error", d->error ? d->error->text : "failed");
	else
		ev = json_pack("{s:s, s:s, s:s, s:s}", "event", "plug", "id",
			       d->id, "signature", d->prov->sig->name,
			       "provider", d->prov->p->name);
	if (ev && d->spec->source)
		json_object_set_new(ev, "source", json_string(d->spec->source));
	devmgr__event(ctx, ev);
}

/* Same id, provider and specification, and everything below it kept. */
static bool kept(const struct devmgr_device *old, struct devmgr__plan *np)
{
	const struct devmgr_device *d = devmgr__map_get(&np->index, old->id);
	if (!d || !devmgr__spec_equal(d->spec, old->spec))
		return false;
	if (old->state == DEVMGR_DEVICE_FAILED)
		return false; /* a reload retries devices that failed */
	for (size_t i = 0; i < old->spec->ndeps; i++)
		if (old->deps[i]->fate == DEVMGR__GOING)
			return false;
	return true;
}

/* Point every dependency at the device now in the index, by id (the
 * twins that kept devices replaced are gone). */
static void relink(struct devmgr__plan *np)
{
	for (size_t i = 0; i < np->ndevs; i++)
		np->devs[i]->nusers = 0;
	for (size_t i = 0; i < np->ndevs; i++) {
		struct devmgr_device *d = np->devs[i];
		for (size_t j = 0; j < d->spec->ndeps; j++) {
			d->deps[j] =
				devmgr__map_get(&np->index, d->spec->on_ids[j]);
			d->deps[j]->nusers++;
		}
	}
}

/* Why a device goes: the xenstore source says for its devices. */
static const char *unplug_reason(json_t *reasons, const struct devmgr_device *d,
				 struct devmgr__plan *np)
{
	json_t *r = d->spec->source ? json_object_get(reasons, d->id) : NULL;
	if (json_is_string(r))
		return json_string_value(r);
	if (json_object_get(np->waiting, d->id))
		return "waiting"; /* for the xenstore device below it */
	return devmgr__map_get(&np->index, d->id) ? "changed" : "removed";
}

/* A xenstore frontend reaches Connected a moment before the kernel adds
 * its /dev node (xen-blkfront switches state, then adds the disk), so a
 * xenstore device whose creation finds no node (ENOENT, ENXIO) is tried
 * again on the source's ticks for XS_NODE_WAIT_MS before its error is
 * reported.  True while it is still within that wait. */
#define XS_NODE_WAIT_MS 5000
static bool node_wait(struct devmgr_ctx *ctx, struct devmgr_device *d,
		      const struct devmgr_error *e)
{
	if (!d->spec->source || (e->code != -ENOENT && e->code != -ENXIO))
		return false;
	if (!ctx->xs_node_wait && !(ctx->xs_node_wait = json_object()))
		return false;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	json_int_t ms = (json_int_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	json_t *first = json_object_get(ctx->xs_node_wait, d->id);
	if (!first) {
		json_object_set_new(ctx->xs_node_wait, d->id, json_integer(ms));
		return true;
	}
	json_int_t t = json_integer_value(first);
	if (t >= 0 && ms - t < XS_NODE_WAIT_MS)
		return true;
	json_object_set_new(ctx->xs_node_wait, d->id, json_integer(-1));
	return false;
}

int devmgr__plan_apply(struct devmgr_ctx *ctx, struct devmgr__plan *npp,
		       json_t *reasons, struct devmgr_error *err)
{
	struct devmgr__plan np = *npp, *op = &ctx->plan;
	int r = 0;
	if (ctx->app_started)
		r = devmgr__plan_check_app(ctx, &np, ctx->app, false, err);
	if (r < 0) {
		devmgr__plan_free(&np);
		return r;
	}
	/* Creation order puts dependencies first, so kept() sees theirs. */
	for (size_t i = 0; i < op->ndevs; i++) {
		struct devmgr_device *d = op->order[i];
		d->fate = kept(d, &np) ? DEVMGR__KEPT : DEVMGR__GOING;
		if (d->fate == DEVMGR__GOING && devmgr__app_pinned(ctx, d)) {
			devmgr__error_at(
				err, -EBUSY, op->path, NULL,
				"device %s is bound to a slot of app %s "
				"that does not take hot-plug; restart to "
				"change it",
				d->id, ctx->app->name);
			devmgr__plan_free(&np);
			return -EBUSY;
		}
	}
	for (size_t i = op->ndevs; i-- > 0;) {
		struct devmgr_device *d = op->order[i];
		if (d->fate != DEVMGR__GOING)
			continue;
		bool was_up = devmgr_device_handle(d) != NULL;
		devmgr__app_unplug(ctx, d);
		devmgr__device_destroy(d);
		if (was_up)
			devmgr_log(ctx, DEVMGR_LOG_INFO, "device %s destroyed",
				   d->id);
		if (was_up)
			devmgr__event(
				ctx, json_pack("{s:s, s:s, s:s}", "event",
					       "unplug", "id", d->id, "reason",
					       unplug_reason(reasons, d, &np)));
	}
	/* Kept devices move into the new plan in place of their twins. */
	for (size_t i = 0; i < np.ndevs; i++) {
		struct devmgr_device *old =
			devmgr__map_get(&op->index, np.order[i]->id);
		if (old && old->fate == DEVMGR__KEPT)
			np.order[i] = old;
	}
	for (size_t i = 0; i < np.ndevs; i++) {
		struct devmgr_device *old =
			devmgr__map_get(&op->index, np.devs[i]->id);
		if (!old || old->fate != DEVMGR__KEPT)
			continue;
		/* The index's key is the twin's id: replace it first. */
		devmgr__map_put(&np.index, old->id, old);
		devmgr__device_free(np.devs[i]);
		np.devs[i] = old;
		old->fate = DEVMGR__MOVED;
	}
	relink(&np);
	for (size_t i = 0; i < op->ndevs; i++)
		if (op->devs[i]->fate != DEVMGR__MOVED)
			devmgr__device_free(op->devs[i]);
	op->ndevs = 0;
	devmgr__plan_free(op);
	*op = np;
	for (size_t i = 0; i < op->ndevs; i++) {
		struct devmgr_device *d = op->order[i];
		if (d->fate == DEVMGR__MOVED) {
			d->fate = DEVMGR__KEPT;
			continue;
		}
		struct devmgr_error e;
		devmgr_error_clear(&e);
		if (devmgr__device_create(d, &e) < 0) {
			d->state = DEVMGR_DEVICE_FAILED;
			d->error = devmgr__malloc(sizeof(*d->error));
			if (d->error)
				*d->error = e;
			if (node_wait(ctx, d, &e)) {
				devmgr_log(ctx, DEVMGR_LOG_DEBUG,
					   "device %s: %s (trying again)",
					   d->id, e.text);
				continue;
			}
			devmgr_log(ctx, DEVMGR_LOG_ERROR, "device %s: %s",
				   d->id, e.text);
		} else if (ctx->xs_node_wait) {
			json_object_del(ctx->xs_node_wait, d->id);
		}
		plug_event(ctx, d);
		if (d->state == DEVMGR_DEVICE_CREATED)
			devmgr__app_plug(ctx, d);
	}
	const char *id;
	json_t *v;
	void *tmp;
	json_object_foreach_safe (ctx->xs_node_wait, tmp, id, v)
		if (!devmgr__map_get(&op->index, id))
			json_object_del(ctx->xs_node_wait, id);
	return 0;
}
