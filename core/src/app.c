/* app.c: binding devices to an app's slots (the functor's record), and
 * plugging and unplugging them while it runs. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef DEVMGR_SET_OF(devmgr__handle) handle_set;

static void **field(void *record, const struct devmgr_slot *s)
{
	return (void **)((char *)record + s->offset);
}

/* A hot-pluggable set slot that app.bind leaves out takes every device of
 * its signature that nothing is stacked on, as it takes every one that
 * is plugged later (slot_wants). */
static int all_fitting(struct devmgr__plan *plan, const struct devmgr_slot *s,
		       struct devmgr_device ***out, size_t *n,
		       struct devmgr_error *err)
{
	struct devmgr_device **devs =
		devmgr__calloc(plan->ndevs + 1, sizeof(*devs));
	if (!devs)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	size_t count = 0;
	for (size_t i = 0; i < plan->ndevs; i++) {
		struct devmgr_device *d = plan->devs[i];
		if (!d->nusers && d->state != DEVMGR_DEVICE_FAILED &&
		    strcmp(d->prov->sig->name, s->sig) == 0)
			devs[count++] = d;
	}
	if (!count && (s->flags & DEVMGR_SLOT_REQUIRED)) {
		devmgr__free(devs);
		return devmgr__error_at(err, -ENODEV, plan->path, "/app",
					"required slot %s (%s) has no device",
					s->name, s->sig);
	}
	*out = devs;
	*n = count;
	return 0;
}

/* Devices for one slot: those named in app.bind, else the one device of
 * the slot's signature that nothing is stacked on (every such device for
 * a hot-pluggable set). */
static int slot_devices(struct devmgr__plan *plan, const struct devmgr_app *app,
			const struct devmgr_slot *s, bool may_wait,
			struct devmgr_device ***out, size_t *n,
			struct devmgr_error *err)
{
	char ptr[256];
	json_t *v = json_object_get(plan->app_bind, s->name);
	*out = NULL;
	*n = 0;
	if (v) {
		snprintf(ptr, sizeof(ptr), "/app/bind/%s", s->name);
		size_t count = json_is_array(v) ? json_array_size(v) : 1;
		if (count > 1 && !(s->flags & DEVMGR_SLOT_MANY))
			return devmgr__error_at(
				err, -EINVAL, plan->path, ptr,
				"slot %s of app %s takes one device, got %zu",
				s->name, app->name, count);
		struct devmgr_device **devs =
			devmgr__calloc(count, sizeof(*devs));
		if (!devs)
			return devmgr_error_set(err, -ENOMEM, "out of memory");
		size_t got = 0;
		const char *waiting = NULL;
		for (size_t i = 0; i < count; i++) {
			json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
			struct devmgr_device *d = devmgr__map_get(
				&plan->index, json_string_value(e));
			if (!d) {
				/* Not in the plan: it waits for a xenstore
				 * device (config.c checked the id). */
				waiting = json_string_value(e);
				continue;
			}
			if (strcmp(d->prov->sig->name, s->sig) != 0) {
				devmgr__free(devs);
				return devmgr__error_at(
					err, -EINVAL, plan->path, ptr,
					"device \"%s\" is a %s, slot %s of app "
					"%s needs a %s",
					d->id, d->prov->sig->name, s->name,
					app->name, s->sig);
			}
			devs[got++] = d;
		}
		if (!got && waiting && !may_wait &&
		    (s->flags & DEVMGR_SLOT_REQUIRED)) {
			devmgr__free(devs);
			return devmgr__error_at(
				err, -ENODEV, plan->path, ptr,
				"required slot %s of app %s: device \"%s\" "
				"waits for xenstore device \"%s\"",
				s->name, app->name, waiting,
				json_string_value(json_object_get(plan->waiting,
								  waiting)));
		}
		*out = devs;
		*n = got;
		return 0;
	}
	if ((s->flags & DEVMGR_SLOT_MANY) && (s->flags & DEVMGR_SLOT_HOTPLUG))
		return all_fitting(plan, s, out, n, err);
	struct devmgr_device *found = NULL, *second = NULL;
	for (size_t i = 0; i < plan->ndevs; i++) {
		struct devmgr_device *d = plan->devs[i];
		if (d->nusers || strcmp(d->prov->sig->name, s->sig) != 0)
			continue;
		if (found) {
			second = d;
			break;
		}
		found = d;
	}
	if (second)
		return devmgr__error_at(err, -EINVAL, plan->path, "/app",
					"slot %s of app %s: more than one %s "
					"device fits (\"%s\", \"%s\", ...); "
					"choose in app.bind",
					s->name, app->name, s->sig, found->id,
					second->id);
	if (!found) {
		if (s->flags & DEVMGR_SLOT_REQUIRED)
			return devmgr__error_at(
				err, -ENODEV, plan->path, "/app",
				"required slot %s (%s) of app %s has no device",
				s->name, s->sig, app->name);
		return 0;
	}
	*out = devmgr__calloc(1, sizeof(**out));
	if (!*out)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	(*out)[0] = found;
	*n = 1;
	return 0;
}

