/* plan.c: the plan step.  It merges the sources' sets of device
 * specifications (the file's, then the xenstore devices that are up),
 * leaves out the file devices that wait for a xenstore device that is not
 * up, checks the app's bindings name devices, and resolves the graph.  It
 * is pure: nothing is read, loaded or created here (apply.c creates). */
#include "internal.h"
#include "xs_map.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct pl {
	struct devmgr_ctx *ctx;
	struct devmgr__plan *plan;
	const char *src; /* the name errors give */
	struct devmgr_error *err;
};

#define FAIL(c, code, ptr, ...)                                                \
	devmgr__error_at((c)->err, (code), (c)->src, (ptr), __VA_ARGS__)

/* Can id name a device the xenstore source brings?  Its ids are
 * "<class>-<devid>" (xs_source.c) with a numeric devid, as Xen writes
 * them, and a class the source reads: vbd, vif, console, one a provider
 * declares or one the map names.  *prov: the provider the class goes to,
 * if known, so that a signature mismatch is found at validate time. */
static bool xs_id(struct pl *c, json_t *xs, const char *id,
		  const struct devmgr__provider_entry **prov)
{
	char cls[65];
	json_t *map = json_object_get(xs, "map");
	if (!json_is_object(map))
		map = NULL;
	if (!devmgr__xs_id_class(id, cls, sizeof(cls)) ||
	    !devmgr__xs_class_known(c->ctx, map, cls))
		return false;
	*prov = devmgr__xs_provider(c->ctx, map, cls);
	return true;
}

/* The xenstore id a file device waits for, or NULL: one of its "on" is
 * a xenstore id that is not up, or a device that waits itself.  An "on"
 * that is neither a device nor a xenstore id keeps it in the plan, where
 * the graph reports it as unknown. */
static int waits_for(struct pl *c, json_t *xs, struct devmgr_device *d,
		     const char **out)
{
	const char *wait = NULL;
	*out = NULL;
	for (size_t i = 0; i < d->spec->ndeps; i++) {
		const char *on = d->spec->on_ids[i];
		struct devmgr_device *u = devmgr__map_get(&c->plan->index, on);
		json_t *w = json_object_get(c->plan->waiting, on);
		const struct devmgr__provider_entry *prov = NULL;
		if (w) {
			wait = wait ? wait : json_string_value(w);
			continue;
		}
		if (u)
			continue;
		if (!xs_id(c, xs, on, &prov))
			return 0;
		char ptr[256];
		devmgr__pointer(ptr, sizeof(ptr), "/devices", d->id);
		snprintf(ptr + strlen(ptr), sizeof(ptr) - strlen(ptr), "/on");
		if (prov && strcmp(prov->sig->name, d->prov->p->on_sig) != 0)
			return FAIL(c, -EINVAL, ptr,
				    "xenstore device \"%s\" would be a %s "
				    "(provider %s), "
				    "provider %s needs a %s",
				    on, prov->sig->name, prov->p->name,
				    d->prov->p->name, d->prov->p->on_sig);
		wait = wait ? wait : on;
	}
	*out = wait;
	return 0;
}

/* Waiting devices never reach the graph's cycle check, so a cycle among
 * them (one of them also on a xenstore device) is found here: peel off
 * those whose waiting dependencies are all peeled; any left are in, or
 * hang below, a cycle. */
static int waiting_cycle(struct pl *c)
{
	struct devmgr__plan *plan = c->plan;
	json_t *done = json_object();
	const char *id;
	json_t *v;
	bool more = true;
	if (!done)
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	while (more) {
		more = false;
		json_object_foreach (plan->waiting, id, v) {
			struct devmgr_device *d =
				devmgr__map_get(&plan->index, id);
			size_t i = 0;
			if (json_object_get(done, id))
				continue;
			while (i < d->spec->ndeps &&
			       (!json_object_get(plan->waiting,
						 d->spec->on_ids[i]) ||
				json_object_get(done, d->spec->on_ids[i])))
				i++;
			if (i < d->spec->ndeps)
				continue;
			if (json_object_set_new(done, id, json_true())) {
				json_decref(done);
				return FAIL(c, -ENOMEM, "/devices",
					    "out of memory");
			}
			more = true;
		}
	}
	int r = 0;
	json_object_foreach (plan->waiting, id, v) {
		if (json_object_get(done, id))
			continue;
		char ptr[256];
		devmgr__pointer(ptr, sizeof(ptr), "/devices", id);
		snprintf(ptr + strlen(ptr), sizeof(ptr) - strlen(ptr), "/on");
		r = FAIL(c, -ELOOP, ptr,
			 "dependency cycle through device \"%s\", which waits "
			 "for xenstore device \"%s\"",
			 id, json_string_value(v));
		break;
	}
	json_decref(done);
	return r;
}

/* With a xenstore section, a file device stacked on a xenstore device
 * that is not up yet leaves the plan until it is (and so does everything
 * stacked on it): the next plan, built when the source publishes, has it
 * again, and the reload diff creates it above the new device. */
