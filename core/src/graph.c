/* graph.c: the device graph.  Dependencies ("on") are resolved and checked
 * (missing ids, signatures, cycles) before anything is created; devices
 * are created in dependency order and destroyed in the reverse. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int resolve(struct devmgr__plan *plan, struct devmgr_device *dev,
		   struct devmgr_error *err)
{
	if (!dev->ndeps)
		return 0;
	dev->deps = devmgr__calloc(dev->ndeps, sizeof(*dev->deps));
	if (!dev->deps)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	const char *want = dev->prov->p->on_sig;
	char ptr[256];
	snprintf(ptr, sizeof(ptr), "/devices/%s/on", dev->id);
	for (size_t i = 0; i < dev->ndeps; i++) {
		struct devmgr_device *d =
			devmgr__map_get(&plan->index, dev->on_ids[i]);
		/* With a xenstore section, a xenstore id would have made
		 * the device wait (config.c): say why this one cannot. */
		if (!d && json_is_object(json_object_get(plan->root,
							 "xenstore")))
			return devmgr__error_at(
				err, -ENOENT, plan->path, ptr,
				"unknown device \"%s\" (not in the file, and not "
				"a xenstore device id \"<class>-<devid>\" of a "
				"class xenstore maps, such as \"vbd-51712\")",
				dev->on_ids[i]);
		if (!d)
			return devmgr__error_at(err, -ENOENT, plan->path, ptr,
						"unknown device \"%s\"",
						dev->on_ids[i]);
		if (strcmp(d->prov->sig->name, want) != 0)
			return devmgr__error_at(
				err, -EINVAL, plan->path, ptr,
				"device \"%s\" is a %s, provider %s needs a %s",
				d->id, d->prov->sig->name, dev->prov->p->name,
				want);
		for (size_t j = 0; j < i; j++)
			if (dev->deps[j] == d)
				return devmgr__error_at(
					err, -EINVAL, plan->path, ptr,
					"device \"%s\" listed twice", d->id);
		dev->deps[i] = d;
	}
	return 0;
}

/* Kahn's algorithm in file order, so that independent devices are created
 * in the order the file lists them.  Iterative: 10,000-deep chains work. */