static int check_bind_keys(struct devmgr__plan *plan,
			   const struct devmgr_app *app,
			   struct devmgr_error *err)
{
	const char *names[64];
	size_t n = 0;
	for (const struct devmgr_slot *s = app->slots; s && s->name && n < 64;
	     s++)
		names[n++] = s->name;
	const char *key;
	json_t *v;
	json_object_foreach (plan->app_bind, key, v) {
		size_t i = 0;
		while (i < n && strcmp(names[i], key) != 0)
			i++;
		if (i < n)
			continue;
		char ptr[256];
		snprintf(ptr, sizeof(ptr), "/app/bind/%s", key);
		const char *hint = devmgr__did_you_mean(key, names, n);
		return devmgr__error_at(err, -EINVAL, plan->path, ptr,
					"app %s has no slot \"%s\"%s%s%s",
					app->name, key,
					hint ? " (did you mean \"" : "",
					hint ? hint : "", hint ? "\"?)" : "");
	}
	return 0;
}

static json_t *check_args(struct devmgr__plan *plan,
			  const struct devmgr_app *app,
			  struct devmgr_error *err)
{
	char what[128];
	snprintf(what, sizeof(what), "app %s", app->name);
	json_t *empty = json_object();
	json_t *args = devmgr__params_check(
		app->args, plan->app_args ? plan->app_args : empty, NULL,
		plan->dir, what, plan->path, "/app/args", err);
	json_decref(empty);
	return args;
}

const char *devmgr__app_waits(const struct devmgr__plan *plan)
{
	const char *slot;
	json_t *v;
	json_object_foreach (plan->app_bind, slot, v) {
		size_t i, n = json_is_array(v) ? json_array_size(v) : 1;
		for (i = 0; i < n; i++) {
			json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
			if (json_object_get(plan->waiting,
					    json_string_value(e)))
				return json_string_value(e);
		}
	}
	return NULL;
}

int devmgr__plan_check_app(struct devmgr_ctx *ctx, struct devmgr__plan *plan,
			   const struct devmgr_app *app, bool may_wait,
			   struct devmgr_error *err)
{
	(void)ctx;
	int r = check_bind_keys(plan, app, err);
	if (r < 0)
		return r;
	for (const struct devmgr_slot *s = app->slots; s && s->name; s++) {
		struct devmgr_device **devs;
		size_t n;
		r = slot_devices(plan, app, s, may_wait, &devs, &n, err);
		devmgr__free(devs);
		if (r < 0)
			return r;
	}
	json_t *args = check_args(plan, app, err);
	if (!args)
		return err ? err->code : -EINVAL;
	json_decref(args);
	return 0;
}

static void set_remove(handle_set *set, void *h)
{
	for (size_t i = 0; i < set->count; i++)
		if ((void *)set->items[i] == h) {
			memmove(&set->items[i], &set->items[i + 1],
				(set->count - i - 1) * sizeof(set->items[0]));
			set->count--;
			return;
		}
}

static int set_add(handle_set *set, void *h)
{
	void *items = devmgr__realloc(set->items,
				      (set->count + 1) * sizeof(set->items[0]));
	if (!items)
		return -ENOMEM;
	set->items = items;
	set->items[set->count++] = h;
	return 0;
}

static int put(void *record, const struct devmgr_slot *s,
	       struct devmgr_device *d)
{
	if (s->flags & DEVMGR_SLOT_MANY) {
		int r = set_add((handle_set *)field(record, s), &d->handle);
		if (r < 0)
			return r;
	} else {
		*field(record, s) = &d->handle;
	}
	d->state = DEVMGR_DEVICE_BOUND;
	return 0;
}

int devmgr__bind(struct devmgr_ctx *ctx, struct devmgr_error *err)
{
	const struct devmgr_app *app = ctx->app;
	int r = devmgr__plan_check_app(ctx, &ctx->plan, app, false, err);
	if (r < 0)
		return r;
	ctx->app_args = check_args(&ctx->plan, app, err);
	ctx->record = devmgr__calloc(1, app->record_size);
	ctx->app_state = devmgr__calloc(1, app->state_size);
	if (!ctx->app_args || !ctx->record || !ctx->app_state)
		goto nomem;
	for (const struct devmgr_slot *s = app->slots; s && s->name; s++) {
		struct devmgr_device **devs;
		size_t n;
		r = slot_devices(&ctx->plan, app, s, false, &devs, &n, err);
		for (size_t i = 0; i < n && r == 0; i++)
			if (put(ctx->record, s, devs[i]) < 0)
				r = -ENOMEM;
		devmgr__free(devs);
		if (r == -ENOMEM)
			goto nomem;
		if (r < 0)
			goto fail;
	}
	return 0;
nomem:
	r = devmgr_error_set(err, -ENOMEM, "out of memory");
fail:
	devmgr__unbind(ctx);
	return r;
}