static int leave_out_waiting(struct pl *c, json_t *xs)
{
	struct devmgr__plan *plan = c->plan;
	bool more = true;
	while (more) {
		more = false;
		for (size_t i = 0; i < plan->ndevs; i++) {
			struct devmgr_device *d = plan->devs[i];
			const char *wait;
			if (d->spec->source ||
			    json_object_get(plan->waiting, d->id))
				continue;
			int r = waits_for(c, xs, d, &wait);
			if (r < 0)
				return r;
			if (!wait)
				continue;
			if (!plan->waiting && !(plan->waiting = json_object()))
				return FAIL(c, -ENOMEM, "/devices",
					    "out of memory");
			if (json_object_set_new(plan->waiting, d->id,
						json_string(wait)))
				return FAIL(c, -ENOMEM, "/devices",
					    "out of memory");
			more = true;
		}
	}
	if (!plan->waiting)
		return 0;
	int r = waiting_cycle(c);
	if (r < 0)
		return r;
	size_t n = 0, all = plan->ndevs;
	devmgr__map_free(&plan->index);
	for (size_t i = 0; i < all; i++) {
		struct devmgr_device *d = plan->devs[i];
		if (json_object_get(plan->waiting, d->id)) {
			devmgr__device_free(d);
			continue;
		}
		plan->devs[n++] = d;
		if (devmgr__map_put(&plan->index, d->id, d)) {
			/* plan_free frees the kept ones; free the rest. */
			for (size_t j = i + 1; j < all; j++)
				devmgr__device_free(plan->devs[j]);
			plan->ndevs = n;
			return FAIL(c, -ENOMEM, "/devices", "out of memory");
		}
	}
	plan->ndevs = n;
	return 0;
}

static int add(struct pl *c, struct devmgr__spec *spec)
{
	struct devmgr__plan *plan = c->plan;
	struct devmgr_device *d = devmgr__device_new(c->ctx, spec);
	if (!d)
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	plan->devs[plan->ndevs++] = d;
	if (devmgr__map_put(&plan->index, d->id, d))
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	return 0;
}

/* The file's devices, then the xenstore devices that are up (a file's
 * device keeps its id; the source reports the clash). */
static int merge(struct pl *c, const struct devmgr__specs *file,
		 const struct devmgr__specs *xs)
{
	struct devmgr__plan *plan = c->plan;
	size_t n = file->n + (xs ? xs->n : 0);
	plan->devs = devmgr__calloc(n + 1, sizeof(*plan->devs));
	plan->order = devmgr__calloc(n + 1, sizeof(*plan->order));
	if (!plan->devs || !plan->order)
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	int r;
	for (size_t i = 0; i < file->n; i++)
		if ((r = add(c, file->v[i])) < 0)
			return r;
	for (size_t i = 0; xs && i < xs->n; i++) {
		if (devmgr__map_get(&file->index, xs->v[i]->id))
			continue;
		if ((r = add(c, xs->v[i])) < 0)
			return r;
	}
	return 0;
}

/* Every device app.bind names is in the plan or waits for xenstore. */
static int check_bind(struct pl *c)
{
	struct devmgr__plan *plan = c->plan;
	const char *slot;
	json_t *v;
	json_object_foreach (plan->app_bind, slot, v) {
		size_t n = json_is_array(v) ? json_array_size(v) : 1;
		for (size_t i = 0; i < n; i++) {
			json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
			const char *id = json_string_value(e);
			char ptr[256];
			if (devmgr__map_get(&plan->index, id) ||
			    json_object_get(plan->waiting, id))
				continue;
			devmgr__pointer(ptr, sizeof(ptr), "/app/bind", slot);
			return FAIL(c, -ENOENT, ptr, "unknown device \"%s\"",
				    id);
		}
	}
	return 0;
}

int devmgr__plan_make(struct devmgr_ctx *ctx, const struct devmgr__config *cfg,
		      const struct devmgr__specs *xs, struct devmgr__plan *plan,
		      struct devmgr_error *err)
{
	struct pl c = { ctx, plan, cfg->path, err };
	memset(plan, 0, sizeof(*plan));
	devmgr_error_clear(err);
	plan->path = cfg->path;
	plan->dir = cfg->dir;
	plan->has_xs = json_is_object(cfg->xs);
	plan->app_name = cfg->app_name;
	plan->app_bind = cfg->app_bind;
	plan->app_args = cfg->app_args;
	int r = merge(&c, &cfg->devs, xs);
	if (r == 0 && plan->has_xs)
		r = leave_out_waiting(&c, cfg->xs);
	if (r == 0)
		r = check_bind(&c);
	if (r == 0)
		r = devmgr__plan_graph(plan, err);
	if (r < 0)
		devmgr__plan_free(plan);
	return r;
}

void devmgr__plan_free(struct devmgr__plan *plan)
{
	for (size_t i = 0; i < plan->ndevs; i++)
		devmgr__device_free(plan->devs[i]);
	devmgr__free(plan->devs);
	devmgr__free(plan->order);
	devmgr__map_free(&plan->index);
	json_decref(plan->waiting);
	memset(plan, 0, sizeof(*plan));
}
