/* ctx.c: the context: its life, its configuration, and running an app. */
#include "internal.h"

#include <errno.h>
#include <string.h>

struct devmgr_ctx *
devmgr_ctx_new_linked(const struct devmgr_plugin *const *start,
		      const struct devmgr_plugin *const *stop)
{
	struct devmgr_ctx *ctx = devmgr__calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	devmgr_ctx_set_log(ctx, NULL, NULL, DEVMGR_LOG_WARN);
	if (devmgr__loop_init(&ctx->loop) < 0) {
		devmgr_ctx_free(ctx);
		return NULL;
	}
	for (const struct devmgr_plugin *const *p = start; p && p < stop; p++) {
		struct devmgr_error e;
		devmgr_error_clear(&e);
		int r = devmgr__register_plugin(ctx, *p, "", &e);
		if (r == -ENOMEM) {
			devmgr_ctx_free(ctx);
			return NULL;
		}
		if (r < 0) { /* a linked-in table is wrong: say so, go on */
			devmgr_log(ctx, DEVMGR_LOG_ERROR,
				   "linked-in plugin %s: %s",
				   (*p)->name ? (*p)->name : "?", e.text);
			continue;
		}
		char *none = devmgr__strdup("");
		if (!none ||
		    devmgr__reserve(&ctx->plugins, &ctx->plugins_cap,
				    ctx->nplugins + 1, sizeof(*ctx->plugins))) {
			devmgr__free(none);
			devmgr_ctx_free(ctx);
			return NULL;
		}
		ctx->plugins[ctx->nplugins++] =
			(struct devmgr__plugin_entry){ *p, none };
	}
	return ctx;
}

void devmgr_ctx_free(struct devmgr_ctx *ctx)
{
	if (!ctx)
		return;
	devmgr_ctx_stop_app(ctx);
	devmgr__xs_close(ctx);
	json_decref(ctx->waiting_said);
	json_decref(ctx->xs_node_wait);
	devmgr__free(ctx->app_pending);
	if (ctx->have_plan) {
		devmgr_ctx_destroy_devices(ctx);
		devmgr__plan_free(&ctx->plan);
	}
	devmgr__loop_fini(&ctx->loop);
	for (size_t i = 0; i < ctx->ndirs; i++)
		devmgr__free(ctx->dirs[i]);
	devmgr__free(ctx->dirs);
	for (size_t i = 0; i < ctx->nplugins; i++)
		devmgr__free(ctx->plugins[i].path);
	devmgr__free(ctx->plugins);
	devmgr__free(ctx->provs);
	devmgr__map_free(&ctx->prov_index);
	devmgr__free(ctx->apps);
	for (size_t i = 0; i < ctx->nrefusals; i++)
		devmgr__free(ctx->refusal_provs[i]);
	devmgr__free(ctx->refusal_provs);
	devmgr__free(ctx->refusals);
	devmgr__free(ctx);
}

static int unknown_app(struct devmgr_ctx *ctx, const char *path,
		       const char *name, struct devmgr_error *err)
{
	const char *names[64];
	size_t n = 0;
	for (; n < ctx->napps && n < 64; n++)
		names[n] = ctx->apps[n].a->name;
	const char *hint = devmgr__did_you_mean(name, names, n);
	if (hint)
		return devmgr__error_at(
			err, -ENOENT, path, "/app/name",
			"unknown app \"%s\" (did you mean \"%s\"?)", name,
			hint);
	return devmgr__error_at(err, -ENOENT, path, "/app/name",
				"unknown app \"%s\"", name);
}

static int load(struct devmgr_ctx *ctx, const char *text, const char *name,
		struct devmgr_error *err)
{
	if (ctx->have_plan)
		return devmgr_error_set(err, -EBUSY,
					"a configuration is loaded already");
	struct devmgr__plan plan;
	int r = devmgr__plan_load(ctx, text, name, &plan, err);
	if (r < 0)
		return r;
	if (plan.app_name) {
		const struct devmgr_app *app =
			devmgr_ctx_find_app(ctx, plan.app_name);
		if (!app)
			r = unknown_app(ctx, plan.path, plan.app_name, err);
		else
			r = devmgr__plan_check_app(ctx, &plan, app, true, err);
		if (r < 0) {
			devmgr__plan_free(&plan);
			return r;
		}
	}
	ctx->plan = plan;
	ctx->have_plan = true;
	return 0;
}

