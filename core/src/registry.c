/* registry.c: providers and apps known to a context, checked once when
 * they register (a plugin is outside code: a bad table is an error, not an
 * assert). */
#include "internal.h"

#include <errno.h>
#include <string.h>

/* stub: p comes from a scan record, whose code was checked in the
 * scanner; the rest is checked again, the record being untrusted. */
static int provider_check(const struct devmgr_provider *p,
			  const struct devmgr__sig **sigp, bool stub,
			  struct devmgr_error *err)
{
	if (p->size < sizeof(struct devmgr_provider))
		return devmgr_error_set(err, -EINVAL,
					"provider table too small (%u bytes)",
					p->size);
	if (!p->name || !p->name[0])
		return devmgr_error_set(err, -EINVAL,
					"provider without a name");
	const struct devmgr__sig *sig =
		p->sig ? devmgr__sig_find(p->sig) : NULL;
	if (!sig)
		return devmgr_error_set(
			err, -EINVAL,
			"provider \"%s\": unknown signature \"%s\"", p->name,
			p->sig ? p->sig : "(null)");
	if (p->sig_major != sig->major)
		return devmgr_error_set(err, -EINVAL,
					"provider \"%s\": built for %s %u.x, "
					"devmgr has %s %u.%u",
					p->name, sig->name, p->sig_major,
					sig->name, sig->major, sig->minor);
	if (!stub && (!p->ops || !p->create))
		return devmgr_error_set(err, -EINVAL, "provider \"%s\": no %s",
					p->name,
					p->ops ? "create" : "ops table");
	for (size_t i = 0; !stub && i < sig->nrequired; i++) {
		void *const *op = (void *const *)((const char *)p->ops +
						  sig->required[i]);
		if (!*op)
			return devmgr_error_set(
				err, -EINVAL,
				"provider \"%s\": required op %s.%s is NULL",
				p->name, sig->name, sig->required_names[i]);
	}
	if (p->on_sig && !devmgr__sig_find(p->on_sig))
		return devmgr_error_set(
			err, -EINVAL,
			"provider \"%s\": \"on\" of unknown signature \"%s\"",
			p->name, p->on_sig);
	int r = devmgr__params_table_check(p->params, err);
	if (r < 0) {
		char why[sizeof(err->text)];
		memcpy(why, err->text, sizeof(why));
		return devmgr_error_set(err, r, "provider \"%s\": %s", p->name,
					why);
	}
	*sigp = sig;
	return 0;
}

static int app_check(const struct devmgr_app *a, bool stub,
		     struct devmgr_error *err)
{
	if (a->size < sizeof(struct devmgr_app))
		return devmgr_error_set(err, -EINVAL,
					"app table too small (%u bytes)",
					a->size);
	if (!a->name || !a->name[0] || (!stub && !a->start))
		return devmgr_error_set(err, -EINVAL,
					"app \"%s\": no name or no start",
					a->name ? a->name : "");
	for (const struct devmgr_slot *s = a->slots; s && s->name; s++) {
		if (!devmgr__sig_find(s->sig))
			return devmgr_error_set(err, -EINVAL,
						"app \"%s\": slot %s of "
						"unknown signature \"%s\"",
						a->name, s->name, s->sig);
		if (s->offset + sizeof(void *) > a->record_size)
			return devmgr_error_set(
				err, -EINVAL,
				"app \"%s\": slot %s outside the record",
				a->name, s->name);
		if ((s->flags & DEVMGR_SLOT_HOTPLUG) && !stub && !a->unplug)
			return devmgr_error_set(
				err, -EINVAL,
				"app \"%s\": hot-plug slot %s but no unplug",
				a->name, s->name);
	}
	int r = devmgr__params_table_check(a->args, err);
	if (r < 0) {
		char why[sizeof(err->text)];
		memcpy(why, err->text, sizeof(why));
		return devmgr_error_set(err, r, "app \"%s\": %s", a->name, why);
	}
	return 0;
}

const struct devmgr__provider_entry *
devmgr__provider_lookup(const struct devmgr_ctx *ctx, const char *name)
{
	size_t i = (size_t)devmgr__map_get(&ctx->prov_index, name);
	return i ? ctx->provs[i - 1] : NULL;
}

