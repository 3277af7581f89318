/* device.c: the device object: creating and destroying one through its
 * provider, a context's devices created in dependency order and destroyed
 * in the reverse, and the accessors apps and providers call. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- creating and destroying ----------------------------------------- */

int devmgr__device_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	/* A provider known from its file's scan is loaded now (a device
	 * hot-plugged from xenstore, found by its Xen class). */
	int r = devmgr__provider_ready(dev->ctx, dev->prov, err);
	if (r < 0)
		return r;
	const struct devmgr_provider *p = dev->prov->p;
	for (size_t i = 0; i < dev->spec->ndeps; i++)
		if (dev->deps[i]->state != DEVMGR_DEVICE_CREATED &&
		    dev->deps[i]->state != DEVMGR_DEVICE_BOUND)
			return devmgr_error_set(err, -ENODEV,
						"depends on device \"%s\", "
						"which was not created",
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
	r = p->create(dev, &e);
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

struct devmgr_device *devmgr__device_new(struct devmgr_ctx *ctx,
					 struct devmgr__spec *spec)
{
	struct devmgr_device *dev = devmgr__calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->ctx = ctx;
	dev->spec = spec;
	spec->refs++;
	dev->id = spec->id;
	dev->prov = spec->prov;
	return dev;
}

void devmgr__device_free(struct devmgr_device *dev)
{
	if (!dev)
		return;
	devmgr__device_destroy(dev);
	devmgr__spec_put(dev->spec);
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
		return devmgr_error_set(err, -EINVAL,
					"no configuration loaded");
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
	return dev->spec->source;
}

enum devmgr_device_state devmgr_device_state(const struct devmgr_device *dev)
{
	return dev->state;
}

const char *devmgr_device_state_name(enum devmgr_device_state s)
{
	static const char *const names[] = {
		"configured", "created",   "bound",
		"unplugging", "destroyed", "failed"
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const struct devmgr_error *devmgr_device_error(const struct devmgr_device *dev)
{
	return dev->error;
}

size_t devmgr_device_dep_count(const struct devmgr_device *dev)
{
	return dev->spec->ndeps;
}

struct devmgr_device *devmgr_device_dep(const struct devmgr_device *dev,
					size_t i)
{
	return i < dev->spec->ndeps ? dev->deps[i] : NULL;
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