int devmgr_ctx_load_config(struct devmgr_ctx *ctx, const char *path,
			   struct devmgr_error *err)
{
	return load(ctx, NULL, path, err);
}

int devmgr_ctx_load_config_string(struct devmgr_ctx *ctx, const char *text,
				  const char *name, struct devmgr_error *err)
{
	return load(ctx, text, name ? name : "<string>", err);
}

int devmgr_ctx_start_app(struct devmgr_ctx *ctx, const char *app_name,
			 struct devmgr_error *err)
{
	if (!app_name)
		app_name = ctx->plan.app_name;
	if (!app_name)
		return devmgr__error_at(err, -EINVAL, ctx->plan.path, "/app",
					"no app named (app.name)");
	const struct devmgr_app *app = devmgr_ctx_find_app(ctx, app_name);
	if (!app)
		return unknown_app(ctx, ctx->plan.path, app_name, err);
	if (ctx->app)
		return devmgr_error_set(err, -EBUSY,
					"an app is running already");
	ctx->app = app;
	int r = devmgr__bind(ctx, err);
	if (r < 0) {
		ctx->app = NULL;
		return r;
	}
	r = app->start(ctx, ctx->record);
	if (r < 0) {
		devmgr__unbind(ctx);
		ctx->app = NULL;
		return devmgr__error_at(err, r, NULL, NULL,
					"app %s failed to start: %s", app_name,
					strerror(-r));
	}
	ctx->app_started = true;
	return 0;
}

void devmgr_ctx_stop_app(struct devmgr_ctx *ctx)
{
	if (!ctx->app)
		return;
	if (ctx->app_started && ctx->app->stop)
		ctx->app->stop(ctx, ctx->record);
	ctx->app_started = false;
	ctx->loop.draining = false;
	devmgr__unbind(ctx);
	ctx->app = NULL;
}

int devmgr_run(struct devmgr_ctx *ctx, const char *app_name,
	       struct devmgr_error *err)
{
	int r = devmgr__loop_signals(ctx, true);
	if (r < 0)
		return devmgr_error_set(err, r, "signals: %s", strerror(-r));
	r = devmgr_ctx_create_devices(ctx, false, err);
	if (r == 0)
		r = devmgr_ctx_start_app(ctx, app_name, err);
	const char *name = app_name ? app_name : ctx->plan.app_name;
	const char *waits = r == -ENODEV && ctx->xs && name &&
					    devmgr_ctx_find_app(ctx, name)
				    ? devmgr__app_waits(&ctx->plan)
				    : NULL;
	if (waits) {
		/* A device the app requires waits for xenstore: the app
		 * starts when it is up (devmgr__xs_replan), as if devmgr had
		 * been started then. */
		ctx->app_pending = devmgr__strdup(name);
		if (!ctx->app_pending)
			r = devmgr_error_set(err, -ENOMEM, "out of memory");
		else
			r = 0;
		devmgr_log(ctx, DEVMGR_LOG_INFO,
			   "app %s starts when device %s is up",
			   ctx->app_pending ? ctx->app_pending : "?", waits);
	}
	while (r == 0 && !ctx->loop.exiting) {
		int n = devmgr_ctx_dispatch(ctx, -1);
		if (n < 0)
			r = devmgr_error_set(err, n, "event loop: %s",
					     strerror(-n));
	}
	devmgr_ctx_stop_app(ctx);
	devmgr__free(ctx->app_pending);
	ctx->app_pending = NULL;
	devmgr_ctx_destroy_devices(ctx);
	devmgr__loop_signals(ctx, false);
	return r < 0 ? r : ctx->loop.status;
}