void devmgr__unbind(struct devmgr_ctx *ctx)
{
	const struct devmgr_app *app = ctx->app;
	if (ctx->record && app)
		for (const struct devmgr_slot *s = app->slots; s && s->name;
		     s++)
			if (s->flags & DEVMGR_SLOT_MANY)
				devmgr__free(
					((handle_set *)field(ctx->record, s))
						->items);
	for (size_t i = 0; i < ctx->plan.ndevs; i++)
		if (ctx->plan.devs[i]->state == DEVMGR_DEVICE_BOUND)
			ctx->plan.devs[i]->state = DEVMGR_DEVICE_CREATED;
	devmgr__free(ctx->record);
	devmgr__free(ctx->app_state);
	json_decref(ctx->app_args);
	ctx->record = ctx->app_state = NULL;
	ctx->app_args = NULL;
}

/* The slot that holds the device's handle, or NULL. */
static const struct devmgr_slot *slot_of(struct devmgr_ctx *ctx,
					 const struct devmgr_device *d)
{
	if (!ctx->record)
		return NULL;
	for (const struct devmgr_slot *s = ctx->app->slots; s && s->name; s++) {
		if (!(s->flags & DEVMGR_SLOT_MANY)) {
			if (*field(ctx->record, s) == &d->handle)
				return s;
			continue;
		}
		handle_set *set = (handle_set *)field(ctx->record, s);
		for (size_t i = 0; i < set->count; i++)
			if ((void *)set->items[i] == &d->handle)
				return s;
	}
	return NULL;
}

bool devmgr__app_pinned(struct devmgr_ctx *ctx, const struct devmgr_device *d)
{
	const struct devmgr_slot *s = slot_of(ctx, d);
	return s && !(s->flags & DEVMGR_SLOT_HOTPLUG);
}

static bool slot_wants(struct devmgr_ctx *ctx, const struct devmgr_slot *s,
		       const struct devmgr_device *d)
{
	if (!(s->flags & DEVMGR_SLOT_HOTPLUG) ||
	    strcmp(s->sig, d->prov->sig->name) != 0)
		return false;
	json_t *v = json_object_get(ctx->plan.app_bind, s->name);
	if (v) {
		size_t i;
		json_t *e;
		if (json_is_string(v))
			return strcmp(json_string_value(v), d->id) == 0;
		json_array_foreach (v, i, e)
			if (strcmp(json_string_value(e), d->id) == 0)
				return true;
		return false;
	}
	if (d->nusers)
		return false;
	return (s->flags & DEVMGR_SLOT_MANY) || !*field(ctx->record, s);
}

int devmgr__app_plug(struct devmgr_ctx *ctx, struct devmgr_device *d)
{
	if (!ctx->app_started)
		return 0;
	for (const struct devmgr_slot *s = ctx->app->slots; s && s->name; s++) {
		if (!slot_wants(ctx, s, d))
			continue;
		int r = put(ctx->record, s, d);
		if (r == 0 && ctx->app->plug)
			r = ctx->app->plug(ctx, ctx->record, s->name,
					   &d->handle);
		if (r < 0) {
			if (s->flags & DEVMGR_SLOT_MANY)
				set_remove((handle_set *)field(ctx->record, s),
					   &d->handle);
			else
				*field(ctx->record, s) = NULL;
			d->state = DEVMGR_DEVICE_CREATED;
			devmgr_log(ctx, DEVMGR_LOG_WARN,
				   "app %s refused device %s in slot %s: %s",
				   ctx->app->name, d->id, s->name,
				   strerror(-r));
			return r;
		}
		return 1;
	}
	return 0;
}

void devmgr__app_unplug(struct devmgr_ctx *ctx, struct devmgr_device *d)
{
	const struct devmgr_slot *s = slot_of(ctx, d);
	if (!s)
		return;
	d->state = DEVMGR_DEVICE_UNPLUGGING;
	if (ctx->app_started && ctx->app->unplug)
		ctx->app->unplug(ctx, ctx->record, s->name, &d->handle);
	if (s->flags & DEVMGR_SLOT_MANY)
		set_remove((handle_set *)field(ctx->record, s), &d->handle);
	else
		*field(ctx->record, s) = NULL;
	d->state = DEVMGR_DEVICE_CREATED;
}

/* ---- what apps call: their state and arguments ------------------------ */

void *devmgr_app_state(struct devmgr_ctx *ctx)
{
	return ctx->app_state;
}

const char *devmgr_arg_str(struct devmgr_ctx *ctx, const char *name)
{
	return json_string_value(json_object_get(ctx->app_args, name));
}

int64_t devmgr_arg_int(struct devmgr_ctx *ctx, const char *name)
{
	return json_integer_value(json_object_get(ctx->app_args, name));
}

bool devmgr_arg_bool(struct devmgr_ctx *ctx, const char *name)
{
	return json_is_true(json_object_get(ctx->app_args, name));
}

bool devmgr_arg_present(struct devmgr_ctx *ctx, const char *name)
{
	return json_object_get(ctx->app_args, name) != NULL;
}