int devmgr__register_app(struct devmgr_ctx *ctx, const struct devmgr_app *a,
			 const char *origin, struct devmgr_error *err)
{
	int r = app_check(a, false, err);
	if (r < 0)
		return r;
	const struct devmgr_app *dup = devmgr_ctx_find_app(ctx, a->name);
	if (dup) {
		for (size_t i = 0; i < ctx->napps; i++)
			if (ctx->apps[i].a == dup)
				origin = ctx->apps[i].origin;
		return devmgr_error_set(
			err, -EEXIST, "app \"%s\" already registered by %s",
			a->name, origin[0] ? origin : "the program");
	}
	if (devmgr__reserve(&ctx->apps, &ctx->apps_cap, ctx->napps + 1,
			    sizeof(*ctx->apps)))
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	ctx->apps[ctx->napps++] = (struct devmgr__app_entry){ a, origin, NULL };
	return 0;
}

/* An app's own executable links its app in; the same app in a plugin
 * folder is then the same program twice, not a conflict: the linked-in
 * one wins. */
static bool program_app(const struct devmgr_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->napps; i++)
		if (!ctx->apps[i].origin[0] &&
		    strcmp(ctx->apps[i].a->name, name) == 0)
			return true;
	return false;
}

static int check_all(const struct devmgr_plugin *d,
		     const struct devmgr__sig **sigs, bool stub,
		     struct devmgr_error *err)
{
	size_t np = 0;
	for (; d->providers && d->providers[np]; np++) {
		if (np == 64)
			return devmgr_error_set(err, -E2BIG,
						"more than 64 providers");
		int r = provider_check(d->providers[np], &sigs[np], stub, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < np; j++)
			if (strcmp(d->providers[j]->name,
				   d->providers[np]->name) == 0)
				return devmgr_error_set(
					err, -EEXIST,
					"provider \"%s\" declared twice",
					d->providers[np]->name);
	}
	for (size_t na = 0; d->apps && d->apps[na]; na++) {
		if (na == 64)
			return devmgr_error_set(err, -E2BIG,
						"more than 64 apps");
		int r = app_check(d->apps[na], stub, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int devmgr__plugin_check(const struct devmgr_plugin *d,
			 struct devmgr_error *err)
{
	const struct devmgr__sig *sigs[64];
	return check_all(d, sigs, false, err);
}

int devmgr__stub_check(const struct devmgr_plugin *d, struct devmgr_error *err)
{
	const struct devmgr__sig *sigs[64];
	return check_all(d, sigs, true, err);
}

/* All of a plugin's providers and apps register, or none do. */
int devmgr__register_plugin(struct devmgr_ctx *ctx,
			    const struct devmgr_plugin *d, const char *origin,
			    struct devmgr__lazy *lazy, struct devmgr_error *err)
{
	size_t np = 0, na = 0;
	const struct devmgr__sig *sigs[64];
	int r = check_all(d, sigs, lazy != NULL, err);
	if (r < 0)
		return r;
	for (; d->providers && d->providers[np]; np++) {
		const char *name = d->providers[np]->name;
		const struct devmgr__provider_entry *dup =
			devmgr__provider_lookup(ctx, name);
		if (dup)
			return devmgr_error_set(err, -EEXIST,
						"duplicate provider \"%s\" "
						"(already registered by %s)",
						name,
						dup->origin[0] ? dup->origin
							       : "the program");
	}
	for (; d->apps && d->apps[na]; na++)
		if (devmgr_ctx_find_app(ctx, d->apps[na]->name) &&
		    !program_app(ctx, d->apps[na]->name))
			return devmgr_error_set(err, -EEXIST,
						"duplicate app \"%s\"",
						d->apps[na]->name);
	if (devmgr__reserve(&ctx->provs, &ctx->provs_cap, ctx->nprovs + np,
			    sizeof(*ctx->provs)) ||
	    devmgr__reserve(&ctx->apps, &ctx->apps_cap, ctx->napps + na,
			    sizeof(*ctx->apps)))
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	/* Entries are allocated one by one: specifications and devices
	 * point at them, and a later scan or load adds more. */
	size_t first = ctx->nprovs;
	for (size_t i = 0; i < np; i++) {
		struct devmgr__provider_entry *e = devmgr__malloc(sizeof(*e));
		if (e) {
			*e = (struct devmgr__provider_entry){ d->providers[i],
							      sigs[i], origin,
							      lazy };
			ctx->provs[ctx->nprovs++] = e;
		}
		if (!e ||
		    devmgr__map_put(&ctx->prov_index, d->providers[i]->name,
				    (void *)ctx->nprovs)) {
			for (size_t j = first; j < ctx->nprovs; j++) {
				devmgr__map_put(&ctx->prov_index,
						ctx->provs[j]->p->name, NULL);
				devmgr__free(ctx->provs[j]);
			}
			ctx->nprovs = first;
			return devmgr_error_set(err, -ENOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < na; i++)
		if (!program_app(ctx, d->apps[i]->name))
			ctx->apps[ctx->napps++] =
				(struct devmgr__app_entry){ d->apps[i], origin,
							    lazy };
	return 0;
}

/* The public index i among the entries that are not gone. */
static const struct devmgr__provider_entry *
nth_provider(const struct devmgr_ctx *ctx, size_t i)
{
	for (size_t k = 0; k < ctx->nprovs; k++)
		if (!DEVMGR__GONE(ctx->provs[k]) && i-- == 0)
			return ctx->provs[k];
	return NULL;
}

static const struct devmgr__app_entry *nth_app(const struct devmgr_ctx *ctx,
					       size_t i)
{
	for (size_t k = 0; k < ctx->napps; k++)
		if (!DEVMGR__GONE(&ctx->apps[k]) && i-- == 0)
			return &ctx->apps[k];
	return NULL;
}

size_t devmgr_ctx_provider_count(const struct devmgr_ctx *ctx)
{
	size_t n = 0;
	for (size_t k = 0; k < ctx->nprovs; k++)
		n += !DEVMGR__GONE(ctx->provs[k]);
	return n;
}

const struct devmgr_provider *devmgr_ctx_provider(const struct devmgr_ctx *ctx,
						  size_t i)
{
	const struct devmgr__provider_entry *e = nth_provider(ctx, i);
	return e ? e->p : NULL;
}

const char *devmgr_ctx_provider_origin(const struct devmgr_ctx *ctx, size_t i)
{
	const struct devmgr__provider_entry *e = nth_provider(ctx, i);
	return e ? e->origin : NULL;
}

const struct devmgr_provider *
devmgr_ctx_find_provider(const struct devmgr_ctx *ctx, const char *name)
{
	const struct devmgr__provider_entry *e =
		devmgr__provider_lookup(ctx, name);
	return e ? e->p : NULL;
}

size_t devmgr_ctx_app_count(const struct devmgr_ctx *ctx)
{
	size_t n = 0;
	for (size_t k = 0; k < ctx->napps; k++)
		n += !DEVMGR__GONE(&ctx->apps[k]);
	return n;
}

const struct devmgr_app *devmgr_ctx_app(const struct devmgr_ctx *ctx, size_t i)
{
	const struct devmgr__app_entry *e = nth_app(ctx, i);
	return e ? e->a : NULL;
}

const struct devmgr_app *devmgr_ctx_find_app(const struct devmgr_ctx *ctx,
					     const char *name)
{
	for (size_t i = 0; i < ctx->napps; i++)
		if (!DEVMGR__GONE(&ctx->apps[i]) &&
		    strcmp(ctx->apps[i].a->name, name) == 0)
			return ctx->apps[i].a;
	return NULL;
}

size_t devmgr_ctx_plugin_count(const struct devmgr_ctx *ctx)
{
	return ctx->nplugins;
}

const struct devmgr_plugin *devmgr_ctx_plugin(const struct devmgr_ctx *ctx,
					      size_t i, const char **path)
{
	if (i >= ctx->nplugins)
		return NULL;
	if (path)
		*path = ctx->plugins[i].path;
	return ctx->plugins[i].d;
}

size_t devmgr_ctx_refusal_count(const struct devmgr_ctx *ctx)
{
	return ctx->nrefusals;
}

const struct devmgr_error *devmgr_ctx_refusal(const struct devmgr_ctx *ctx,
					      size_t i)
{
	return i < ctx->nrefusals ? &ctx->refusals[i] : NULL;
}