static int order(struct devmgr__plan *plan, struct devmgr_error *err)
{
	size_t n = plan->ndevs, head = 0, tail = 0;
	for (size_t i = 0; i < n; i++) {
		plan->devs[i]->mark = (unsigned)plan->devs[i]->ndeps;
		plan->devs[i]->nusers = 0;
	}
	/* users: who is stacked on whom, as counts and a flat index */
	size_t *start = devmgr__calloc(n + 1, sizeof(*start));
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += plan->devs[i]->ndeps;
	size_t *users = devmgr__calloc(total + 1, sizeof(*users));
	struct devmgr__map pos = { 0 };
	int r = 0;
	if (!start || !users) {
		r = devmgr_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < plan->devs[i]->ndeps; j++)
			plan->devs[i]->deps[j]->nusers++;
	for (size_t i = 0; i < n; i++) {
		start[i + 1] = start[i] + plan->devs[i]->nusers;
		if (devmgr__map_put(&pos, plan->devs[i]->id, (void *)(i + 1))) {
			r = devmgr_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	size_t *fill = devmgr__calloc(n + 1, sizeof(*fill));
	if (!fill) {
		r = devmgr_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < plan->devs[i]->ndeps; j++) {
			size_t d = (size_t)devmgr__map_get(
					   &pos, plan->devs[i]->deps[j]->id) - 1;
			users[start[d] + fill[d]++] = i;
		}
	devmgr__free(fill);
	for (size_t i = 0; i < n; i++)
		if (!plan->devs[i]->mark)
			plan->order[tail++] = plan->devs[i];
	while (head < tail) {
		struct devmgr_device *d = plan->order[head++];
		size_t di = (size_t)devmgr__map_get(&pos, d->id) - 1;
		for (size_t k = start[di]; k < start[di + 1]; k++)
			if (--plan->devs[users[k]]->mark == 0)
				plan->order[tail++] = plan->devs[users[k]];
	}
	if (tail < n)
		r = -ELOOP;
out:
	devmgr__free(start);
	devmgr__free(users);
	devmgr__map_free(&pos);
	return r;
}

/* Some dependency of an unordered device is itself unordered. */
static struct devmgr_device *unordered_dep(const struct devmgr_device *d)
{
	size_t j = 0;
	while (!d->deps[j]->mark)
		j++;
	return d->deps[j];
}

/* Name one cycle: from the first unordered device, follow unordered
 * dependencies until a device repeats; that device starts a cycle. */
static int cycle_error(struct devmgr__plan *plan, struct devmgr_error *err)
{
	struct devmgr_device *d = NULL;
	for (size_t i = 0; i < plan->ndevs; i++) {
		plan->devs[i]->nusers = 0; /* reused: visited */
		if (!d && plan->devs[i]->mark)
			d = plan->devs[i];
	}
	while (!d->nusers) {
		d->nusers = 1;
		d = unordered_dep(d);
	}
	char text[sizeof(err->text)];
	size_t len = (size_t)snprintf(text, sizeof(text),
				      "dependency cycle: %s", d->id);
	struct devmgr_device *e = d;
	do {
		e = unordered_dep(e);
		if (len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						" -> %s", e->id);
	} while (e != d);
	char ptr[256];
	snprintf(ptr, sizeof(ptr), "/devices/%s/on", d->id);
	return devmgr__error_at(err, -ELOOP, plan->path, ptr, "%s", text);
}

int devmgr__plan_graph(struct devmgr__plan *plan, struct devmgr_error *err)
{
	for (size_t i = 0; i < plan->ndevs; i++) {
		int r = resolve(plan, plan->devs[i], err);
		if (r < 0)
			return r;
	}
	int r = order(plan, err);
	if (r == -ELOOP)
		return cycle_error(plan, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < plan->ndevs; i++)
		plan->devs[i]->nusers = 0;
	for (size_t i = 0; i < plan->ndevs; i++)
		for (size_t j = 0; j < plan->devs[i]->ndeps; j++)
			plan->devs[i]->deps[j]->nusers++;
	return 0;
}

/* ---- creating and destroying ----------------------------------------- */

int devmgr__device_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	const struct devmgr_provider *p = dev->prov->p;
	for (size_t i = 0; i < dev->ndeps; i++)
		if (dev->deps[i]->state != DEVMGR_DEVICE_CREATED &&
		    dev->deps[i]->state != DEVMGR_DEVICE_BOUND)
			return devmgr_error_set(err, -ENODEV,
						"depends on device \"%s\", which was not created",
						dev->deps[i]->id);
	dev->priv = devmgr__calloc(1, p->priv_size);
	if (!dev->priv)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	memset(&dev->handle, 0, sizeof(dev->handle));
	dev->handle.ops = p->ops;
	dev->handle.priv = dev->priv;
	dev->handle.dev = dev;
	struct devmgr_error e;
	devmgr_error_clear(&e);
	int r = p->create(dev, &e);
	if (r < 0) {
		devmgr__free(dev->priv);
		dev->priv = NULL;
		if (!e.text[0])
			snprintf(e.text, sizeof(e.text), "%s", strerror(-r));
		return devmgr_error_set(err, r, "%s", e.text);
	}
	dev->state = DEVMGR_DEVICE_CREATED;
	return 0;
}

void devmgr__device_destroy(struct devmgr_device *dev)
{
	if (dev->state != DEVMGR_DEVICE_CREATED &&
	    dev->state != DEVMGR_DEVICE_BOUND &&
	    dev->state != DEVMGR_DEVICE_UNPLUGGING)
		return;
	if (dev->prov->p->destroy)
		dev->prov->p->destroy(dev);
	devmgr__free(dev->priv);
	dev->priv = NULL;
	dev->state = DEVMGR_DEVICE_DESTROYED;
}

void devmgr__device_free(struct devmgr_device *dev)
{
	if (!dev)
		return;
	devmgr__device_destroy(dev);
	json_decref(dev->spec);
	json_decref(dev->params);
	devmgr__free(dev->id);
	devmgr__free(dev->source);
	devmgr__free(dev->on_ids);
	devmgr__free(dev->deps);
	devmgr__free(dev->error);
	devmgr__free(dev);
}

static void record_failure(struct devmgr_device *dev,
			   const struct devmgr_error *e)
{
	dev->state = DEVMGR_DEVICE_FAILED;
	devmgr__free(dev->error);
	dev->error = devmgr__malloc(sizeof(*dev->error));
	if (dev->error)
		*dev->error = *e;
}

int devmgr_ctx_create_devices(struct devmgr_ctx *ctx, bool keep_going,
			      struct devmgr_error *err)
{
	struct devmgr__plan *plan = &ctx->plan;
	int failed = 0;
	devmgr_error_clear(err);
	if (!ctx->have_plan)
		return devmgr_error_set(err, -EINVAL, "no configuration loaded");
	for (size_t i = 0; i < plan->ndevs; i++) {
		struct devmgr_device *dev = plan->order[i];
		if (dev->state != DEVMGR_DEVICE_CONFIGURED &&
		    dev->state != DEVMGR_DEVICE_DESTROYED)
			continue;
		struct devmgr_error e;
		devmgr_error_clear(&e);
		if (devmgr__device_create(dev, &e) == 0)
			continue;
		char ptr[256];
		snprintf(ptr, sizeof(ptr), "/devices/%s", dev->id);
		devmgr__escape(e.source, sizeof(e.source), plan->path);
		devmgr__escape(e.pointer, sizeof(e.pointer), ptr);
		record_failure(dev, &e);
		if (!failed++ && err)
			*err = e;
		if (!keep_going) {
			while (i-- > 0)
				devmgr__device_destroy(plan->order[i]);
			return e.code;
		}
	}
	ctx->created = true;
	return failed;
}

void devmgr_ctx_destroy_devices(struct devmgr_ctx *ctx)
{
	struct devmgr__plan *plan = &ctx->plan;
	for (size_t i = plan->ndevs; i-- > 0;)
		devmgr__device_destroy(plan->order[i]);
	ctx->created = false;
}

/* ---- accessors -------------------------------------------------------- */

size_t devmgr_ctx_device_count(const struct devmgr_ctx *ctx)
{
	return ctx->plan.ndevs;
}

struct devmgr_device *devmgr_ctx_device(const struct devmgr_ctx *ctx, size_t i)
{
	return i < ctx->plan.ndevs ? ctx->plan.devs[i] : NULL;
}

struct devmgr_device *devmgr_ctx_find_device(const struct devmgr_ctx *ctx,
					     const char *id)
{
	return devmgr__map_get(&ctx->plan.index, id);
}

const char *devmgr_device_id(const struct devmgr_device *dev)
{
	return dev->id;
}

const char *devmgr_device_provider_name(const struct devmgr_device *dev)
{
	return dev->prov->p->name;
}

const char *devmgr_device_sig_name(const struct devmgr_device *dev)
{
	return dev->prov->sig->name;
}

const char *devmgr_device_source(const struct devmgr_device *dev)
{
	return dev->source;
}

enum devmgr_device_state devmgr_device_state(const struct devmgr_device *dev)
{
	return dev->state;
}

const char *devmgr_device_state_name(enum devmgr_device_state s)
{
	static const char *const names[] = { "configured", "created", "bound",
					     "unplugging", "destroyed", "failed" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const struct devmgr_error *devmgr_device_error(const struct devmgr_device *dev)
{
	return dev->error;
}

size_t devmgr_device_dep_count(const struct devmgr_device *dev)
{
	return dev->ndeps;
}

struct devmgr_device *devmgr_device_dep(const struct devmgr_device *dev,
					size_t i)
{
	return i < dev->ndeps ? dev->deps[i] : NULL;
}

void *devmgr_device_handle(const struct devmgr_device *dev)
{
	if (dev->state != DEVMGR_DEVICE_CREATED &&
	    dev->state != DEVMGR_DEVICE_BOUND &&
	    dev->state != DEVMGR_DEVICE_UNPLUGGING)
		return NULL;
	return (void *)&dev->handle;
}

int devmgr_device_info_json(const struct devmgr_device *dev, char *buf,
			    size_t size)
{
	void *h = devmgr_device_handle(dev);
	if (!h)
		return -ENODEV;
	json_t *info = json_object();
	if (!info)
		return -ENOMEM;
	int r = dev->prov->sig->describe(h, info);
	if (r == 0) {
		size_t n = json_dumpb(info, buf, size, JSON_COMPACT);
		r = n && n < size ? (int)n : -ENOBUFS;
		if (r > 0)
			buf[n] = '\0';
	}
	json_decref(info);
	return r;
}

void *devmgr_device_priv(struct devmgr_device *dev)
{
	return dev->priv;
}

struct devmgr_ctx *devmgr_device_ctx(struct devmgr_device *dev)
{
	return dev->ctx;
}

void devmgr_device_set_handle_priv(struct devmgr_device *dev, void *priv)
{
	dev->handle.priv = priv;
}

int devmgr_device_set_handle_ops(struct devmgr_device *dev, const void *ops)
{
	const struct devmgr__sig *sig = dev->prov->sig;
	if (!ops)
		return -EINVAL;
	/* The same check as at registration: required ops are never NULL. */
	for (size_t i = 0; i < sig->nrequired; i++)
		if (!*(void *const *)((const char *)ops + sig->required[i]))
			return -EINVAL;
	dev->handle.ops = ops;
	return 0;
}
