/* config.c: the JSON configuration file (CONTRACT.md, version 1), read
 * with jansson into a checked plan: every device's provider and
 * parameters, the app's bindings and arguments.  Nothing is created here.
 * Syntax errors carry line and column; meaning errors a JSON pointer. */
#include "internal.h"
#include "xs_map.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cfg {
	struct devmgr_ctx *ctx;
	struct devmgr__plan *plan;
	const char *src; /* the name errors give */
	struct devmgr_error *err;
};

#define FAIL(c, code, ptr, ...)                                                \
	devmgr__error_at((c)->err, (code), (c)->src, (ptr), __VA_ARGS__)

/* A JSON pointer for "/<prefix>/<key>", escaping '~' and '/'; a key
 * too long for buf is cut and ends with "...". */
static void pointer(char *buf, size_t size, const char *prefix, const char *key)
{
	size_t n = (size_t)snprintf(buf, size, "%s/", prefix);
	if (n + 4 >= size)
		return;
	size_t need = 0;
	for (const char *k = key; *k; k++)
		need += *k == '~' || *k == '/' ? 2 : 1;
	size_t room = n + need < size ? need : size - n - 4;
	for (size_t used = 0; *key; key++) {
		bool esc = *key == '~' || *key == '/';
		if (used + 1 + esc > room)
			break;
		if (esc) {
			buf[n++] = '~';
			buf[n++] = *key == '~' ? '0' : '1';
		} else {
			buf[n++] = *key;
		}
		used += 1 + esc;
	}
	if (*key) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > 64 ||
	    !((id[0] >= 'A' && id[0] <= 'Z') || (id[0] >= 'a' && id[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = id[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

#define ID_RULE "^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
/* A longer id is shown cut, so that the message keeps its reason. */
#define ID_MAX 64

static const char *kind(const json_t *v)
{
	static const char *const k[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",  [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number",    [JSON_TRUE] = "a boolean",
		[JSON_FALSE] = "a boolean",  [JSON_NULL] = "null",
	};
	return k[json_typeof(v)];
}

static int unknown_keys(struct cfg *c, json_t *obj, const char *prefix,
			const char *const *allowed, size_t n)
{
	const char *key;
	json_t *v;
	json_object_foreach (obj, key, v) {
		size_t i = 0;
		while (i < n && strcmp(key, allowed[i]) != 0)
			i++;
		if (i < n)
			continue;
		char ptr[256];
		pointer(ptr, sizeof(ptr), prefix, key);
		const char *hint = devmgr__did_you_mean(key, allowed, n);
		if (hint)
			return FAIL(c, -EINVAL, ptr,
				    "unknown key \"%s\" (did you mean \"%s\"?)",
				    key, hint);
		return FAIL(c, -EINVAL, ptr, "unknown key \"%s\"", key);
	}
	return 0;
}

/* "on" and bind values: an id or a non-empty list of ids. */
static int id_list(struct cfg *c, json_t *v, const char *ptr, bool many,
		   char ***out, size_t *n)
{
	size_t count = json_is_array(v) ? json_array_size(v) : 1;
	if (!(json_is_string(v) || (many && json_is_array(v) && count > 0)))
		return FAIL(c, -EINVAL, ptr,
			    many ? "expected a device id or a non-empty list "
				   "of them, got %s"
				 : "expected a device id, got %s",
			    kind(v));
	char **ids = devmgr__calloc(count, sizeof(*ids));
	if (!ids)
		return FAIL(c, -ENOMEM, ptr, "out of memory");
	for (size_t i = 0; i < count; i++) {
		json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(e)) {
			devmgr__free(ids);
			return FAIL(c, -EINVAL, ptr,
				    "expected a device id, got %s", kind(e));
		}
		ids[i] = (char *)json_string_value(e); /* borrowed from root */
	}
	*out = ids;
	*n = count;
	return 0;
}

/* A refused plugin that would have brought name: the error names both. */
static const struct devmgr_error *refused_for(struct devmgr_ctx *ctx,
					      const char *name)
{
	for (size_t i = 0; i < ctx->nrefusals; i++)
		if (devmgr__refusal_provides(ctx, i, name))
			return &ctx->refusals[i];
	/* A file refused before its descriptor could be read: by name. */
	for (size_t i = 0; i < ctx->nrefusals; i++) {
		const char *base = strrchr(ctx->refusals[i].source, '/');
		base = base ? base + 1 : ctx->refusals[i].source;
		size_t n = strlen(name);
		if (strncmp(base, name, n) == 0 && strcmp(base + n, ".so") == 0)
			return &ctx->refusals[i];
	}
	return NULL;
}

static int unknown_provider(struct cfg *c, const char *name, const char *ptr)
{
	const struct devmgr_error *r = refused_for(c->ctx, name);
	if (r)
		return FAIL(c, -ENOENT, ptr,
			    "provider \"%s\" is in plugin %s, which was "
			    "refused: %s",
			    name, r->source, r->text);
	const char **names = devmgr__calloc(c->ctx->nprovs + 1, sizeof(*names));
	if (!names)
		return FAIL(c, -ENOMEM, ptr, "out of memory");
	for (size_t i = 0; i < c->ctx->nprovs; i++)
		names[i] = c->ctx->provs[i].p->name;
	const char *hint = devmgr__did_you_mean(name, names, c->ctx->nprovs);
	if (hint)
		FAIL(c, -ENOENT, ptr,
		     "unknown provider \"%s\" (did you mean \"%s\"?)", name,
		     hint);
	else
		FAIL(c, -ENOENT, ptr, "unknown provider \"%s\"", name);
	devmgr__free(names);
	return -ENOENT;
}

/* The provider's own check of its parameters (what create() refuses
 * for their values), so that validate refuses it too. */
static int provider_check(struct cfg *c, struct devmgr_device *dev,
			  const char *ptr)
{
	const struct devmgr_provider *p = dev->prov->p;
	struct devmgr_error e;
	devmgr_error_clear(&e);
	if (!p->check)
		return 0;
	int r = p->check(dev, &e);
	if (r >= 0)
		return 0;
	char where[sizeof(e.pointer) + 300];
	if (e.pointer[0])
		pointer(where, sizeof(where), ptr, e.pointer);
	return FAIL(c, r, e.pointer[0] ? where : ptr, "%s",
		    e.text[0] ? e.text : strerror(-r));
}

static int device_spec(struct cfg *c, const char *id, json_t *spec,
		       struct devmgr_device *dev)
{
	char ptr[256], sub[300];
	pointer(ptr, sizeof(ptr), "/devices", id);
	if (strlen(id) > ID_MAX)
		return FAIL(
			c, -EINVAL, ptr,
			"invalid device id \"%.*s...\" (too long: %zu bytes, "
			"at most %d; must match " ID_RULE ")",
			ID_MAX, id, strlen(id), ID_MAX);
	if (!valid_id(id))
		return FAIL(c, -EINVAL, ptr,
			    "invalid device id \"%s\" (must match " ID_RULE ")",
			    id);
	if (!json_is_object(spec))
		return FAIL(c, -EINVAL, ptr, "expected an object, got %s",
			    kind(spec));
	json_t *pv = json_object_get(spec, "provider");
	if (!pv)
		return FAIL(c, -EINVAL, ptr, "missing \"provider\"");
	snprintf(sub, sizeof(sub), "%s/provider", ptr);
	if (!json_is_string(pv))
		return FAIL(c, -EINVAL, sub, "expected a string, got %s",
			    kind(pv));
	dev->prov = devmgr__provider_lookup(c->ctx, json_string_value(pv));
	if (!dev->prov)
		return unknown_provider(c, json_string_value(pv), sub);
	const struct devmgr_provider *p = dev->prov->p;
	json_t *on = json_object_get(spec, "on");
	snprintf(sub, sizeof(sub), "%s/on", ptr);
	if (on && !p->on_sig)
		return FAIL(c, -EINVAL, sub, "provider %s takes no \"on\"",
			    p->name);
	if (on) {
		int r = id_list(c, on, sub, true, &dev->on_ids, &dev->ndeps);
		if (r < 0)
			return r;
	}
	if (p->on_sig && (dev->ndeps < p->on_min || dev->ndeps > p->on_max)) {
		if (p->on_min == p->on_max)
			return FAIL(c, -EINVAL, on ? sub : ptr,
				    "provider %s needs %u \"on\" device%s of "
				    "signature %s",
				    p->name, p->on_min,
				    p->on_min == 1 ? "" : "s", p->on_sig);
		return FAIL(c, -EINVAL, on ? sub : ptr,
			    "provider %s needs %u to %u \"on\" devices of "
			    "signature %s",
			    p->name, p->on_min, p->on_max, p->on_sig);
	}
	char what[128];
	snprintf(what, sizeof(what), "provider %s", p->name);
	static const char *const skip[] = { "provider", "on", NULL };
	dev->params = devmgr__params_check(p->params, spec, skip, c->plan->dir,
					   what, c->src, ptr, c->err);
	if (!dev->params)
		return c->err ? c->err->code : -EINVAL;
	dev->id = devmgr__strdup(id);
	if (!dev->id)
		return FAIL(c, -ENOMEM, ptr, "out of memory");
	dev->spec = json_incref(spec);
	return 0;
}

static int add_device(struct cfg *c, const char *id, json_t *spec,
		      const char *source)
{
	struct devmgr__plan *plan = c->plan;
	struct devmgr_device *dev = devmgr__calloc(1, sizeof(*dev));
	if (!dev)
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	dev->ctx = c->ctx;
	plan->devs[plan->ndevs++] = dev;
	int r = device_spec(c, id, spec, dev);
	if (r < 0)
		return r;
	/* A xenstore device's values are the toolstack's: one that the
	 * provider refuses fails that device alone when it is created, not
	 * the plan of every other. */
	if (!source) {
		char ptr[256];
		pointer(ptr, sizeof(ptr), "/devices", id);
		if ((r = provider_check(c, dev, ptr)) < 0)
			return r;
	}
	if (source && !(dev->source = devmgr__strdup(source)))
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	if (devmgr__map_put(&plan->index, dev->id, dev))
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	return 0;
}

/* Can id name a device the xenstore source brings?  Its ids are
 * "<class>-<devid>" (xs_source.c) with a numeric devid, as Xen writes
 * them, and a class the source reads: vbd, vif, console, one a provider
 * declares or one the map names.  *prov: the provider the class goes to,
 * if known, so that a signature mismatch is found at validate time. */
static bool xs_id(struct cfg *c, json_t *xs, const char *id,
		  const struct devmgr__provider_entry **prov)
{
	const char *dash = strrchr(id, '-');
	if (!dash || dash == id || !dash[1] || strlen(dash + 1) > 10)
		return false;
	for (const char *p = dash + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	char cls[65];
	size_t n = (size_t)(dash - id);
	if (n >= sizeof(cls))
		return false;
	memcpy(cls, id, n);
	cls[n] = '\0';
	json_t *map = json_object_get(xs, "map");
	bool known = strcmp(cls, "vbd") == 0 || strcmp(cls, "vif") == 0 ||
		     strcmp(cls, "console") == 0 ||
		     (json_is_object(map) && json_object_get(map, cls));
	for (size_t i = 0; i < c->ctx->nprovs && !known; i++) {
		const char *xc = c->ctx->provs[i].p->xen_class;
		known = xc && strcmp(xc, cls) == 0;
	}
	if (!known)
		return false;
	*prov = devmgr__xs_provider(c->ctx, json_is_object(map) ? map : NULL,
				    cls);
	return true;
}

/* The xenstore id a file device waits for, or NULL: one of its "on" is
 * a xenstore id that is not up, or a device that waits itself.  An "on"
 * that is neither a device nor a xenstore id keeps it in the plan, where
 * the graph reports it as unknown. */
static int waits_for(struct cfg *c, json_t *xs, struct devmgr_device *d,
		     const char **out)
{
	const char *wait = NULL;
	*out = NULL;
	for (size_t i = 0; i < d->ndeps; i++) {
		const char *on = d->on_ids[i];
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
		pointer(ptr, sizeof(ptr), "/devices", d->id);
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
static int waiting_cycle(struct cfg *c)
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
			while (i < d->ndeps &&
			       (!json_object_get(plan->waiting, d->on_ids[i]) ||
				json_object_get(done, d->on_ids[i])))
				i++;
			if (i < d->ndeps)
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
		pointer(ptr, sizeof(ptr), "/devices", id);
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
static int leave_out_waiting(struct cfg *c, json_t *xs)
{
	struct devmgr__plan *plan = c->plan;
	bool more = true;
	while (more) {
		more = false;
		for (size_t i = 0; i < plan->ndevs; i++) {
			struct devmgr_device *d = plan->devs[i];
			const char *wait;
			if (d->source || json_object_get(plan->waiting, d->id))
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

/* The file's devices, then those the xenstore source has up (a file's
 * device keeps its id; the source reports the clash). */
static int devices(struct cfg *c, json_t *devs)
{
	if (!devs)
		return FAIL(c, -EINVAL, "/",
			    "missing required key \"devices\"");
	if (!json_is_object(devs))
		return FAIL(c, -EINVAL, "/devices",
			    "expected an object, got %s", kind(devs));
	struct devmgr__plan *plan = c->plan;
	json_t *xs = c->ctx->xs_specs;
	size_t n = json_object_size(devs) + json_object_size(xs);
	plan->devs = devmgr__calloc(n, sizeof(*plan->devs));
	plan->order = devmgr__calloc(n, sizeof(*plan->order));
	if (!plan->devs || !plan->order)
		return FAIL(c, -ENOMEM, "/devices", "out of memory");
	const char *id;
	json_t *spec;
	int r;
	json_object_foreach (devs, id, spec) {
		if ((r = add_device(c, id, spec, NULL)) < 0)
			return r;
	}
	json_object_foreach (xs, id, spec) {
		if (json_object_get(devs, id))
			continue;
		json_t *src = json_object_get(c->ctx->xs_sources, id);
		if ((r = add_device(c, id, spec, json_string_value(src))) < 0)
			return r;
	}
	json_t *xsec = json_object_get(c->plan->root, "xenstore");
	return json_is_object(xsec) ? leave_out_waiting(c, xsec) : 0;
}

static int plugin_path(struct cfg *c, json_t *pp)
{
	if (!pp)
		return 0;
	if (!json_is_array(pp))
		return FAIL(c, -EINVAL, "/plugin_path",
			    "expected an array, got %s", kind(pp));
	size_t i;
	json_t *v;
	json_array_foreach (pp, i, v) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/plugin_path/%zu", i);
		if (!json_is_string(v) || !json_string_value(v)[0])
			return FAIL(c, -EINVAL, ptr,
				    "expected a non-empty folder name, got %s",
				    kind(v));
		struct devmgr_error e;
		int r = devmgr_ctx_add_plugin_dir(c->ctx, json_string_value(v),
						  c->plan->dir, &e);
		if (r < 0 && r != -ENOENT)
			return FAIL(c, r, ptr, "%s: %s", e.source, e.text);
	}
	return 0;
}

static int app_section(struct cfg *c, json_t *app)
{
	if (!app)
		return 0;
	if (!json_is_object(app))
		return FAIL(c, -EINVAL, "/app", "expected an object, got %s",
			    kind(app));
	static const char *const keys[] = { "name", "bind", "args" };
	int r = unknown_keys(c, app, "/app", keys, 3);
	if (r < 0)
		return r;
	json_t *name = json_object_get(app, "name");
	if (!name)
		return FAIL(c, -EINVAL, "/app", "missing \"name\"");
	if (!json_is_string(name))
		return FAIL(c, -EINVAL, "/app/name",
			    "expected a string, got %s", kind(name));
	json_t *bind = json_object_get(app, "bind");
	if (bind && !json_is_object(bind))
		return FAIL(c, -EINVAL, "/app/bind",
			    "expected an object, got %s", kind(bind));
	json_t *args = json_object_get(app, "args");
	if (args && !json_is_object(args))
		return FAIL(c, -EINVAL, "/app/args",
			    "expected an object, got %s", kind(args));
	const char *slot;
	json_t *v;
	json_object_foreach (bind, slot, v) {
		char ptr[256];
		pointer(ptr, sizeof(ptr), "/app/bind", slot);
		char **ids;
		size_t n;
		r = id_list(c, v, ptr, true, &ids, &n);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n && r == 0; i++)
			if (!devmgr__map_get(&c->plan->index, ids[i]) &&
			    !json_object_get(c->plan->waiting, ids[i]))
				r = FAIL(c, -ENOENT, ptr,
					 "unknown device \"%s\"", ids[i]);
		devmgr__free(ids);
		if (r < 0)
			return r;
	}
	c->plan->app_name = json_string_value(name);
	c->plan->app_bind = bind;
	c->plan->app_args = args;
	return 0;
}

/* Only the shape is checked here; the xenstore source reads the rest. */
static int xenstore_section(struct cfg *c, json_t *xs)
{
	if (!xs)
		return 0;
	if (!json_is_object(xs))
		return FAIL(c, -EINVAL, "/xenstore",
			    "expected an object, got %s", kind(xs));
	static const char *const keys[] = { "domain_path", "map",
					    "incomplete_timeout_ms" };
	int r = unknown_keys(c, xs, "/xenstore", keys, 3);
	if (r < 0)
		return r;
	json_t *to = json_object_get(xs, "incomplete_timeout_ms");
	if (to && (!json_is_integer(to) || json_integer_value(to) < 0 ||
		   json_integer_value(to) > 86400000))
		return FAIL(c, -EINVAL, "/xenstore/incomplete_timeout_ms",
			    "expected milliseconds from 0 to 86400000");
	json_t *dp = json_object_get(xs, "domain_path");
	if (dp && !json_is_string(dp))
		return FAIL(c, -EINVAL, "/xenstore/domain_path",
			    "expected a string, got %s", kind(dp));
	if (dp && json_string_value(dp)[0] != '/')
		return FAIL(c, -EINVAL, "/xenstore/domain_path",
			    "expected an absolute xenstore path "
			    "(\"/local/domain/N\")");
	json_t *map = json_object_get(xs, "map");
	if (map && !json_is_object(map))
		return FAIL(c, -EINVAL, "/xenstore/map",
			    "expected an object, got %s", kind(map));
	const char *cls;
	json_t *m;
	json_object_foreach (map, cls, m) {
		char ptr[256];
		pointer(ptr, sizeof(ptr), "/xenstore/map", cls);
		if (!json_is_object(m))
			return FAIL(c, -EINVAL, ptr,
				    "expected an object, got %s", kind(m));
		json_t *pv = json_object_get(m, "provider");
		if (pv && !json_is_string(pv))
			return FAIL(c, -EINVAL, ptr,
				    "\"provider\" must be a string");
	}
	return 0;
}

static int check_root(struct cfg *c, json_t *root)
{
	if (!json_is_object(root))
		return FAIL(c, -EINVAL, "/",
			    "expected an object, got %s (the configuration "
			    "must be a JSON object)",
			    kind(root));
	json_t *ver = json_object_get(root, "devmgr");
	if (!ver)
		return FAIL(c, -EINVAL, "/", "missing required key \"devmgr\"");
	if (!json_is_integer(ver))
		return FAIL(c, -EINVAL, "/devmgr",
			    "expected the format version 1, got %s", kind(ver));
	if (json_integer_value(ver) != 1)
		return FAIL(
			c, -EINVAL, "/devmgr",
			"unsupported format version %lld (this devmgr reads 1)",
			(long long)json_integer_value(ver));
	static const char *const keys[] = { "devmgr", "plugin_path", "devices",
					    "app", "xenstore" };
	int r = unknown_keys(c, root, "", keys, 5);
	if (r < 0)
		return r;
	if ((r = plugin_path(c, json_object_get(root, "plugin_path"))) < 0)
		return r;
	devmgr_ctx_load_plugins(c->ctx);
	if ((r = devices(c, json_object_get(root, "devices"))) < 0 ||
	    (r = app_section(c, json_object_get(root, "app"))) < 0 ||
	    (r = xenstore_section(c, json_object_get(root, "xenstore"))) < 0)
		return r;
	return devmgr__plan_graph(c->plan, c->err);
}

/* Open path for reading only when it is a regular file: a FIFO would
 * block the reader until a writer comes, a device never ends.  O_NONBLOCK
 * keeps open() itself from waiting for a FIFO's writer. */
static int open_config(struct cfg *c, const char *path, int *fdp)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0) {
		int e = errno;
		return FAIL(c, -e, NULL, "unable to open %s: %s", path,
			    strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return FAIL(c, -e, NULL, "unable to stat %s: %s", path,
			    strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return FAIL(c, -EINVAL, NULL, "not a regular file (%s)",
			    devmgr__file_kind(st.st_mode));
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		return FAIL(c, -e, NULL, "unable to read %s: %s", path,
			    strerror(e));
	}
	*fdp = fd;
	return 0;
}

/* jansson's messages in plain words: some name its own flags, which mean
 * nothing to someone writing a configuration. */
static void syntax_text(char *buf, size_t size, const char *text)
{
	static const struct {
		const char *jansson, *plain;
	} words[] = {
		{ "'[' or '{' expected",
		  "the configuration must be a JSON object: '{' expected" },
		{ "\\u0000 is not allowed without JSON_ALLOW_NUL",
		  "\\u0000 (a NUL character) is not allowed in a string" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].jansson);
		if (strncmp(text, words[i].jansson, n) == 0) {
			snprintf(buf, size, "%s%s", words[i].plain, text + n);
			return;
		}
	}
	snprintf(buf, size, "%s", text);
}

static int parse(struct cfg *c, const char *text, const char *path)
{
	json_error_t je;
	json_t *root;
	if (text) {
		root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	} else {
		int fd = -1, r = open_config(c, path, &fd);
		if (r < 0)
			return r;
		root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
		int e = errno;
		close(fd);
		errno = e;
	}
	if (!root) {
		if (je.line < 1 && errno == ENOMEM)
			return FAIL(c, -ENOMEM, NULL, "out of memory");
		char plain[sizeof(je.text) + 64];
		syntax_text(plain, sizeof(plain), je.text);
		devmgr__error_at(c->err, -EINVAL, c->src, NULL, "%s", plain);
		if (c->err && je.line > 0) {
			c->err->line = je.line;
			c->err->column = je.column > 0 ? je.column : 1;
		}
		return -EINVAL;
	}
	c->plan->root = root;
	return 0;
}

int devmgr__plan_rebuild(struct devmgr_ctx *ctx, struct devmgr__plan *np,
			 struct devmgr_error *err)
{
	struct devmgr__plan *op = &ctx->plan;
	struct cfg c = { ctx, np, op->path, err };
	memset(np, 0, sizeof(*np));
	devmgr_error_clear(err);
	np->path = devmgr__strdup(op->path);
	np->dir = op->dir ? devmgr__strdup(op->dir) : NULL;
	np->root = json_incref(op->root);
	int r = 0;
	if (!np->path || (op->dir && !np->dir))
		r = FAIL(&c, -ENOMEM, NULL, "out of memory");
	if (r == 0)
		r = check_root(&c, np->root);
	if (r < 0)
		devmgr__plan_free(np);
	return r;
}

int devmgr__plan_load(struct devmgr_ctx *ctx, const char *text,
		      const char *path, struct devmgr__plan *plan,
		      struct devmgr_error *err)
{
	struct cfg c = { ctx, plan, path, err };
	char dirbuf[PATH_MAX];
	memset(plan, 0, sizeof(*plan));
	devmgr_error_clear(err);
	plan->path = devmgr__strdup(path);
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	char *dir = text ? NULL : dirname(dirbuf);
	char real[PATH_MAX];
	if (dir && realpath(dir, real))
		dir = real;
	plan->dir = dir ? devmgr__strdup(dir) : NULL;
	if (!plan->path || (dir && !plan->dir))
		return FAIL(&c, -ENOMEM, NULL, "out of memory");
	int r = parse(&c, text, path);
	if (r == 0)
		r = check_root(&c, plan->root);
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
	json_decref(plan->root);
	devmgr__free(plan->path);
	devmgr__free(plan->dir);
	memset(plan, 0, sizeof(*plan));
}
