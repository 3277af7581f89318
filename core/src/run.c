/* run.c: the run policy, in one place: loading the configuration,
 * starting and stopping the app, what a signal does (SIGHUP re-reads the
 * file), an app that waits for devices, and a source that changed (the
 * xenstore set is planned with the file's checked set, which is not read
 * again).  The loop (loop.c) and the xenstore source report to it through
 * callbacks; it asks plan.c for a plan and apply.c to apply it. */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

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

/* The one place that loads plugins for a configuration: every plugin
 * file is known from its scan, and only the files of the providers its
 * devices name (those "on" are devices of the file too) and of its app
 * are loaded, before the devices are checked (a provider's own check is
 * code).  A provider that the xenstore map or a Xen class brings in later
 * is loaded when its device is created.  A file that cannot be loaded is
 * refused here, and the check then says so for the device naming it. */
static void load_providers(struct devmgr_ctx *ctx,
			   const struct devmgr__config *cfg)
{
	struct devmgr_error e;
	json_t *devs = json_object_get(cfg->root, "devices"), *spec;
	const char *app = json_string_value(
		json_object_get(json_object_get(cfg->root, "app"), "name"));
	const char *id;
	/* Linked-in providers need no scan: a configuration that names only
	 * those (and no xenstore section, whose classes any plugin may
	 * serve) leaves the plugin folders alone. */
	bool all_known = !json_object_get(cfg->root, "xenstore") &&
			 (!app || devmgr_ctx_find_app(ctx, app));
	json_object_foreach (devs, id, spec) {
		const char *name =
			json_string_value(json_object_get(spec, "provider"));
		all_known =
			all_known && name && devmgr__provider_lookup(ctx, name);
	}
	if (!all_known)
		devmgr_ctx_scan_plugins(ctx);
	json_object_foreach (devs, id, spec) {
		const char *name =
			json_string_value(json_object_get(spec, "provider"));
		const struct devmgr__provider_entry *p =
			name ? devmgr__provider_lookup(ctx, name) : NULL;
		if (p)
			devmgr__provider_ready(ctx, p, &e);
	}
	if (app)
		devmgr__app_ready(ctx, app, &e);
}

/* Read the file (or text), load what it names, check it into specs. */
static int read_config(struct devmgr_ctx *ctx, const char *text,
		       const char *name, struct devmgr__config **out,
		       struct devmgr_error *err)
{
	struct devmgr__config *cfg = devmgr__calloc(1, sizeof(*cfg));
	if (!cfg)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	int r = devmgr__config_read(ctx, text, name, cfg, err);
	if (r == 0) {
		load_providers(ctx, cfg);
		r = devmgr__config_check(ctx, cfg, err);
		if (r < 0)
			devmgr__config_free(cfg);
	}
	if (r < 0) {
		devmgr__free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

static void config_drop(struct devmgr__config *cfg)
{
	if (!cfg)
		return;
	devmgr__config_free(cfg);
	devmgr__free(cfg);
}

/* A new plan of the checked file and the xenstore set of the moment. */
static int replan(struct devmgr_ctx *ctx, struct devmgr__plan *np,
		  struct devmgr_error *err)
{
	return devmgr__plan_make(ctx, ctx->cfg, &ctx->xs_set, np, err);
}

static int load(struct devmgr_ctx *ctx, const char *text, const char *name,
		struct devmgr_error *err)
{
	if (ctx->have_plan)
		return devmgr_error_set(err, -EBUSY,
					"a configuration is loaded already");
	struct devmgr__config *cfg;
	struct devmgr__plan plan;
	int r = read_config(ctx, text, name, &cfg, err);
	if (r < 0)
		return r;
	r = devmgr__plan_make(ctx, cfg, &ctx->xs_set, &plan, err);
	if (r == 0 && plan.app_name) {
		const struct devmgr_app *app =
			devmgr_ctx_find_app(ctx, plan.app_name);
		if (!app)
			r = unknown_app(ctx, plan.path, plan.app_name, err);
		else
			r = devmgr__plan_check_app(ctx, &plan, app, true, err);
		if (r < 0)
			devmgr__plan_free(&plan);
	}
	if (r < 0) {
		config_drop(cfg);
		return r;
	}
	ctx->cfg = cfg;
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

int devmgr_ctx_reload(struct devmgr_ctx *ctx, struct devmgr_error *err)
{
	struct devmgr__config *cfg;
	struct devmgr__plan np;
	if (!ctx->have_plan || !ctx->cfg->dir)
		return devmgr_error_set(err, -EINVAL,
					"no configuration file to re-read");
	int r = read_config(ctx, NULL, ctx->cfg->path, &cfg, err);
	if (r < 0)
		return r;
	r = devmgr__plan_make(ctx, cfg, &ctx->xs_set, &np, err);
	if (r == 0)
		r = devmgr__plan_apply(ctx, &np, NULL, err);
	if (r < 0) {
		config_drop(cfg);
		return r;
	}
	config_drop(ctx->cfg);
	ctx->cfg = cfg;
	devmgr__xs_reloaded(ctx);
	return 0;
}

/* SIGHUP re-reads the file; SIGINT and SIGTERM drain the app when it can,
 * and stop devmgr when it cannot or when they come again. */
static void on_signal(struct devmgr_ctx *ctx, int signo)
{
	if (signo == SIGHUP) {
		struct devmgr_error e;
		char line[1200];
		if (devmgr_ctx_reload(ctx, &e) < 0)
			devmgr_log(ctx, DEVMGR_LOG_ERROR, "reload refused: %s",
				   devmgr_error_format(&e, line, sizeof(line)));
		return;
	}
	if (!ctx->draining && ctx->app && ctx->app_started && ctx->app->drain) {
		ctx->draining = true;
		devmgr_log(ctx, DEVMGR_LOG_INFO,
			   "signal %d: draining (again: stop now)", signo);
		ctx->app->drain(ctx, ctx->record);
		return;
	}
	devmgr_log(ctx, DEVMGR_LOG_INFO, "signal %d: stopping", signo);
	devmgr_ctx_exit(ctx, 0); /* a requested stop is a clean end */
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
	/* An app named only here (devmgr run APP) is loaded now. */
	int r = devmgr__app_ready(ctx, app_name, err);
	if (r < 0)
		return r;
	app = devmgr_ctx_find_app(ctx, app_name);
	if (!app)
		return unknown_app(ctx, ctx->plan.path, app_name, err);
	ctx->app = app;
	r = devmgr__bind(ctx, err);
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
	ctx->draining = false;
	devmgr__unbind(ctx);
	ctx->app = NULL;
}

int devmgr_run(struct devmgr_ctx *ctx, const char *app_name,
	       struct devmgr_error *err)
{
	ctx->loop.on_signal = on_signal;
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
		 * starts when it is up (xs_replan), as if devmgr had
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

/* Say once that a file device waits for a xenstore device (again after
 * it came up and went). */
static void report_waiting(struct devmgr_ctx *ctx)
{
	json_t *w = ctx->plan.waiting, *v;
	const char *id;
	void *tmp;
	json_object_foreach_safe (ctx->waiting_said, tmp, id, v)
		if (!json_object_get(w, id))
			json_object_del(ctx->waiting_said, id);
	json_object_foreach (w, id, v) {
		if (json_object_get(ctx->waiting_said, id))
			continue;
		if (!ctx->waiting_said && !(ctx->waiting_said = json_object()))
			return;
		json_object_set_new(ctx->waiting_said, id, json_true());
		devmgr_log(ctx, DEVMGR_LOG_INFO,
			   "device %s waits for xenstore device %s", id,
			   json_string_value(v));
		devmgr__event(ctx,
			      json_pack("{s:s, s:s, s:s}", "event", "waiting",
					"id", id, "for", json_string_value(v)));
	}
}

/* An app that waits for a device (devmgr_run) starts once nothing it
 * requires waits any more. */
static void start_pending(struct devmgr_ctx *ctx)
{
	struct devmgr_error e;
	char line[1200];
	if (!ctx->app_pending || ctx->app || devmgr__app_waits(&ctx->plan))
		return;
	char *name = ctx->app_pending;
	ctx->app_pending = NULL;
	if (devmgr_ctx_start_app(ctx, name, &e) < 0) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "xenstore: %s",
			   devmgr_error_format(&e, line, sizeof(line)));
		devmgr_ctx_exit(ctx, 1);
	} else {
		devmgr_log(ctx, DEVMGR_LOG_INFO, "app %s started", name);
	}
	devmgr__free(name);
}

/* The xenstore set changed (reasons: id -> why a device goes, or NULL):
 * plan it with the file's set as it was checked, and apply. */
static void xs_replan(struct devmgr_ctx *ctx, json_t *reasons)
{
	struct devmgr__plan np;
	struct devmgr_error e;
	char line[1200];
	if (!ctx->have_plan)
		return;
	int r = replan(ctx, &np, &e);
	if (r < 0) {
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "xenstore: %s",
			   devmgr_error_format(&e, line, sizeof(line)));
		return;
	}
	if (!ctx->created && !ctx->app) {
		/* Nothing runs yet: the new plan simply replaces the old. */
		devmgr__plan_free(&ctx->plan);
		ctx->plan = np;
		report_waiting(ctx);
		return;
	}
	r = devmgr__plan_apply(ctx, &np, reasons, &e);
	if (r < 0 && ctx->app) {
		/* A device the app cannot lose went away (or a required slot
		 * is now empty): its declaration says the app stops.  When
		 * what it lost waits for a xenstore device to come back, it
		 * waits too and starts again then; otherwise devmgr ends. */
		char *name = devmgr__strdup(ctx->app->name);
		devmgr_log(ctx, DEVMGR_LOG_ERROR,
			   "xenstore: %s; stopping app %s",
			   devmgr_error_format(&e, line, sizeof(line)),
			   ctx->app->name);
		devmgr_ctx_stop_app(ctx);
		r = replan(ctx, &np, &e);
		if (r == 0)
			r = devmgr__plan_apply(ctx, &np, reasons, &e);
		const char *waits =
			r == 0 ? devmgr__app_waits(&ctx->plan) : NULL;
		if (waits && name && !ctx->app_pending) {
			devmgr_log(ctx, DEVMGR_LOG_WARN,
				   "app %s starts again when device %s is up",
				   name, waits);
			ctx->app_pending = name;
			name = NULL;
		} else {
			devmgr_ctx_exit(ctx, 1);
		}
		devmgr__free(name);
	}
	if (r < 0)
		devmgr_log(ctx, DEVMGR_LOG_ERROR, "xenstore: %s",
			   devmgr_error_format(&e, line, sizeof(line)));
	if (r == 0) {
		report_waiting(ctx);
		start_pending(ctx);
	}
}

/* Try again the xenstore devices still within their node wait. */
static void retry_nodes(struct devmgr_ctx *ctx)
{
	const char *id;
	json_t *v;
	json_object_foreach (ctx->xs_node_wait, id, v) {
		if (json_integer_value(v) >= 0) {
			xs_replan(ctx, NULL);
			return;
		}
	}
}

static void xs_news(struct devmgr_ctx *ctx, enum devmgr__xs_news what,
		    json_t *reasons)
{
	if (what == DEVMGR__XS_CHANGED)
		xs_replan(ctx, reasons);
	else
		retry_nodes(ctx);
}

int devmgr_ctx_use_xenstore(struct devmgr_ctx *ctx, struct devmgr_error *err)
{
	devmgr_error_clear(err);
	if (!devmgr__have_xenstore())
		return devmgr_error_set(err, -ENOTSUP,
					"built without xenstore");
	if (ctx->xs)
		return devmgr_error_set(err, -EBUSY,
					"xenstore is in use already");
	if (!ctx->have_plan) {
		int r = load(ctx, "{\"devmgr\":1,\"devices\":{}}", "<xenstore>",
			     err);
		if (r < 0)
			return r;
	}
	devmgr_ctx_scan_plugins(ctx); /* any plugin may serve a class */
	int r = devmgr__xs_open(ctx, xs_news, err);
	if (r == 0)
		report_waiting(ctx); /* the store is read now */
	return r;
}
